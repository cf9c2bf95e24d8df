import * as tf from '@tensorflow/tfjs-core';
import { losses } from '@gen/core';
import { countLeakedTensors, describeWithBackends, expectTensorsClose } from '@gen/core/testing';

describeWithBackends('losses: diffusion targets and Min-SNR weighting', () => {
  const x0 = [[0.5, -1], [2, 0.25]];
  const eps = [[-0.3, 0.8], [1.1, -2]];
  const alphaBar = [0.64, 0.36];

  it('ε, x₀ and v targets; v reconstructs ε and x₀ from x_t (Salimans & Ho 2022)', async () => {
    const args = [tf.tensor2d(x0), tf.tensor2d(eps), tf.tensor1d(alphaBar)] as const;
    await expectTensorsClose(losses.predictionTarget('epsilon', ...args), eps.flat());
    await expectTensorsClose(losses.predictionTarget('sample', ...args), x0.flat());
    const v = x0.flatMap((row, n) => row.map((x, i) => Math.sqrt(alphaBar[n]) * eps[n][i] - Math.sqrt(1 - alphaBar[n]) * x));
    await expectTensorsClose(losses.predictionTarget('v_prediction', ...args), v);
    // x₀ = √ᾱ·x_t − √(1 − ᾱ)·v with x_t = √ᾱ·x₀ + √(1 − ᾱ)·ε.
    const recovered = x0.flatMap((row, n) =>
      row.map((x, i) => {
        const xt = Math.sqrt(alphaBar[n]) * x + Math.sqrt(1 - alphaBar[n]) * eps[n][i];
        return Math.sqrt(alphaBar[n]) * xt - Math.sqrt(1 - alphaBar[n]) * v[n * 2 + i];
      }),
    );
    await expectTensorsClose(tf.tensor1d(recovered), x0.flat());
  });

  it('minSnrWeights follow Hang et al. 2023 for each prediction type, including SNR 0 and ∞', async () => {
    const snr = [0.25, 1, 5, 20, 0, Infinity];
    const gamma = 5;
    const clamp = (s: number) => Math.min(s, gamma);
    const snrT = () => tf.tensor1d(snr);
    await expectTensorsClose(losses.minSnrWeights(snrT(), gamma, 'epsilon'), snr.map((s) => (s === 0 ? 1 : clamp(s) / s)));
    await expectTensorsClose(losses.minSnrWeights(snrT(), gamma, 'sample'), snr.map(clamp));
    await expectTensorsClose(losses.minSnrWeights(snrT(), gamma, 'v_prediction'), snr.map((s) => (s === Infinity ? 0 : clamp(s) / (s + 1))));
    await expectTensorsClose(losses.snrFromAlphaBar(tf.tensor1d([0.5, 0.8])), [1, 4], { atol: 1e-5, rtol: 1e-5 });
  });

  it('weightedMse: per-sample mean of squares times weights, averaged over the batch; gradient 2w(p − t)/(D·N)', async () => {
    const prediction = tf.tensor2d([[1, 2], [3, 4]]);
    const target = tf.tensor2d([[0, 2], [1, 1]]);
    const weights = tf.tensor1d([2, 0.5]);
    // Per sample: (1 + 0)/2 = 0.5 and (4 + 9)/2 = 6.5.
    await expectTensorsClose(losses.weightedMse(target, prediction), [(0.5 + 6.5) / 2]);
    await expectTensorsClose(losses.weightedMse(target, prediction, weights, { reduction: tf.Reduction.NONE }), [1, 3.25]);
    await expectTensorsClose(losses.weightedMse(target, prediction, weights), [(1 + 3.25) / 2]);
    const gradient = tf.grad((p: tf.Tensor) => losses.weightedMse(target, p, weights))(prediction);
    await expectTensorsClose(gradient, [(2 * 2 * 1) / 4, 0, (2 * 0.5 * 2) / 4, (2 * 0.5 * 3) / 4]);
  });

  it('diffusionLoss composes target, Min-SNR weights and weighted MSE', async () => {
    const output = tf.tensor2d([[0, 0], [1, 1]]);
    const options = { modelOutput: output, originalSample: tf.tensor2d(x0), noise: tf.tensor2d(eps), alphaBar: tf.tensor1d(alphaBar) };
    const snr = tf.tensor1d(alphaBar.map((a) => a / (1 - a)));
    const expected = losses.weightedMse(
      losses.predictionTarget('v_prediction', options.originalSample, options.noise, options.alphaBar),
      output,
      losses.minSnrWeights(snr, 5, 'v_prediction'),
    );
    await expectTensorsClose(losses.diffusionLoss({ ...options, predictionType: 'v_prediction', snrGamma: 5 }), expected, { atol: 1e-4 });
    await expectTensorsClose(losses.diffusionLoss(options), losses.weightedMse(options.noise, output), { atol: 1e-5 });
  });

  it('leaves no tensors behind', async () => {
    const a = tf.tensor2d(x0);
    const e = tf.tensor2d(eps);
    const ab = tf.tensor1d(alphaBar);
    const leaked = await countLeakedTensors(() => {
      tf.dispose([
        losses.diffusionLoss({ modelOutput: a, originalSample: a, noise: e, alphaBar: ab, predictionType: 'v_prediction', snrGamma: 5 }),
        losses.minSnrWeights(ab, 5, 'epsilon'),
      ]);
    });
    expect(leaked).toBe(0);
  });

  it('names the argument, the value and what is allowed', () => {
    const a = tf.zeros([2, 3]);
    expect(() => losses.predictionTarget('v' as 'epsilon', a, a, tf.ones([2]))).toThrow(
      `predictionType ("v") must be one of 'epsilon', 'sample', 'v_prediction'`,
    );
    expect(() => losses.predictionTarget('epsilon', a, a, tf.ones([3]))).toThrow('alphaBar (Tensor<float32>[3]) must have shape [2] (one value per sample)');
    expect(() => losses.minSnrWeights(tf.ones([2]), 0)).toThrow('gamma (0) must be > 0');
    expect(() => losses.weightedMse(tf.zeros([2, 2]), a)).toThrow('target (Tensor<float32>[2, 2]) must have the shape of prediction [2, 3]');
    expect(() => losses.weightedMse(a, a, tf.ones([2, 1]))).toThrow('weights (Tensor<float32>[2, 1]) must have shape [2] (one value per sample)');
  });
});
