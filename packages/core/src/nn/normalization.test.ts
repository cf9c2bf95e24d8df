import * as tf from '@tensorflow/tfjs-core';
import { Generator, nn } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { expectGradientMatchesFiniteDifferences } from './testing/finite-differences';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
};

/** Mean and (biased) variance of each group of `groupSize` consecutive values after grouping by `key(i)`. */
function groupMoments(values: ArrayLike<number>, key: (i: number) => number): Map<number, { mean: number; variance: number }> {
  const sums = new Map<number, number[]>();
  for (let i = 0; i < values.length; i++) {
    const list = sums.get(key(i)) ?? [];
    list.push(values[i]);
    sums.set(key(i), list);
  }
  const out = new Map<number, { mean: number; variance: number }>();
  for (const [k, list] of sums) {
    const mean = list.reduce((a, b) => a + b, 0) / list.length;
    out.set(k, { mean, variance: list.reduce((a, b) => a + (b - mean) ** 2, 0) / list.length });
  }
  return out;
}

describeWithBackends('nn.GroupNorm and nn.LayerNorm', ({ backend }) => {
  const tolerance = backend === 'webgl' ? 1e-2 : 1e-3;

  it('GroupNorm gives mean 0 and variance 1 per (sample, group)', async () => {
    const generator = new Generator(1);
    const norm = new nn.GroupNorm({ numGroups: 2, numChannels: 6 });
    const x = tf.add(tf.mul(generator.normal([3, 4, 5, 6]), 3), 2);
    const y = norm.forward(x);
    expect(y.shape).toEqual([3, 4, 5, 6]);
    // index → (sample, group): sample = i / (4·5·6), channel = i % 6, group = channel / 3
    const stats = groupMoments(await y.data(), (i) => Math.floor(i / 120) * 2 + Math.floor((i % 6) / 3));
    expect(stats.size).toBe(6);
    for (const { mean, variance } of stats.values()) {
      expect(Math.abs(mean)).toBeLessThan(tolerance);
      expect(Math.abs(variance - 1)).toBeLessThan(tolerance);
    }
  });

  it('GroupNorm applies its per-channel affine after normalising', async () => {
    const norm = new nn.GroupNorm({ numGroups: 1, numChannels: 2 });
    norm.weight!.assign(tf.tensor1d([2, 3]));
    norm.bias!.assign(tf.tensor1d([1, -1]));
    // One sample, two positions, two channels: values [0, 2, 4, 6] → mean 3, var 5
    const y = norm.forward(tf.tensor3d([[[0, 2], [4, 6]]]));
    const z = [0, 2, 4, 6].map((v) => (v - 3) / Math.sqrt(5 + 1e-5));
    await expectTensorsClose(y, [2 * z[0] + 1, 3 * z[1] - 1, 2 * z[2] + 1, 3 * z[3] - 1], { atol: 1e-4 });
  });

  it('LayerNorm gives mean 0 and variance 1 over the normalised trailing dimensions', async () => {
    const generator = new Generator(2);
    const x = tf.add(tf.mul(generator.normal([2, 3, 8]), 5), -1);
    const last = new nn.LayerNorm({ normalizedShape: 8 });
    for (const { mean, variance } of groupMoments(await last.forward(x).data(), (i) => Math.floor(i / 8)).values()) {
      expect(Math.abs(mean)).toBeLessThan(tolerance);
      expect(Math.abs(variance - 1)).toBeLessThan(tolerance);
    }
    const both = new nn.LayerNorm({ normalizedShape: [3, 8] });
    const stats = groupMoments(await both.forward(x).data(), (i) => Math.floor(i / 24));
    expect(stats.size).toBe(2);
    for (const { mean, variance } of stats.values()) {
      expect(Math.abs(mean)).toBeLessThan(tolerance);
      expect(Math.abs(variance - 1)).toBeLessThan(tolerance);
    }
  });

  it('validates options and input shapes', () => {
    expect(messageOf(() => new nn.GroupNorm({ numGroups: 4, numChannels: 6 }))).toBe(
      'GroupNorm numGroups (4) must divide numChannels (6)',
    );
    expect(messageOf(() => new nn.GroupNorm({ numGroups: 2, numChannels: 6, eps: 0 }))).toBe(
      'GroupNorm eps (0) must be a positive finite number',
    );
    expect(messageOf(() => new nn.GroupNorm({ numGroups: 2, numChannels: 6 }).forward(tf.zeros([1, 4, 4, 5])))).toBe(
      'GroupNorm input (Tensor<float32>[1, 4, 4, 5]) must have shape [batch, ..., 6]',
    );
    expect(messageOf(() => new nn.LayerNorm({ normalizedShape: [] }))).toBe(
      'LayerNorm normalizedShape ([]) must be a positive integer or a non-empty list of them',
    );
    expect(messageOf(() => new nn.LayerNorm({ normalizedShape: [4, 8] }).forward(tf.zeros([2, 8])))).toBe(
      'LayerNorm input (Tensor<float32>[2, 8]) must have shape [..., 4, 8]',
    );
  });

  it('GroupNorm and LayerNorm gradients match finite differences', async () => {
    const generator = new Generator(3);
    const group = new nn.GroupNorm({ numGroups: 2, numChannels: 4 });
    group.weight!.assign(generator.normal([4]));
    const x = generator.normal([2, 3, 3, 4]);
    const r = generator.normal([2, 3, 3, 4]);
    await expectGradientMatchesFiniteDifferences((v) => tf.sum(tf.mul(group.forward(v), r)), x, { epsilon: 1e-2, tolerance: 2e-2 });
    await expectGradientMatchesFiniteDifferences(
      (w) => group.withParameterOverride('weight', w, () => tf.sum(tf.mul(group.forward(x), r))),
      group.weight!,
    );
    const layer = new nn.LayerNorm({ normalizedShape: 5 });
    const h = generator.normal([3, 5]);
    const s = generator.normal([3, 5]);
    await expectGradientMatchesFiniteDifferences((v) => tf.sum(tf.mul(layer.forward(v), s)), h, { tolerance: 2e-2 });
  }, 60000);
});

