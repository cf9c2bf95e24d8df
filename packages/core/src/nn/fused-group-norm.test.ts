import * as tf from '@tensorflow/tfjs-core';
import { Generator, nn } from '@gen/core';
import { countLeakedTensors, describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { groupNorm, hasFusedGroupNorm } from './fused-group-norm';

interface Case {
  shape: number[];
  groups: number;
  eps?: number;
}

const cases: Case[] = [
  { shape: [2, 5, 3, 6], groups: 2 },
  { shape: [3, 4, 4, 8], groups: 8 }, // one channel per group
  { shape: [2, 3, 7, 4], groups: 1 }, // LayerNorm-like: one group
  { shape: [4, 6], groups: 3 }, // rank 2: no spatial dimensions
  { shape: [2, 3, 2, 5, 6], groups: 3, eps: 1e-3 }, // rank 5
];

/** Loss Σ w·y with fixed random w, so every output element gets a different upstream gradient. */
function lossOf(fused: boolean, c: Case, w: tf.Tensor) {
  return (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) =>
    tf.sum(tf.mul(groupNorm(x, gamma, beta, c.groups, c.eps ?? 1e-5, fused), w));
}

// The fused kernels exist for wasm and cpu; elsewhere groupNorm is the composition itself.
describeWithBackends('nn groupNorm: fused kernel vs composed ops', ({ backend }) => {
  it('runs fused on this backend', () => {
    expect(hasFusedGroupNorm()).toBe(true);
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('forward and gradients match the composition: %s', async (_, c) => {
    const g = new Generator(7);
    const channels = c.shape[c.shape.length - 1];
    // Offset and scale so the mean is far from 0 (catches one-pass variance cancellation).
    const x = tf.add(tf.mul(g.normal(c.shape), 2.5), 3);
    const gamma = tf.add(g.normal([channels]), 1);
    const beta = g.normal([channels]);
    const w = g.normal(c.shape);
    await expectTensorsClose(groupNorm(x, gamma, beta, c.groups, c.eps), groupNorm(x, gamma, beta, c.groups, c.eps, false), { atol: 2e-5, rtol: 2e-5 });
    const fused = tf.grads(lossOf(true, c, w))([x, gamma, beta]);
    const composed = tf.grads(lossOf(false, c, w))([x, gamma, beta]);
    for (let i = 0; i < 3; i++) await expectTensorsClose(fused[i], composed[i], { atol: 1e-4, rtol: 1e-4 });
  });

  it('normalises each (sample, group) to mean 0 and variance 1 / (1 + ε/σ²)', async () => {
    const g = new Generator(3);
    const x = tf.add(tf.mul(g.normal([2, 8, 8, 4]), 5), -7);
    const y = groupNorm(x, tf.ones([4]), tf.zeros([4]), 2);
    const grouped = tf.reshape(y, [2, 64, 2, 2]);
    const { mean, variance } = tf.moments(grouped, [1, 3]);
    const v = tf.moments(tf.reshape(x, [2, 64, 2, 2]), [1, 3]).variance;
    await expectTensorsClose(mean, tf.zeros([2, 2]), { atol: 1e-5 });
    await expectTensorsClose(variance, tf.div(v, tf.add(v, 1e-5)), { atol: 1e-5 });
  });

  it('gradient w.r.t. x is orthogonal to constant shifts of a group (the output ignores them)', async () => {
    // y(x + t·1_group) = y(x), so Σ_group dx = 0 for any upstream gradient.
    const g = new Generator(5);
    const x = g.normal([3, 4, 4, 6]);
    const w = g.normal([3, 4, 4, 6]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(groupNorm(t, tf.ones([6]), tf.zeros([6]), 3), w)))(x);
    await expectTensorsClose(tf.sum(tf.reshape(dx, [3, 16, 3, 2]), [1, 3]), tf.zeros([3, 3]), { atol: 1e-4 });
  });

  it('nn.GroupNorm uses it and agrees with fused: false', async () => {
    const norm = new nn.GroupNorm({ numGroups: 2, numChannels: 6 });
    const x = new Generator(2).normal([2, 3, 3, 6]);
    const profile = await tf.profile(() => norm.forward(x));
    expect(profile.kernelNames).toContain('GenGroupNorm');
    await expectTensorsClose(norm.forward(x), groupNorm(x, norm.weight as tf.Tensor, norm.bias as tf.Tensor, 2, 1e-5, false), { atol: 2e-5 });
  });

  it('rejects bad arguments with one-line messages', () => {
    const x = tf.zeros([2, 3, 6]);
    const c6 = tf.ones([6]);
    expect(() => groupNorm(tf.zeros([6]), c6, c6, 2)).toThrow('groupNorm input (Tensor<float32>[6]) must have shape [batch, ..., channels]');
    expect(() => groupNorm(x, c6, c6, 4)).toThrow('groupNorm numGroups (4) must divide the channels (6)');
    expect(() => groupNorm(x, c6, c6, 0)).toThrow('groupNorm numGroups (0) must be a positive integer');
    expect(() => groupNorm(x, tf.ones([3]), c6, 2)).toThrow('groupNorm gamma (Tensor<float32>[3]) must have shape [6]');
    expect(() => groupNorm(x, c6, c6, 2, -1)).toThrow('groupNorm eps (-1) must be a positive finite number');
  });

  it('leaks no tensors over repeated forward + backward passes', async () => {
    const g = new Generator(9);
    const x = g.normal([2, 4, 4, 6]);
    const gamma = tf.variable(tf.ones([6]));
    const beta = tf.variable(tf.zeros([6]));
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(groupNorm(x, gamma, beta, 3))) as tf.Scalar, [gamma, beta]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    expect(await countLeakedTensors(() => { for (let i = 0; i < 5; i++) step(); })).toBe(0);
    tf.dispose([gamma, beta]);
  });
}, { only: ['cpu', 'wasm'] });
