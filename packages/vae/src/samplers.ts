// Post-hoc samplers: decode latents drawn from the prior N(0, I), or from a Gaussian mixture
// fitted to the aggregate posterior q(z) = (1/N) Σ_n q(z|x_n) of the training images.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type Generator } from '@gen/core';
import { fitGaussianMixture, GaussianMixture, type GaussianMixtureFit } from './gaussian-mixture';
import type { VariationalModel } from './types';
import { checkBatch, checkLabels, checkOneOf, checkPositiveInteger, checkPositiveNumber, checkRange } from './validate';

export interface SamplePriorOptions {
  model: VariationalModel;
  /** Number of images. */
  count: number;
  /** Draws the latents. */
  generator: Generator;
  /** int32 `[count]` labels for a conditional model. */
  labels?: tf.Tensor;
  /** Scales the prior's standard deviation (< 1 trades diversity for quality). Default 1. */
  temperature?: number;
}

/** `count` images `[count, H, W, C]` (decoder means, in the model's range) from z ~ N(0, temperature²·I). */
export function samplePrior(options: SamplePriorOptions): tf.Tensor {
  const { model, count, generator, labels, temperature = 1 } = options ?? ({} as SamplePriorOptions);
  checkModel(model);
  checkPositiveInteger('count', count);
  checkPositiveNumber('temperature', temperature);
  checkLabels(model.constructor.name, labels, model.numClasses, count);
  return tf.tidy(() => {
    const z = generator.normal([count, ...model.latentShape], { std: temperature });
    return model.decode(z, { labels }).sample;
  });
}

export interface FitPosteriorMixtureOptions {
  model: VariationalModel;
  /** Training images `[N, ...imageShape]` in the model's range (N ≥ numComponents). */
  images: tf.Tensor;
  /** int32 `[N]` labels for a conditional model. */
  labels?: tf.Tensor;
  /** Mixture components. Default 10. */
  numComponents?: number;
  /**
   * Which latent of each image the mixture is fitted to: `'mean'` (default, the posterior
   * means, Ghosh et al. 2020) or `'sample'` (one draw of q(z|x) each, a sample of the
   * aggregate posterior itself).
   */
  latents?: 'mean' | 'sample';
  /** Images encoded together. Default 500. */
  batchSize?: number;
  /** Most EM iterations. Default 200. */
  maxIterations?: number;
  /** Seeds the EM initialisation (and the draws for `latents: 'sample'`). */
  generator: Generator;
}

/** Encodes `images` and fits a diagonal Gaussian mixture to their (flattened) latents. */
export async function fitPosteriorMixture(options: FitPosteriorMixtureOptions): Promise<GaussianMixtureFit> {
  const { model, images, labels, numComponents = 10, latents = 'mean', batchSize = 500, maxIterations = 200, generator } =
    options ?? ({} as FitPosteriorMixtureOptions);
  checkModel(model);
  checkOneOf('latents', latents, ['mean', 'sample'] as const);
  checkPositiveInteger('batchSize', batchSize);
  const codes = await encodeAll({ model, images, labels, batchSize, latents, generator });
  return fitGaussianMixture({ data: codes, dim: codes.length / images.shape[0], numComponents, maxIterations, generator: generator.fork('gmm') });
}

export interface SampleMixtureOptions {
  model: VariationalModel;
  /** A mixture over the flattened latent (dim = product of model.latentShape). */
  mixture: GaussianMixture;
  count: number;
  generator: Generator;
  labels?: tf.Tensor;
}

/** `count` images decoded from latents drawn from `mixture`. */
export function sampleMixture(options: SampleMixtureOptions): tf.Tensor {
  const { model, mixture, count, generator, labels } = options ?? ({} as SampleMixtureOptions);
  checkModel(model);
  const dim = model.latentShape.reduce((a, b) => a * b, 1);
  if (!(mixture instanceof GaussianMixture) || mixture.dim !== dim) {
    throw new InvalidArgumentError('mixture', mixture?.dim, `must be a GaussianMixture over the model's ${dim}-dimensional latent`);
  }
  checkPositiveInteger('count', count);
  checkLabels(model.constructor.name, labels, model.numClasses, count);
  return tf.tidy(() => {
    const z = tf.reshape(mixture.sample({ count, generator }), [count, ...model.latentShape]);
    return model.decode(z, { labels }).sample;
  });
}

/** Encodes in batches and returns the flattened latents (means or one draw) as float64. */
export async function encodeAll({
  model,
  images,
  labels,
  batchSize,
  latents,
  generator,
}: {
  model: VariationalModel;
  images: tf.Tensor;
  labels?: tf.Tensor;
  batchSize: number;
  latents: 'mean' | 'sample';
  generator?: Generator;
}): Promise<Float64Array> {
  checkBatch('images', images, model.imageShape);
  const count = images.shape[0];
  checkLabels(model.constructor.name, labels, model.numClasses, count);
  if (model.likelihood === 'bernoulli') await checkRange('images', images, 0, 1, 'for a bernoulli decoder');
  const dim = model.latentShape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(count * dim);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const codes = tf.tidy(() => {
      const y = labels ? tf.slice(labels, start, size) : undefined;
      const { latentDist } = model.encode(tf.slice(images, start, size), { labels: y });
      return latents === 'mean' ? latentDist.mode() : latentDist.sample({ generator: generator! });
    });
    out.set(await codes.data(), start * dim);
    codes.dispose();
  }
  return out;
}

export function checkModel(model: unknown): asserts model is VariationalModel {
  const candidate = model as Partial<VariationalModel> | undefined;
  if (typeof candidate?.encode !== 'function' || typeof candidate?.decode !== 'function' || !Array.isArray(candidate?.latentShape)) {
    throw new InvalidArgumentError('model', model === undefined ? undefined : (candidate as object)?.constructor?.name, 'must be a VariationalModel (VAE, ConditionalVAE, AutoencoderKL)');
  }
}