describeWithBackends('nn.BatchNorm', ({ backend }) => {
  const tolerance = backend === 'webgl' ? 1e-2 : 1e-4;

  it('train: normalises with batch statistics and updates the running buffers with momentum', async () => {
    const norm = new nn.BatchNorm({ numFeatures: 2, momentum: 0.1 });
    // channel 0: [1, 2, 3, 6] → mean 3, biased var 3.5, unbiased 14/3; channel 1: [0, 0, 4, 4] → mean 2, var 4, unbiased 16/3
    const x = tf.tensor4d([1, 0, 2, 0, 3, 4, 6, 4], [2, 1, 2, 2]);
    const y = norm.forward(x);
    const expected = [1, 0, 2, 0, 3, 4, 6, 4].map((v, i) =>
      i % 2 === 0 ? (v - 3) / Math.sqrt(3.5 + 1e-5) : (v - 2) / Math.sqrt(4 + 1e-5),
    );
    await expectTensorsClose(y, expected, { atol: tolerance });
    await expectTensorsClose(norm.runningMean, [0.3, 0.2], { atol: tolerance });
    await expectTensorsClose(norm.runningVar, [0.9 + 0.1 * (14 / 3), 0.9 + 0.1 * (16 / 3)], { atol: tolerance });
  });

  it('eval: uses the running buffers and leaves them unchanged', async () => {
    const norm = new nn.BatchNorm({ numFeatures: 3 });
    norm.runningMean.assign(tf.tensor1d([1, 2, 3]));
    norm.runningVar.assign(tf.tensor1d([4, 1, 0.25]));
    norm.weight!.assign(tf.tensor1d([1, 2, 1]));
    norm.bias!.assign(tf.tensor1d([0, 0, 1]));
    norm.eval();
    expect(norm.training).toBe(false);
    const y = norm.forward(tf.tensor2d([[3, 2, 4]]));
    const eps = 1e-5;
    await expectTensorsClose(y, [2 / Math.sqrt(4 + eps), 0, 1 / Math.sqrt(0.25 + eps) + 1], { atol: tolerance });
    await expectTensorsClose(norm.runningMean, [1, 2, 3]);
    expect(Object.keys(norm.stateDict())).toEqual(['weight', 'bias', 'runningMean', 'runningVar']);
    expect(norm.trainableVariables()).toEqual([norm.weight, norm.bias]);
  });

  it('rejects a training batch with one value per channel', () => {
    const norm = new nn.BatchNorm({ numFeatures: 3 });
    expect(messageOf(() => norm.forward(tf.zeros([1, 3])))).toBe(
      'BatchNorm input (Tensor<float32>[1, 3]) needs more than one value per channel in training mode',
    );
    expect(messageOf(() => new nn.BatchNorm({ numFeatures: 3, momentum: 2 }))).toBe('BatchNorm momentum (2) must be in [0, 1]');
  });
});
