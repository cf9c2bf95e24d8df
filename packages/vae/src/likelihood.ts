// Decoder distributions p(x|z): how a decoder's raw output becomes a log-likelihood in nats
// and a mean image. Shared by VAE, ConditionalVAE and AutoencoderKL.
import * as tf from '@tensorflow/tfjs-core';
import { losses, type PixelRange } from '@gen/core';

/**
 * - `'bernoulli'`: one logit per subpixel; for binary images (binarized MNIST). Images in [0, 1].
 * - `'gaussian'`: one mean per subpixel and a learned log-variance per channel (shared by all
 *   pixels, as σ-VAE, Rybkin et al. 2021, and LDM's learned `logvar`); a density, so its NLL
 *   can be negative.
 * - `'logistic'`: a mean and a log-scale per subpixel of a logistic discretized into 256 bins
 *   (PixelCNN++, Salimans et al. 2017): a proper discrete likelihood of 8-bit images. Images
 *   are rounded to the nearest of the 256 levels before scoring.
 */
export type Likelihood = 'bernoulli' | 'gaussian' | 'logistic';
export const LIKELIHOODS: readonly Likelihood[] = ['bernoulli', 'gaussian', 'logistic'];

/** What `decode` returns. The tensors are the caller's to dispose. */
export interface DecoderOutput {
  /** The mean of p(x|z) as an image `[batch, H, W, C]`, clipped to the model's pixel range. */
  sample: tf.Tensor;
  /**
   * The decoder's raw output, what `logLikelihood` scores: logits (`'bernoulli'`), means
   * (`'gaussian'`), or means and log-scales concatenated on the channel axis (`'logistic'`).
   */
  params: tf.Tensor;
}

/** Bounds of the learned Gaussian log-variance (σ from 0.011 to 4.5): keeps the density bounded. */
export const GAUSSIAN_LOG_VAR_RANGE: readonly [number, number] = [-9, 3];
/** Lower bound of the logistic log-scale (PixelCNN++). */
const MIN_LOG_SCALE = -7;

/** Decoder output channels needed for `channels` image channels. */
export function decoderChannels(likelihood: Likelihood, channels: number): number {
  return likelihood === 'logistic' ? 2 * channels : channels;
}

function toSymmetric(images: tf.Tensor, range: PixelRange): tf.Tensor {
  return range[0] === 0 ? tf.sub(tf.mul(images, 2), 1) : images;
}

function fromSymmetric(images: tf.Tensor, range: PixelRange): tf.Tensor {
  return range[0] === 0 ? tf.mul(tf.add(images, 1), 0.5) : images;
}

/** The decoder output for raw `params`: the mean image, clipped to `range`. Takes ownership of `params`. */
export function makeDecoderOutput(likelihood: Likelihood, params: tf.Tensor, range: PixelRange): DecoderOutput {
  const sample = tf.tidy(() => {
    if (likelihood === 'bernoulli') return tf.sigmoid(params);
    if (likelihood === 'gaussian') return tf.clipByValue(params, range[0], range[1]);
    const channels = params.shape[params.rank - 1] / 2;
    const [mean] = tf.split(params, [channels, channels], -1);
    return tf.clipByValue(fromSymmetric(mean, range), range[0], range[1]);
  });
  return { sample, params };
}

/**
 * log p(images | z) per sample in nats, `[batch]`, for decoder `params` of the same batch.
 * `logVar` is the learned per-channel log-variance of `'gaussian'` (clipped to
 * {@link GAUSSIAN_LOG_VAR_RANGE}).
 */
export function logLikelihood(
  likelihood: Likelihood,
  images: tf.Tensor,
  params: tf.Tensor,
  { range, logVar }: { range: PixelRange; logVar?: tf.Tensor },
): tf.Tensor1D {
  const none = tf.Reduction.NONE;
  return tf.tidy(() => {
    if (likelihood === 'bernoulli') return tf.neg(losses.bernoulliNll(images, params, { reduction: none }));
    if (likelihood === 'gaussian') {
      const clipped = logVar ? tf.clipByValue(logVar, GAUSSIAN_LOG_VAR_RANGE[0], GAUSSIAN_LOG_VAR_RANGE[1]) : 0;
      return tf.neg(losses.gaussianNll(images, params, clipped, { reduction: none }));
    }
    const channels = params.shape[params.rank - 1] / 2;
    const [mean, rawLogScale] = tf.split(params, [channels, channels], -1);
    // 8-bit levels k/255 ↦ 2k/255 − 1 (the bin centres of discretizedLogisticNll).
    const levels = tf.round(tf.mul(tf.add(toSymmetric(images, range), 1), 127.5));
    const targets = tf.sub(tf.div(levels, 127.5), 1);
    return tf.neg(losses.discretizedLogisticNll(targets, mean, tf.maximum(rawLogScale, MIN_LOG_SCALE), { reduction: none }));
  }) as tf.Tensor1D;
}
