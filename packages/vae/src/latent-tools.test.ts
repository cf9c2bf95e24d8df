import * as tf from '@tensorflow/tfjs-core';
import { Generator, interpolateLatents } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import {
  applyAttribute,
  attributeVector,
  decode,
  encode,
  fitPosteriorMixture,
  interpolate,
  inverseNormalCdf,
  latentGrid,
  reconstruct,
  reconstructionError,
  sampleMixture,
  samplePrior,
  VAE,
} from '@gen/vae';

const TINY = { height: 8, width: 8, widths: [4], hiddenDim: 8, latentDim: 2 };

describeWithBackends('latent-space tools and samplers', ({ backend }) => {
  const atol = backend === 'webgl' ? 1e-3 : 1e-5;
  const model = () => new VAE({ ...TINY, generator: new Generator(1) });
  const images = () => tf.tidy(() => tf.round(new Generator(2).uniform([4, 8, 8, 1])));

  it('encode / decode / reconstruct: shapes, and reconstruct = decode(encode(x))', async () => {
    const vae = model();
    const x = images();
    const z = await encode({ model: vae, images: x });
    expect(z.shape).toEqual([4, 2]);
    const direct = decode({ model: vae, latents: z });
    expect(direct.shape).toEqual([4, 8, 8, 1]);
    await expectTensorsClose(await reconstruct({ model: vae, images: x }), direct, { atol });
    const sampled = await encode({ model: vae, images: x, mode: 'sample', generator: new Generator(3) });
    expect(sampled.shape).toEqual([4, 2]);
    const error = await reconstructionError({ model: vae, images: x });
    expect(error.count).toBe(4);
    expect(error.mse).toBeGreaterThan(0);
    expect(error.nll).toBeGreaterThan(0);
    await expect(encode({ model: vae, images: tf.fill([1, 8, 8, 1], -0.5) })).rejects.toThrow(
      'images ("values in [-0.5, -0.5]") must lie in [0, 1] for a bernoulli decoder',
    );
    expect(() => decode({ model: vae, latents: tf.zeros([1, 3]) })).toThrow('latents (Tensor<float32>[1, 3]) must have shape [batch, 2]');
    vae.dispose();
  });

  it('interpolation strips: lerp and slerp frames decode interpolateLatents, ends are the encodings', async () => {
    const vae = model();
    const x = images();
    const [from, to] = [tf.slice(x, 0, 2), tf.slice(x, 2, 2)];
    for (const method of ['linear', 'slerp'] as const) {
      const frames = await interpolate({ model: vae, from, to, steps: 5, method });
      expect(frames.shape).toEqual([10, 8, 8, 1]);
      const [za, zb] = [await encode({ model: vae, images: from }), await encode({ model: vae, images: to })];
      const expected = decode({
        model: vae,
        latents: tf.concat([0, 1].map((i) => interpolateLatents(tf.gather(za, i), tf.gather(zb, i), { steps: 5, method }))),
      });
      await expectTensorsClose(frames, expected, { atol });
      await expectTensorsClose(tf.slice(frames, 0, 1), decode({ model: vae, latents: tf.slice(za, 0, 1) }), { atol });
    }
    const byLatents = await interpolate({ model: vae, fromLatents: tf.zeros([1, 2]), toLatents: tf.ones([1, 2]), steps: 3 });
    expect(byLatents.shape).toEqual([3, 8, 8, 1]);
    await expect(interpolate({ model: vae, from, steps: 3 })).rejects.toThrow(
      'to (undefined) must be a tf.Tensor of images [batch, 8, 8, 1]',
    );
    vae.dispose();
  });

  it('attribute vector = mean latent of class a − mean latent of class b; scale 0 reconstructs', async () => {
    const vae = model();
    const x = images();
    const labels = tf.tensor1d([0, 1, 0, 2], 'int32');
    const vector = await attributeVector({ model: vae, images: x, labels, positive: 0, negative: 1 });
    const z = await encode({ model: vae, images: x });
    const expected = tf.sub(tf.mean(tf.gather(z, [0, 2]), 0), tf.gather(z, 1));
    await expectTensorsClose(vector, expected, { atol });
    const edited = await applyAttribute({ model: vae, images: tf.slice(x, 0, 2), vector, scales: [0, 1] });
    expect(edited.shape).toEqual([4, 8, 8, 1]);
    await expectTensorsClose(tf.gather(edited, [0, 2]), await reconstruct({ model: vae, images: tf.slice(x, 0, 2) }), { atol });
    await expect(attributeVector({ model: vae, images: x, labels, positive: 0, negative: 7 })).rejects.toThrow(
      'negative (7) must be a class present in labels',
    );
    vae.dispose();
  });

  it('latent grid of a 2-D latent; Φ⁻¹ values', async () => {
    const vae = model();
    const grid = latentGrid({ model: vae, rows: 3, columns: 4 });
    expect(grid.shape).toEqual([12, 8, 8, 1]);
    expect(inverseNormalCdf(0.5)).toBeCloseTo(0, 9);
    expect(inverseNormalCdf(0.975)).toBeCloseTo(1.959964, 5);
    expect(inverseNormalCdf(0.01)).toBeCloseTo(-2.326348, 5);
    const wide = new VAE({ ...TINY, latentDim: 3, generator: new Generator(0) });
    expect(() => latentGrid({ model: wide })).toThrow('model.latentShape ([3]) must be [2] for a latent grid (a VAE with latentDim 2)');
    wide.dispose();
    vae.dispose();
  });

  it('prior and aggregate-posterior mixture samplers give images in range', async () => {
    const vae = model();
    const prior = samplePrior({ model: vae, count: 3, generator: new Generator(4) });
    expect(prior.shape).toEqual([3, 8, 8, 1]);
    const fit = await fitPosteriorMixture({ model: vae, images: images(), numComponents: 2, generator: new Generator(5) });
    expect(fit.mixture.dim).toBe(2);
    const samples = sampleMixture({ model: vae, mixture: fit.mixture, count: 3, generator: new Generator(6) });
    expect(samples.shape).toEqual([3, 8, 8, 1]);
    for (const value of await samples.data()) expect(value >= 0 && value <= 1).toBe(true);
    vae.dispose();
  });
});
