import * as tf from '@tensorflow/tfjs-core';
import { CRITIC_SHAPES, GENERATOR_SHAPES, LATENT, criticLoss, dcganGradients, generatorLoss } from './dcgan-fixture';
import { expectWasmMatchesCpu, prepareBackends, seededValues, wasmDataIds } from './wasm-vs-cpu';

// cpu's Conv2DBackpropFilter is a scalar loop (~5 s per image for the 64→128 layer), so the
// comparison runs on one real and one generated image (the critic sees a batch of 2).
const BATCH = 1;
const scaled = (shape: number[], seed: number, scale: number) => ({
  shape,
  values: seededValues(tf.util.sizeFromShape(shape), seed).map((v) => v * scale),
});

describe('DCGAN training step on wasm', () => {
  beforeAll(prepareBackends);

  it('gives the same critic and generator gradients as cpu (1e-4 relative)', async () => {
    const specs = [
      scaled([BATCH, 28, 28, 1], 11, 1),
      scaled([BATCH, LATENT], 12, 1),
      ...GENERATOR_SHAPES.map((s, i) => scaled(s, 100 + i, s.length === 1 ? 0.1 : 0.08)),
      ...CRITIC_SHAPES.map((s, i) => scaled(s, 200 + i, s.length === 1 ? 0.1 : 0.08)),
    ];
    const grads = await expectWasmMatchesCpu(specs, (real, z, ...params) =>
      dcganGradients(real, z, params.slice(0, 6), params.slice(6)),
    'dcgan');
    // Every parameter gets a non-trivial gradient.
    for (const g of grads) expect(g.values.some((v) => Math.abs(v) > 1e-8)).toBe(true);
  });

  it('trains with Adam without leaking tensors or wasm buffers', async () => {
    await tf.setBackend('wasm');
    const g = GENERATOR_SHAPES.map((s, i) => tf.variable(tf.tensor(seededValues(tf.util.sizeFromShape(s), 300 + i).map((v) => v * 0.05), s)));
    const d = CRITIC_SHAPES.map((s, i) => tf.variable(tf.tensor(seededValues(tf.util.sizeFromShape(s), 400 + i).map((v) => v * 0.05), s)));
    const real = tf.tensor(seededValues(2 * 28 * 28, 7), [2, 28, 28, 1]);
    const z = tf.tensor(seededValues(2 * LATENT, 8), [2, LATENT]);
    const dOpt = tf.train.adam(2e-4, 0.5);
    const gOpt = tf.train.adam(2e-4, 0.5);
    const step = () => {
      dOpt.minimize(() => criticLoss(real, z, g, d), false, d);
      gOpt.minimize(() => generatorLoss(z, g, d), false, g);
    };
    step();
    const before = [tf.memory().numTensors, wasmDataIds()];
    for (let i = 0; i < 3; i++) step();
    expect([tf.memory().numTensors, wasmDataIds()]).toEqual(before);
    tf.dispose([...g, ...d, real, z]);
    dOpt.dispose();
    gOpt.dispose();
  });
});
