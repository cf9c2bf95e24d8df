import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { DiagonalGaussian, standardNormalLogProb } from '@gen/vae';

const LOG_2PI = Math.log(2 * Math.PI);
const MU = [
  [0.5, -1, 0],
  [2, 0.25, -0.5],
];
const LOGVAR = [
  [0, -1, 0.5],
  [-2, 0.3, 1],
];

/** KL(N(m1, e^v1) ‖ N(m2, e^v2)) summed over dims, per row (float64). */
function klRows(m1: number[][], v1: number[][], m2: number[][], v2: number[][]): number[] {
  return m1.map((row, i) =>
    row.reduce((s, _, j) => s + 0.5 * (v2[i][j] - v1[i][j] + (Math.exp(v1[i][j]) + (m1[i][j] - m2[i][j]) ** 2) / Math.exp(v2[i][j]) - 1), 0),
  );
}

describeWithBackends('DiagonalGaussian', ({ backend }) => {
  const atol = backend === 'webgl' ? 1e-3 : 1e-5;
  const make = () => new DiagonalGaussian(tf.tensor2d(MU), tf.tensor2d(LOGVAR));

  it('kl() and kl(other) match the closed forms; KL to itself is 0', async () => {
    const q = make();
    const zeros = MU.map((row) => row.map(() => 0));
    await expectTensorsClose(q.kl(), klRows(MU, LOGVAR, zeros, zeros), { atol });
    const otherMean = [
      [0, 0, 1],
      [1, 1, 1],
    ];
    const other = new DiagonalGaussian(tf.tensor2d(otherMean), tf.tensor2d(LOGVAR.map((row) => row.map((v) => v / 2))));
    await expectTensorsClose(q.kl(other), klRows(MU, LOGVAR, otherMean, LOGVAR.map((row) => row.map((v) => v / 2))), { atol });
    await expectTensorsClose(q.kl(make()), [0, 0], { atol });
    q.dispose();
    other.dispose();
  });

  it('logProb matches the density for one draw and for stacked draws; entropy and mode', async () => {
    const q = make();
    const z = [
      [0, 0, 0],
      [1, -1, 2],
    ];
    const expected = z.map((row, i) =>
      row.reduce((s, value, j) => s - 0.5 * (LOG_2PI + LOGVAR[i][j] + (value - MU[i][j]) ** 2 / Math.exp(LOGVAR[i][j])), 0),
    );
    await expectTensorsClose(q.logProb(tf.tensor2d(z)), expected, { atol });
    const stacked = q.logProb(tf.stack([tf.tensor2d(z), tf.tensor2d(MU)]));
    expect(stacked.shape).toEqual([2, 2]);
    const atMode = MU.map((row, i) => row.reduce((s, _, j) => s - 0.5 * (LOG_2PI + LOGVAR[i][j]), 0));
    await expectTensorsClose(stacked, [...expected, ...atMode], { atol });
    await expectTensorsClose(q.entropy(), atMode.map((v) => -v + 1.5), { atol });
    await expectTensorsClose(q.mode(), tf.tensor2d(MU), { atol });
    expect(standardNormalLogProb(tf.zeros([2, 3]), 1).shape).toEqual([2]);
    expect(() => q.logProb(tf.zeros([2, 4]))).toThrow(
      'logProb z (Tensor<float32>[2, 4]) must be a float32 tensor [2, 3] or [samples, 2, 3]',
    );
    q.dispose();
  });

  it('sample is μ + σ·ε with ε from the generator, and Monte Carlo KL agrees with kl()', async () => {
    const q = make();
    const draw = q.sample({ generator: new Generator(3) });
    const eps = new Generator(3).normal([2, 3]);
    await expectTensorsClose(draw, tf.add(tf.tensor2d(MU), tf.mul(tf.exp(tf.mul(tf.tensor2d(LOGVAR), 0.5)), eps)), { atol });
    const draws = q.sample({ generator: new Generator(4), numSamples: 4000 });
    expect(draws.shape).toEqual([4000, 2, 3]);
    // E_q[log q(z) − log N(z; 0, I)] = KL(q ‖ N(0, I)).
    const monteCarlo = tf.mean(tf.sub(q.logProb(draws), standardNormalLogProb(draws, 1)), 0);
    const exact = await q.kl().data();
    const estimate = await monteCarlo.data();
    exact.forEach((value, i) => expect(Math.abs(estimate[i] - value)).toBeLessThan(0.1));
    expect(() => q.sample({ generator: new Generator(0), numSamples: 0 })).toThrow('numSamples (0) must be a positive integer');
    q.dispose();
  });

  it('leaks nothing and validates its inputs', () => {
    const before = tf.memory().numTensors;
    const q = make();
    const z = tf.zeros([2, 3]);
    tf.dispose([q.kl(), q.logProb(z), q.sample({ generator: new Generator(0) }), q.entropy(), q.std(), z]);
    q.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => new DiagonalGaussian(tf.zeros([2, 3]), tf.zeros([2, 2]))).toThrow(
      'DiagonalGaussian logVar (Tensor<float32>[2, 2]) must be a float32 tensor of the shape of mean [2, 3]',
    );
  });
});
