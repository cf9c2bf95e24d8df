import * as tf from '@tensorflow/tfjs-core';
import { losses } from '@gen/core';
import { backendTolerance, countLeakedTensors, describeWithBackends, expectTensorsClose } from '@gen/core/testing';

const LOG_2PI = Math.log(2 * Math.PI);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describeWithBackends('losses: VAE likelihoods and KL (closed forms)', () => {
  const logits = [[0.5, -2, 3], [-0.1, 4, -6]];
  const targets = [[1, 0, 0.25], [0, 1, 1]];

  it('Bernoulli NLL is binary cross-entropy, summed per sample and averaged over the batch', async () => {
    const perSample = logits.map((row, n) =>
      row.reduce((sum, l, i) => sum - (targets[n][i] * Math.log(sigmoid(l)) + (1 - targets[n][i]) * Math.log(1 - sigmoid(l))), 0),
    );
    const none = losses.bernoulliNll(tf.tensor2d(targets), tf.tensor2d(logits), { reduction: tf.Reduction.NONE });
    await expectTensorsClose(none, perSample, { atol: backendTolerance(), rtol: 1e-5 });
    await expectTensorsClose(losses.bernoulliNll(tf.tensor2d(targets), tf.tensor2d(logits)), [(perSample[0] + perSample[1]) / 2], {
      atol: backendTolerance(),
      rtol: 1e-5,
    });
    // tfjs's sigmoidCrossEntropy averages over all 6 elements: ours = 3 × that.
    const tfjs = tf.losses.sigmoidCrossEntropy(tf.tensor2d(targets), tf.tensor2d(logits));
    await expectTensorsClose(losses.bernoulliNll(tf.tensor2d(targets), tf.tensor2d(logits)), tf.mul(tfjs, 3), { atol: 1e-4 });
    // ∂/∂l = σ(l) − t, per sample, divided by the batch size.
    const gradient = tf.grad((l: tf.Tensor) => losses.bernoulliNll(tf.tensor2d(targets), l))(tf.tensor2d(logits));
    await expectTensorsClose(gradient, logits.flatMap((row, n) => row.map((l, i) => (sigmoid(l) - targets[n][i]) / 2)));
  });

  it('Gaussian NLL with fixed and learned log-variance', async () => {
    const x = tf.tensor2d([[1, 2], [0, -1]]);
    const mu = tf.tensor2d([[0.5, 2], [1, 1]]);
    const unit = [0.25, 0, 1, 4].map((s) => 0.5 * (LOG_2PI + s));
    await expectTensorsClose(losses.gaussianNll(x, mu), [(unit[0] + unit[1] + unit[2] + unit[3]) / 2], { atol: 1e-4 });
    const logVar = tf.tensor2d([[0.2, -1], [1.5, 0]]);
    const lv = [0.2, -1, 1.5, 0];
    const squared = [0.25, 0, 1, 4];
    const expected = squared.map((s, i) => 0.5 * (LOG_2PI + lv[i] + s / Math.exp(lv[i])));
    await expectTensorsClose(losses.gaussianNll(x, mu, logVar, { reduction: tf.Reduction.NONE }), [expected[0] + expected[1], expected[2] + expected[3]], {
      atol: 1e-4,
    });
    // ∂/∂ logVar = ½(1 − (x − μ)²·e^{−logVar}) / N.
    const gradient = tf.grad((v: tf.Tensor) => losses.gaussianNll(x, mu, v))(logVar);
    await expectTensorsClose(gradient, lv.map((v, i) => (0.5 * (1 - squared[i] * Math.exp(-v))) / 2), { atol: 1e-4 });
    // A scalar log-variance broadcasts.
    await expectTensorsClose(losses.gaussianNll(x, mu, Math.log(4), { reduction: tf.Reduction.SUM }), [
      squared.reduce((sum, s) => sum + 0.5 * (LOG_2PI + Math.log(4) + s / 4), 0),
    ], { atol: 1e-4 });
  });

  it('KL of identical Gaussians is 0; a hand-computed case; klNormal against N(0, 1) equals klStandardNormal', async () => {
    const mean = tf.tensor2d([[0.3, -1.2], [2, 0]]);
    const logVar = tf.tensor2d([[0.5, -0.3], [0, 1.1]]);
    await expectTensorsClose(losses.klNormal(mean, logVar, mean, logVar), [0]);
    // ½(μ² + σ² − 1 − log σ²) for μ = 1, log σ² = ln 2: ½(1 + 2 − 1 − ln 2).
    await expectTensorsClose(losses.klStandardNormal(tf.tensor2d([[1]]), tf.tensor2d([[Math.log(2)]])), [0.5 * (2 - Math.log(2))]);
    // KL(N(0, 1) ‖ N(1, e²)) = ½(2 − 0 + (1 + 1)/e² − 1).
    const kl = losses.klNormal(tf.tensor2d([[0]]), tf.tensor2d([[0]]), tf.tensor2d([[1]]), tf.tensor2d([[2]]));
    await expectTensorsClose(kl, [0.5 * (2 + 2 / Math.exp(2) - 1)]);
    await expectTensorsClose(
      losses.klNormal(mean, logVar, tf.zerosLike(mean), tf.zerosLike(logVar), { reduction: tf.Reduction.NONE }),
      losses.klStandardNormal(mean, logVar, { reduction: tf.Reduction.NONE }),
      { atol: 1e-4 },
    );
    // ∂KL/∂μ = μ / N and ∂KL/∂logVar = ½(e^{logVar} − 1) / N.
    const [dMean, dLogVar] = tf.grads((m: tf.Tensor, v: tf.Tensor) => losses.klStandardNormal(m, v))([mean, logVar]);
    await expectTensorsClose(dMean, [0.15, -0.6, 1, 0]);
    await expectTensorsClose(dLogVar, [0.5, -0.3, 0, 1.1].map((v) => (0.5 * (Math.exp(v) - 1)) / 2), { atol: 1e-4 });
  });

  it('leaves no tensors behind', async () => {
    const a = tf.tensor2d([[0.2, 0.4]]);
    const b = tf.tensor2d([[0.1, -0.3]]);
    const leaked = await countLeakedTensors(() => {
      tf.dispose([
        losses.bernoulliNll(a, b),
        losses.gaussianNll(a, b, b),
        losses.discretizedLogisticNll(a, b, -2),
        losses.klStandardNormal(a, b),
        losses.klNormal(a, b, b, a),
      ]);
    });
    expect(leaked).toBe(0);
  });
});

