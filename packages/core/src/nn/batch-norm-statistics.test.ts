import * as tf from '@tensorflow/tfjs-core';
import { Generator, nn } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';

/** Linear → BatchNorm: the statistics BatchNorm sees are those of x·W + b. */
class Net extends nn.Module {
  readonly linear: nn.Linear;
  readonly norm: nn.BatchNorm;
  constructor() {
    super();
    this.linear = this.registerModule('linear', new nn.Linear({ inFeatures: 3, outFeatures: 2, generator: new Generator(1) }));
    this.norm = this.registerModule('norm', new nn.BatchNorm({ numFeatures: 2, momentum: 0.1 }));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.norm.forward(this.linear.forward(x));
  }
}

describeWithBackends('recomputeBatchNormStatistics', () => {
  const batches = [0, 1, 2].map((i) => new Generator(10 + i).normalArray(15).map((v) => v * (i + 1) + i));

  test('the running statistics become the average of the batches’ mean and unbiased variance', async () => {
    const net = new Net();
    net.eval();
    const before = (await net.linear.weight.data()).slice();
    const count = nn.recomputeBatchNormStatistics(net, (i) => net.forward(tf.tensor2d(batches[i], [5, 3])), { batches: 3 });
    expect(count).toBe(1);
    // Expected: per batch, h = x·W + b; mean and unbiased variance per feature; averaged over batches.
    const expectedMean = [0, 0];
    const expectedVar = [0, 0];
    for (const values of batches) {
      const h = await tf.tidy(() => net.linear.forward(tf.tensor2d(values, [5, 3]))).data();
      for (let f = 0; f < 2; f++) {
        const column = [0, 1, 2, 3, 4].map((r) => h[r * 2 + f]);
        const mean = column.reduce((a, b) => a + b, 0) / 5;
        expectedMean[f] += mean / 3;
        expectedVar[f] += column.reduce((a, b) => a + (b - mean) ** 2, 0) / 4 / 3;
      }
    }
    const mean = await net.norm.runningMean.data();
    const variance = await net.norm.runningVar.data();
    for (let f = 0; f < 2; f++) {
      expect(mean[f]).toBeCloseTo(expectedMean[f], 4);
      expect(variance[f] / expectedVar[f]).toBeCloseTo(1, 4);
    }
    // Weights, momentum and mode are as before.
    expect(Array.from(await net.linear.weight.data())).toEqual(Array.from(before));
    expect(net.norm.momentum).toBe(0.1);
    expect(net.training).toBe(false);
    net.dispose();
  });

  test('no tensors are left behind, and a model without BatchNorm is left alone', () => {
    const net = new Net();
    const start = tf.memory().numTensors;
    for (let round = 0; round < 3; round++) nn.recomputeBatchNormStatistics(net, (i) => net.forward(tf.tensor2d(batches[i], [5, 3])), { batches: 3 });
    expect(tf.memory().numTensors).toBe(start);
    const plain = new nn.Linear({ inFeatures: 3, outFeatures: 2, generator: new Generator(1) });
    const forward = jest.fn();
    expect(nn.recomputeBatchNormStatistics(plain, forward, { batches: 2 })).toBe(0);
    expect(forward).not.toHaveBeenCalled();
    plain.dispose();
    net.dispose();
  });

  test('batches must be a positive integer', () => {
    const net = new Net();
    expect(() => nn.recomputeBatchNormStatistics(net, () => null, { batches: 0 })).toThrow('batches (0) must be an integer ≥ 1');
    net.dispose();
  });
});
