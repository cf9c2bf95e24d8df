// The contract every @gen/vae model meets; objectives, NLL estimates, samplers and latent
// tools are written against it, so they work for VAE, ConditionalVAE and AutoencoderKL alike.
import type * as tf from '@tensorflow/tfjs-core';
import type { PixelRange } from '@gen/core';
import type { DiagonalGaussian } from './diagonal-gaussian';
import type { DecoderOutput, Likelihood } from './likelihood';

/** Options of `encode` / `decode`. */
export interface ConditioningOptions {
  /** int32 `[batch]` class indices: required by a conditional model, refused by the others. */
  labels?: tf.Tensor;
}

/** What `encode` returns: the posterior q(z|x). Dispose it (`latentDist.dispose()`). */
export interface EncoderOutput {
  latentDist: DiagonalGaussian;
}

/**
 * A variational autoencoder with the standard normal prior p(z) = N(0, I):
 * `encode(x) → { latentDist }` (q(z|x)), `decode(z) → { sample, params }` (p(x|z)) and
 * `logLikelihood(x, params)` = log p(x|z) per sample.
 */
export interface VariationalModel {
  /** Serialisable config (`kind` names the class; `fromConfig` rebuilds it). */
  readonly config: { kind: string } & object;
  /** Per-sample image shape, `[height, width, channels]` for images. */
  readonly imageShape: readonly number[];
  /** Per-sample latent shape: `[latentDim]`, or `[h, w, c]` for a spatial latent. */
  readonly latentShape: readonly number[];
  /** Pixel range the model reads and writes. */
  readonly range: PixelRange;
  readonly likelihood: Likelihood;
  /** Number of classes of a conditional model (labels required), 0 otherwise. */
  readonly numClasses: number;
  encode(images: tf.Tensor, options?: ConditioningOptions): EncoderOutput;
  decode(latents: tf.Tensor, options?: ConditioningOptions): DecoderOutput;
  /** log p(images | z) in nats, `[batch]`, for `params` from `decode`. */
  logLikelihood(images: tf.Tensor, params: tf.Tensor): tf.Tensor1D;
}
