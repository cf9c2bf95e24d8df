// CLIP guidance for @gen/diffusion: at each step, the gradient of the spherical distance
// between the CLIP embedding of the predicted x̂₀ (seen through random shifted "cutouts") and
// the target's embedding (a prompt's text embedding, or a reference image's image embedding), returned as the pipeline's x₀-space guidance g = −scale·∇ loss.
// Latent diffusion: x̂₀ is a latent, so CLIP sees the autoencoder's decoding of it and the
// gradient flows back through the decoder into latent space (`vae`, `vaeScalingFactor`).
import * as tf from '@tensorflow/tfjs-core';
import { checkNonNegativeInteger, checkPositiveInteger, checkPositiveNumber, Generator, InvalidArgumentError } from '@gen/core';
import type { GuidanceContext, GuidanceFunction, LatentDecoder } from '@gen/diffusion';
import { BaseClip } from '../clip';
import { checkTarget, targetEmbedding, type ClipTarget } from './clip-target';
import { drawShifts, viewStatistics } from './clip-views';

export { sphericalDistance, shiftImages } from './clip-views';

/** Options of {@link clipGuidance}: the target is exactly one of `prompt` and `image`. */
export interface ClipGuidanceOptions extends ClipTarget {
  /** A Clip (trainClip, loadClip) or an ExternalClip (loadExternalClip) whose image tower passes gradients. */
  clip: BaseClip;
  /** The text the images should match: one for the whole batch, or one per image of the pipeline's batch. Empty prompts throw; over-long ones are truncated. */
  prompt?: string | readonly string[];
  /**
   * Or a reference image the images should match (its CLIP image embedding is the target): one
   * `[H, W, C]` / `[1, H, W, C]` in [0, 1] for the whole batch, or one per image `[B, H, W, C]`.
   */
  image?: tf.Tensor;
  /** Multiplier of the gradient (default 100). */
  scale?: number;
  /** Augmented views of x̂₀ averaged per step (default 4). */
  cutouts?: number;
  /** Each view is x̂₀ shifted by up to this many pixels in each direction, zero-filled (default 2; 0: no augmentation). */
  maxShift?: number;
  /** Draws the shifts (default `new Generator(0)`). */
  generator?: Generator;
  /** Pixel range of x̂₀ in model space — of the decoded x̂₀ with `vae` — (default [−1, 1]); mapped linearly to CLIP's [0, 1], not clipped. */
  range?: readonly [number, number];
  /** Latent diffusion: the pipeline's autoencoder; CLIP then sees decode(x̂₀ / vaeScalingFactor), and g is its gradient in latent space. */
  vae?: LatentDecoder;
  /** Latents are divided by this before decoding, as the pipeline does (default 1). */
  vaeScalingFactor?: number;
}

/** The guidance hook with its target embedding; `dispose()` frees the embedding. */
export type ClipGuidance = GuidanceFunction & {
  /** The target's unit-length embedding `[1, embedDim]` (or one per image, `[B, embedDim]`): the prompt's text embedding or the reference's image embedding. */
  readonly targetEmbedding: tf.Tensor2D;
  /** The same tensor as `targetEmbedding` (the name from when the target was always a prompt). */
  readonly textEmbedding: tf.Tensor2D;
  /** The mean spherical-distance loss per image `[B]` of `x0` for given shifts (what the gradient is taken of). */
  loss(x0: tf.Tensor, shifts: ReadonlyArray<readonly [number, number]>): tf.Tensor1D;
  dispose(): void;
};

/**
 * A @gen/diffusion `GuidanceFunction` steering samples toward `prompt` (or a reference `image`):
 * g = −scale · ∇_{x̂₀} Σ_b mean_k d(CLIP(shift_k(x̂₀_b)), t), t = CLIP(prompt) or CLIP(image).
 *
 * ```ts
 * const guidance = clipGuidance({ clip, prompt: 'a thin seven', scale: 200, generator: new Generator(1) });
 * const { images } = await ddimPipeline({ model, scheduler, guidance, … });
 * guidance.dispose();
 * // Toward a reference image instead (one [28, 28, 1] image in [0, 1]):
 * const variations = clipGuidance({ clip, image: reference, scale: 200 });
 * ```
 */
export function clipGuidance(options: ClipGuidanceOptions): ClipGuidance {
  const { clip, prompt, image, scale = 100, cutouts = 4, maxShift = 2, generator = new Generator(0), range = [-1, 1], vae, vaeScalingFactor = 1 } = options ?? ({} as ClipGuidanceOptions);
  if (!(clip instanceof BaseClip)) throw new InvalidArgumentError('clip', clip, 'must be a Clip (trainClip, loadClip) or an ExternalClip (loadExternalClip)');
  checkTarget({ prompt, image }, clip);
  checkPositiveNumber('scale', scale);
  checkPositiveInteger('cutouts', cutouts);
  checkNonNegativeInteger('maxShift', maxShift);
  if (!(generator instanceof Generator)) throw new InvalidArgumentError('generator', generator, 'must be a Generator from @gen/core');
  if (!Array.isArray(range) || range.length !== 2 || !(range[1] > range[0])) throw new InvalidArgumentError('range', range, 'must be [low, high] with low < high');
  if (vae !== undefined && typeof vae?.decode !== 'function') throw new InvalidArgumentError('vae', vae, 'must have a decode(latents) method (an AutoencoderKL)');
  checkPositiveNumber('vaeScalingFactor', vaeScalingFactor);
  clip.checkImageGradients();
  const textEmbedding = tf.keep(targetEmbedding(clip, { prompt, image }));
  const [low, high] = range;
  const prompts = textEmbedding.shape[0];

  /** x̂₀ as pixels in `range`: itself, or the autoencoder's decoding of the latent x̂₀. */
  const pixels = (x0: tf.Tensor): tf.Tensor => {
    if (!vae) return x0;
    const decoded = vae.decode(vaeScalingFactor === 1 ? x0 : tf.div(x0, vaeScalingFactor));
    return decoded instanceof tf.Tensor ? decoded : decoded.sample;
  };
  const loss = (x0: tf.Tensor, shifts: ReadonlyArray<readonly [number, number]>): tf.Tensor1D => {
    if (prompts !== 1 && x0.shape[0] !== prompts) throw new InvalidArgumentError('x0', x0, `must hold one image per ${prompt !== undefined ? 'prompt' : 'reference image'} (${prompts})`);
    return tf.tidy(() => viewStatistics(clip, tf.div(tf.sub(pixels(x0), low), high - low), textEmbedding, shifts).distance);
  };

  const guidance = ((context: GuidanceContext) => {
    const x0 = context.predOriginalSample;
    const shifts = drawShifts(generator, cutouts, maxShift);
    return tf.tidy(() => tf.mul(tf.grad((x: tf.Tensor) => tf.sum(loss(x, shifts)))(x0), -scale));
  }) as ClipGuidance;
  Object.defineProperty(guidance, 'targetEmbedding', { value: textEmbedding, enumerable: true });
  Object.defineProperty(guidance, 'textEmbedding', { value: textEmbedding, enumerable: true });
  Object.defineProperty(guidance, 'loss', { value: loss, enumerable: true });
  Object.defineProperty(guidance, 'dispose', { value: () => textEmbedding.dispose(), enumerable: true });
  return guidance;
}
