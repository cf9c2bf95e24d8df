// CLIP guidance for @gen/diffusion: at each step, the gradient of the spherical distance
// between the CLIP embedding of the predicted x̂₀ (seen through random shifted "cutouts") and
// the prompt's embedding, returned as the pipeline's x₀-space guidance g = −scale·∇ loss.
import * as tf from '@tensorflow/tfjs-core';
import { checkNonNegativeInteger, checkPositiveInteger, checkPositiveNumber, Generator, InvalidArgumentError } from '@gen/core';
import type { GuidanceContext, GuidanceFunction } from '@gen/diffusion';
import { Clip } from '../clip';
import { drawShifts, viewStatistics } from './clip-views';

export { sphericalDistance, shiftImages } from './clip-views';

export interface ClipGuidanceOptions {
  clip: Clip;
  /** The text the images should match. Empty prompts throw; over-long ones are truncated. */
  prompt: string;
  /** Multiplier of the gradient (default 100). */
  scale?: number;
  /** Augmented views of x̂₀ averaged per step (default 4). */
  cutouts?: number;
  /** Each view is x̂₀ shifted by up to this many pixels in each direction, zero-filled (default 2; 0: no augmentation). */
  maxShift?: number;
  /** Draws the shifts (default `new Generator(0)`). */
  generator?: Generator;
  /** Pixel range of x̂₀ in model space (default [−1, 1]); mapped linearly to CLIP's [0, 1], not clipped. */
  range?: readonly [number, number];
}

/** The guidance hook with its prompt embedding; `dispose()` frees the embedding. */
export type ClipGuidance = GuidanceFunction & {
  /** The prompt's unit-length embedding `[1, embedDim]`. */
  readonly textEmbedding: tf.Tensor2D;
  /** The mean spherical-distance loss per image `[B]` of `x0` for given shifts (what the gradient is taken of). */
  loss(x0: tf.Tensor, shifts: ReadonlyArray<readonly [number, number]>): tf.Tensor1D;
  dispose(): void;
};

/**
 * A @gen/diffusion `GuidanceFunction` steering samples toward `prompt`:
 * g = −scale · ∇_{x̂₀} Σ_b mean_k d(CLIP(shift_k(x̂₀_b)), CLIP(prompt)).
 *
 * ```ts
 * const guidance = clipGuidance({ clip, prompt: 'a thin seven', scale: 200, generator: new Generator(1) });
 * const { images } = await ddimPipeline({ model, scheduler, guidance, … });
 * guidance.dispose();
 * ```
 */
export function clipGuidance(options: ClipGuidanceOptions): ClipGuidance {
  const { clip, prompt, scale = 100, cutouts = 4, maxShift = 2, generator = new Generator(0), range = [-1, 1] } = options ?? ({} as ClipGuidanceOptions);
  if (!(clip instanceof Clip)) throw new InvalidArgumentError('clip', clip, 'must be a Clip (trainClip, loadClip)');
  if (typeof prompt !== 'string' || prompt.trim().length === 0) {
    throw new InvalidArgumentError('prompt', prompt, 'must be a non-empty string (an empty prompt has no meaning to match)');
  }
  checkPositiveNumber('scale', scale);
  checkPositiveInteger('cutouts', cutouts);
  checkNonNegativeInteger('maxShift', maxShift);
  if (!(generator instanceof Generator)) throw new InvalidArgumentError('generator', generator, 'must be a Generator from @gen/core');
  if (!Array.isArray(range) || range.length !== 2 || !(range[1] > range[0])) throw new InvalidArgumentError('range', range, 'must be [low, high] with low < high');
  const textEmbedding = tf.keep(clip.encodeText([prompt]));
  const [low, high] = range;

  const loss = (x0: tf.Tensor, shifts: ReadonlyArray<readonly [number, number]>): tf.Tensor1D =>
    tf.tidy(() => viewStatistics(clip, tf.div(tf.sub(x0, low), high - low), textEmbedding, shifts).distance);

  const guidance = ((context: GuidanceContext) => {
    const x0 = context.predOriginalSample;
    const shifts = drawShifts(generator, cutouts, maxShift);
    return tf.tidy(() => tf.mul(tf.grad((x: tf.Tensor) => tf.sum(loss(x, shifts)))(x0), -scale));
  }) as ClipGuidance;
  Object.defineProperty(guidance, 'textEmbedding', { value: textEmbedding, enumerable: true });
  Object.defineProperty(guidance, 'loss', { value: loss, enumerable: true });
  Object.defineProperty(guidance, 'dispose', { value: () => textEmbedding.dispose(), enumerable: true });
  return guidance;
}
