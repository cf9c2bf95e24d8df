import * as tf from '@tensorflow/tfjs-core';
import { Adam, AdamW } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { ADAM_UPDATE_KERNEL, hasFusedAdam } from './fused-adam';

/** Deterministic values with a wide spread of magnitudes (tiny, large, zero, negative). */
function values(n: number, phase: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (i % 11 === 0 ? 0 : Math.sin(1.3 * i + phase) * Math.exp(Math.cos(0.7 * i + 2 * phase) * 4)));
}

/** Runs `steps` updates of two parameters with `optimizer`; returns the parameters and moments, read back. */
async function run(optimizer: Adam, steps: number): Promise<Float32Array[]> {
  const params = { w: tf.variable(tf.tensor2d(values(35, 0.1), [5, 7]), true, `w${Math.random()}`), b: tf.variable(tf.tensor1d(values(6, 0.2)), true, `b${Math.random()}`) };
  for (let s = 0; s < steps; s++) {
    const grads = { w: tf.tensor2d(values(35, 1 + s), [5, 7]), b: tf.tensor1d(values(6, 2 + s)) };
    optimizer.step(params, grads);
    tf.dispose(Object.values(grads));
  }
  const state = optimizer.stateDict();
  const out = await Promise.all([params.w, params.b, state['m/w'], state['v/w'], state['m/b'], state['v/b']].map(async (t) => Float32Array.from(await t.data())));
  tf.dispose([...Object.values(params), ...Object.values(state)]);
  return out;
}

describeWithBackends('Adam: the fused update kernel (GenAdamUpdate)', ({ backend }) => {
  it('runs fused on wasm and cpu, composed elsewhere', () => {
    expect(hasFusedAdam()).toBe(backend === 'wasm' || backend === 'cpu');
  });

  it.each([
    ['Adam', () => ({ learningRate: 1e-2 })],
    ['Adam, schedule and other betas', () => ({ learningRate: (step: number) => 0.05 / (1 + step), beta1: 0.5, beta2: 0.99, epsilon: 1e-6 })],
    ['AdamW (decoupled weight decay)', () => ({ learningRate: 3e-3, weightDecay: 0.1 })],
  ] as const)('%s: bit-identical to the composed ops over 4 steps', async (_, options) => {
    const make = (fused: boolean) => (_ === 'AdamW (decoupled weight decay)' ? new AdamW({ ...options(), fused }) : new Adam({ ...options(), fused }));
    const fusedOptimizer = make(true);
    const composedOptimizer = make(false);
    const fused = await run(fusedOptimizer, 4);
    const composed = await run(composedOptimizer, 4);
    for (let i = 0; i < fused.length; i++) expect(Array.from(fused[i])).toEqual(Array.from(composed[i]));
    fusedOptimizer.dispose();
    composedOptimizer.dispose();
  });

  it('one kernel per parameter and no leaked tensors', async () => {
    const optimizer = new Adam({ learningRate: 1e-3 });
    const params = { w: tf.variable(tf.ones([4, 4]), true, `w${Math.random()}`) };
    const grads = { w: tf.fill([4, 4], 0.5) };
    optimizer.step(params, grads); // moments created
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => optimizer.step(params, grads));
    expect(tf.memory().numTensors).toBe(before);
    if (hasFusedAdam()) expect(profile.kernelNames).toEqual([ADAM_UPDATE_KERNEL]);
    optimizer.dispose();
    tf.dispose([params.w, grads.w]);
  });

  it('rejects a non-boolean fused option', () => {
    expect(() => new Adam({ fused: 'yes' as unknown as boolean })).toThrow('fused');
  });
});
