import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { elboTerms, estimateNll, iwaeBound, VAE } from '@gen/vae';
import { exactLogMarginal, LinearGaussianVae, sampleData } from './__fixtures__/linear-gaussian-vae';

function mean(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total / values.length;
}

describeWithBackends('estimateNll on a linear-Gaussian VAE (known likelihood)', ({ backend }) => {
  const atol = backend === 'webgl' ? 2e-3 : 2e-4;

  it('equals log p(x) exactly for every image and any k when the encoder is the true posterior', async () => {
    const model = new LinearGaussianVae();
    const images = sampleData(12, (shape) => new Generator(1).normal(shape));
    const truth = exactLogMarginal(await images.data());
    for (const k of [1, 7]) {
      const estimate = await estimateNll({ model, images, k, batchSize: 5, generator: new Generator(2) });
      expect(estimate.k).toBe(k);
      expect(estimate.count).toBe(12);
      estimate.logLikelihoods.forEach((value, i) => expect(Math.abs(value - truth[i])).toBeLessThan(atol));
      // With exact weights the ELBO is tight too.
      expect(Math.abs(estimate.elbo + estimate.nll)).toBeLessThan(atol);
    }
    model.dispose();
  });

  it('converges to log p(x) as k grows with a worse encoder, while the ELBO stays below', async () => {
    const model = new LinearGaussianVae({ meanScale: 0.7, logVarShift: 0.7 });
    const images = sampleData(32, (shape) => new Generator(3).normal(shape));
    const trueNll = -mean(exactLogMarginal(await images.data()));
    const results = [];
    for (const k of [1, 10, 1000]) results.push(await estimateNll({ model, images, k, maxDecodeBatch: 3200, generator: new Generator(4) }));
    const [k1, k10, k1000] = results;
    // IWAE bound: ELBO ≤ IWAE_10 ≤ IWAE_1000 ≤ log p(x) (bias shrinks like 1/k).
    expect(k1.nll).toBeGreaterThan(k10.nll);
    expect(k10.nll).toBeGreaterThan(k1000.nll);
    expect(k1000.nll - trueNll).toBeGreaterThan(-0.01);
    expect(Math.abs(k1000.nll - trueNll)).toBeLessThan(0.02);
    expect(-k1000.elbo - trueNll).toBeGreaterThan(0.2);
    expect(k1000.standardError).toBeGreaterThan(0);
    model.dispose();
  });

  it('gives the same estimate whatever the chunking, and leaks no tensors', async () => {
    const model = new LinearGaussianVae({ meanScale: 0.8 });
    const images = sampleData(8, (shape) => new Generator(5).normal(shape));
    const before = tf.memory().numTensors;
    // 8 images × 2 latent dims × chunk sizes that are multiples of 4 words: the same noise stream.
    const whole = await estimateNll({ model, images, k: 40, generator: new Generator(6) });
    const chunked = await estimateNll({ model, images, k: 40, maxDecodeBatch: 32, generator: new Generator(6) });
    expect(tf.memory().numTensors).toBe(before);
    chunked.logLikelihoods.forEach((value, i) => expect(value).toBeCloseTo(whole.logLikelihoods[i], 4));
    model.dispose();
  });

  it('IWAE bound: k = 1 is the ELBO in expectation, and the bound grows with k', async () => {
    const model = new LinearGaussianVae({ meanScale: 0.7, logVarShift: 0.7 });
    const images = sampleData(200, (shape) => new Generator(7).normal(shape));
    // Common random numbers: each call draws from a fresh Generator(8), so k = 1 and the ELBO share z.
    const bound = async (k: number) => {
      const values = iwaeBound(model, images, { k, generator: new Generator(8) });
      const m = mean(await values.data());
      values.dispose();
      return m;
    };
    const terms = elboTerms(model, images, { generator: new Generator(8) });
    const elbo = mean(await terms.elbo.data());
    tf.dispose(terms as unknown as tf.Tensor[]);
    const [b1, b5, b50] = [await bound(1), await bound(5), await bound(50)];
    const truth = mean(exactLogMarginal(await images.data()));
    expect(Math.abs(b1 - elbo)).toBeLessThan(0.1);
    expect(b5).toBeGreaterThan(b1);
    expect(b50).toBeGreaterThan(b5);
    expect(b50).toBeLessThan(truth + 0.02);
    model.dispose();
  });

  it('rejects k < 1, images of the wrong shape, and out-of-range images for a Bernoulli decoder', async () => {
    const model = new LinearGaussianVae();
    const images = tf.zeros([2, 4]);
    const generator = new Generator(0);
    await expect(estimateNll({ model, images, k: 0, generator })).rejects.toThrow('k (0) must be an integer ≥ 1 (importance samples per image)');
    await expect(estimateNll({ model, images: tf.zeros([2, 5]), k: 1, generator })).rejects.toThrow(
      'images (Tensor<float32>[2, 5]) must have shape [batch, 4]',
    );
    model.dispose();
    const vae = new VAE({ height: 8, width: 8, widths: [4], hiddenDim: 8, latentDim: 2, generator });
    await expect(estimateNll({ model: vae, images: tf.fill([1, 8, 8, 1], 2), k: 1, generator })).rejects.toThrow(
      'images ("values in [2, 2]") must lie in [0, 1] for a bernoulli decoder',
    );
    vae.dispose();
  });
});
