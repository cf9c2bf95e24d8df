import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { AutoencoderKL, ConditionalVAE, createVaeModel, loadVaeModel, saveVaeModel, VAE, type VariationalModel } from '@gen/vae';
import { memoryHandler } from './__fixtures__/tiny-dataset';

const TINY = { height: 8, width: 8, channels: 1, widths: [4, 8], hiddenDim: 16, latentDim: 3 };

async function expectInRange(images: tf.Tensor, low: number, high: number): Promise<void> {
  const values = await images.data();
  for (const value of values) {
    expect(value).toBeGreaterThanOrEqual(low);
    expect(value).toBeLessThanOrEqual(high);
  }
}

describeWithBackends('@gen/vae models', () => {
  const generator = () => new Generator(1);

  it.each(['bernoulli', 'gaussian', 'logistic'] as const)('VAE with a %s decoder: shapes, ranges, finite log-likelihood', async (likelihood) => {
    const model = new VAE({ ...TINY, likelihood, generator: generator() });
    const images = tf.tidy(() => tf.round(generator().uniform([2, 8, 8, 1])));
    const { latentDist } = model.encode(images);
    expect(latentDist.shape).toEqual([2, 3]);
    const z = latentDist.sample({ generator: generator() });
    const { sample, params } = model.decode(z);
    expect(sample.shape).toEqual([2, 8, 8, 1]);
    expect(params.shape).toEqual([2, 8, 8, likelihood === 'logistic' ? 2 : 1]);
    await expectInRange(sample, 0, 1);
    const logLikelihood = await model.logLikelihood(images, params).data();
    expect(logLikelihood.length).toBe(2);
    logLikelihood.forEach((value) => expect(Number.isFinite(value)).toBe(true));
    if (likelihood !== 'gaussian') logLikelihood.forEach((value) => expect(value).toBeLessThan(0)); // discrete: log P ≤ 0
    expect(model.numParameters()).toBeGreaterThan(0);
    tf.dispose([images, z, sample, params]);
    latentDist.dispose();
    model.dispose();
  });

  it('ConditionalVAE: labels change the decoding, and are required', async () => {
    const model = new ConditionalVAE({ ...TINY, numClasses: 3, embeddingDim: 2, generator: generator() });
    const images = tf.zeros([2, 8, 8, 1]);
    const labels = tf.tensor1d([0, 2], 'int32');
    const { latentDist } = model.encode(images, { labels });
    expect(latentDist.shape).toEqual([2, 3]);
    const z = tf.zeros([2, 3]);
    const a = model.decode(z, { labels });
    const b = model.decode(z, { labels: tf.tensor1d([1, 1], 'int32') });
    expect(a.sample.shape).toEqual([2, 8, 8, 1]);
    expect(tf.max(tf.abs(tf.sub(a.sample, b.sample))).dataSync()[0]).toBeGreaterThan(0);
    expect(() => model.decode(z)).toThrow(
      'labels (undefined) must be an int32 tensor [2] of class indices in [0, 3) (ConditionalVAE is conditional)',
    );
    const unconditional = new VAE({ ...TINY, generator: generator() });
    expect(() => unconditional.decode(z, { labels })).toThrow('labels (Tensor<int32>[2]) must be omitted: VAE is unconditional');
    unconditional.dispose();
    latentDist.dispose();
    model.dispose();
  });

  it('AutoencoderKL: a spatial latent, images in [-1, 1], scaling factor in the config', async () => {
    const model = new AutoencoderKL({ height: 8, width: 8, blockChannels: [8, 8], normGroups: 4, latentChannels: 2, generator: generator() });
    expect(model.latentShape).toEqual([4, 4, 2]);
    const images = tf.tidy(() => generator().uniform([2, 8, 8, 1], { low: -1, high: 1 }));
    const { latentDist } = model.encode(images);
    expect(latentDist.shape).toEqual([2, 4, 4, 2]);
    const { sample, params } = model.decode(latentDist.mode());
    expect(sample.shape).toEqual([2, 8, 8, 1]);
    await expectInRange(sample, -1, 1);
    expect(model.logLikelihood(images, params).shape).toEqual([2]);
    model.setScalingFactor(0.5);
    expect(model.config.scalingFactor).toBe(0.5);
    expect(AutoencoderKL.fromConfig(model.config).scalingFactor).toBe(0.5);
    latentDist.dispose();
    expect(() => model.decode(tf.zeros([2, 4, 4, 3]))).toThrow('AutoencoderKL latents (Tensor<float32>[2, 4, 4, 3]) must have shape [batch, 4, 4, 2]');
    expect(() => new AutoencoderKL({ likelihood: 'bernoulli', generator: generator() })).toThrow(
      `AutoencoderKL likelihood ("bernoulli") must be 'gaussian' or 'logistic' (AutoencoderKL reads images in [-1, 1])`,
    );
  });

  it('fromConfig + loadStateDict reproduce a model exactly (every kind)', async () => {
    const models: VariationalModel[] = [
      new VAE({ ...TINY, likelihood: 'gaussian', generator: generator() }),
      new ConditionalVAE({ ...TINY, numClasses: 2, generator: generator() }),
      new AutoencoderKL({ height: 8, width: 8, blockChannels: [4, 4], normGroups: 2, generator: generator() }),
    ];
    for (const model of models) {
      const module = model as unknown as VAE;
      const copy = createVaeModel(JSON.parse(JSON.stringify(model.config)), new Generator(99)) as unknown as VAE;
      copy.loadStateDict(module.stateDict());
      const latents = tf.tidy(() => new Generator(3).normal([2, ...model.latentShape]));
      const labels = model.numClasses > 0 ? tf.tensor1d([0, 1], 'int32') : undefined;
      await expectTensorsClose(copy.decode(latents, { labels }).sample, model.decode(latents, { labels }).sample, { atol: 0 });
      copy.dispose();
      module.dispose();
    }
  });

  it('saveVaeModel → loadVaeModel (float16 storage): the same class, config, metadata, and outputs within half-float rounding', async () => {
    const model = new AutoencoderKL({ height: 8, width: 8, blockChannels: [8, 8], normGroups: 4, latentChannels: 2, scalingFactor: 0.7, generator: generator() });
    const handler = memoryHandler();
    await saveVaeModel(handler, { model, metadata: { step: 12 }, training: { dataset: 'mnist' }, storage: 'float16' });
    const { model: copy, metadata, config } = await loadVaeModel({ source: handler });
    expect(config).toMatchObject({ family: 'vae', training: { dataset: 'mnist' } });
    expect(copy).toBeInstanceOf(AutoencoderKL);
    expect(copy.config).toEqual(model.config);
    expect(metadata).toEqual({ step: 12 });
    const latents = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 3);
    // Half-float weights: the decoder's output moves by far less than a grey level.
    await expectTensorsClose(copy.decode(latents).sample, model.decode(latents).sample, { atol: 2e-3 });
    await expect(saveVaeModel(handler, { model: {} as never })).rejects.toThrow('model ({}) must be a VAE, ConditionalVAE, AutoencoderKL or VQVAE');
    copy.dispose();
    model.dispose();
  });

  it('rejects bad configs and images of the wrong shape with one line', () => {
    expect(() => new VAE({ height: 10, generator: generator() })).toThrow('VAE height (10) must be divisible by 4 (2^2 for 2 down-sampling stages)');
    expect(() => new VAE({ likelihood: 'poisson' as never, generator: generator() })).toThrow(
      `VAE likelihood ("poisson") must be one of 'bernoulli', 'gaussian', 'logistic'`,
    );
    const model = new VAE({ ...TINY, generator: generator() });
    expect(() => model.encode(tf.zeros([2, 8, 8, 3]))).toThrow('VAE images (Tensor<float32>[2, 8, 8, 3]) must have shape [batch, 8, 8, 1]');
    expect(() => model.decode(tf.zeros([2, 4]))).toThrow('VAE latents (Tensor<float32>[2, 4]) must have shape [batch, 3]');
    expect(() => createVaeModel({ kind: 'vq-vae' } as never)).toThrow(
      `config.kind ("vq-vae") must be one of 'vae', 'conditional-vae', 'autoencoder-kl'`,
    );
    model.dispose();
  });
});