describeWithBackends('losses: discretized logistic NLL', () => {
  // All 256 bins of one pixel as a batch of 256 one-pixel samples (NONE: one NLL each).
  const bins = Array.from({ length: 256 }, (_, k) => (2 * k) / 255 - 1);

  async function binProbabilities(mu: number, logScale: number, numBits = 8): Promise<number[]> {
    const count = 2 ** numBits;
    const values = Array.from({ length: count }, (_, k) => (2 * k) / (count - 1) - 1);
    const nll = losses.discretizedLogisticNll(tf.tensor2d(values, [count, 1]), tf.fill([count, 1], mu), logScale, {
      numBits,
      reduction: tf.Reduction.NONE,
    });
    return Array.from(await nll.data(), (v: number) => Math.exp(-v));
  }

  for (const [mu, logScale] of [[0.1, -3], [-0.95, -4.5], [0.999, -2], [0, 1], [3, -6]]) {
    it(`sums to probability 1 over the 256 bins (μ = ${mu}, log s = ${logScale})`, async () => {
      const p = await binProbabilities(mu, logScale);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(2e-3);
      expect(p.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
    });
  }

  it('edge bins extend to ±∞: P(0) = σ((−1 + 1/255 − μ)/s), P(255) = 1 − σ((1 − 1/255 − μ)/s)', async () => {
    const [mu, logScale] = [-0.9, -2];
    const s = Math.exp(logScale);
    const p = await binProbabilities(mu, logScale);
    expect(p[0]).toBeCloseTo(sigmoid((-1 + 1 / 255 - mu) / s), 5);
    expect(p[255]).toBeCloseTo(1 - sigmoid((1 - 1 / 255 - mu) / s), 5);
    const interior = 100;
    expect(p[interior]).toBeCloseTo(sigmoid((bins[interior] + 1 / 255 - mu) / s) - sigmoid((bins[interior] - 1 / 255 - mu) / s), 5);
  });

  it('lower bit depths also sum to 1 (5-bit, 32 bins)', async () => {
    const p = await binProbabilities(0.2, -1.5, 5);
    expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
  });

  it('a bin far in the tail stays finite and has finite gradients', async () => {
    const targets = tf.tensor2d([[0.5], [-1], [1]]);
    const mean = tf.tensor2d([[-0.9], [0.9], [-0.9]]);
    const logScale = tf.tensor2d([[-6], [-6], [-6]]);
    const nll = losses.discretizedLogisticNll(targets, mean, logScale, { reduction: tf.Reduction.NONE });
    expect(Array.from(await nll.data()).every(Number.isFinite)).toBe(true);
    const [dMean, dLogScale] = tf.grads((m: tf.Tensor, v: tf.Tensor) => losses.discretizedLogisticNll(targets, m, v))([mean, logScale]);
    expect(Array.from(await dMean.data()).every(Number.isFinite)).toBe(true);
    expect(Array.from(await dLogScale.data()).every(Number.isFinite)).toBe(true);
  });

  it('gradient w.r.t. the mean matches finite differences on an interior bin', async () => {
    const targets = tf.tensor2d([[bins[140]]]);
    const logScale = tf.tensor2d([[-3]]);
    const f = (m: number) => {
      const s = Math.exp(-3);
      return -Math.log(sigmoid((bins[140] + 1 / 255 - m) / s) - sigmoid((bins[140] - 1 / 255 - m) / s));
    };
    const expected = (f(0.12 + 1e-6) - f(0.12 - 1e-6)) / 2e-6;
    const gradient = tf.grad((m: tf.Tensor) => losses.discretizedLogisticNll(targets, m, logScale))(tf.tensor2d([[0.12]]));
    await expectTensorsClose(gradient, [expected], { atol: 10 * backendTolerance(), rtol: 1e-3 });
  });
});

describeWithBackends('losses: VAE argument checks', () => {
  it('names the argument, the value and what is allowed', () => {
    const a = tf.zeros([2, 3]);
    expect(() => losses.bernoulliNll(tf.zeros([2, 4]), a)).toThrow('targets (Tensor<float32>[2, 4]) must have the shape of logits [2, 3]');
    expect(() => losses.gaussianNll(a, a, tf.zeros([4]))).toThrow('logVar (Tensor<float32>[4]) must broadcast to the shape of mean [2, 3]');
    expect(() => losses.gaussianNll(a, a, Infinity)).toThrow('logVar (Infinity) must be a finite number or a float32 tf.Tensor');
    expect(() => losses.discretizedLogisticNll(a, a, 0, { numBits: 8.5 })).toThrow('numBits (8.5) must be an integer from 1 to 16');
    expect(() => losses.klStandardNormal(tf.zeros([3]), a)).toThrow('logVar (Tensor<float32>[2, 3]) must have the shape of mean [3]');
    expect(() => losses.klNormal(a, a, a, tf.zeros([2, 3], 'int32'))).toThrow('logVar2 (Tensor<int32>[2, 3]) must have dtype float32');
    expect(() => losses.klStandardNormal(tf.scalar(0), tf.scalar(0))).toThrow('mean (Tensor<float32>[]) must have rank ≥ 1 (a leading batch axis)');
  });
});
