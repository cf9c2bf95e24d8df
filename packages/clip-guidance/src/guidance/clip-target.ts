// What CLIP guidance and CLIP steering pull the samples toward: a prompt (its CLIP text
// embedding) or a reference image (its CLIP image embedding). The one place that checks the
// choice, checks reference images (also unCLIP's) and computes the target embedding.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gen/core';
import type { BaseClip } from '../clip';
import { fitToClip } from './clip-views';

/** The target of guidance or steering: exactly one of `prompt` and `image`. */
export interface ClipTarget {
  /** The text the images should match: one for every image, or one per image. Empty prompts throw; over-long ones are truncated. */
  prompt?: string | readonly string[];
  /**
   * A reference image the images should match (its CLIP image embedding is the target): one NHWC
   * image `[H, W, C]` or `[1, H, W, C]` in [0, 1], or one per image `[n, H, W, C]`; any size
   * (resized to the CLIP's input as the samples are), 1 or 3 channels as the CLIP takes them.
   */
  image?: tf.Tensor;
}

/** How {@link checkReferenceImage} checks a reference. */
export interface ReferenceImageCheck {
  /** The name in the error (default `'image'`). */
  argument?: string;
  /** `[H, W, C]` the image must have exactly (unCLIP: the CLIP's image size); default any. */
  shape?: readonly [number, number, number];
  /** What `shape` is, said in the error (default "the required size"). */
  shapeName?: string;
  /** Also accept `[n, H, W, C]`, one reference per image (`'any'`: any batch); default one image only. */
  n?: number | 'any';
}

/**
 * Throws a one-line error unless `image` is one NHWC image (`[H, W, C]` or `[1, H, W, C]`; with
 * `n`, also `[n, H, W, C]`) of `shape` (when given) with every value in [0, 1]; returns it as a
 * 4-D tensor (a new tensor the caller disposes). Reads the values once to check the range.
 */
export function checkReferenceImage(image: unknown, check: ReferenceImageCheck = {}): tf.Tensor4D {
  const { argument = 'image', shape: required, shapeName = 'the required size', n } = check;
  const allowed = required
    ? `must be one ${required.join('×')} image in [0, 1] (${shapeName})`
    : `must be one NHWC image [H, W, C] or [1, H, W, C] in [0, 1]${n === 'any' || (n !== undefined && n > 1) ? `, or one per image [${n === 'any' ? 'n' : n}, H, W, C]` : ''}`;
  const shape: number[] | null = image instanceof tf.Tensor ? image.shape : null;
  const batch = shape?.length === 4 ? shape[0] : 1;
  const fits =
    shape !== null &&
    (shape.length === 3 || (shape.length === 4 && (batch === 1 || n === 'any' || batch === n))) &&
    shape.slice(-3).every((d: number) => d > 0) &&
    (required === undefined || tf.util.arraysEqual(shape.slice(-3), [...required]));
  if (!fits) throw new InvalidArgumentError(argument, shape ? `shape [${shape.join(', ')}]` : image, allowed);
  const t = image as tf.Tensor;
  const [low, high] = tf.tidy(() => {
    const flat = tf.cast(t, 'float32');
    return [tf.min(flat), tf.max(flat)];
  });
  const [min, max] = [low.dataSync()[0], high.dataSync()[0]];
  tf.dispose([low, high]);
  if (!(min >= 0 && max <= 1)) throw new InvalidArgumentError(argument, `values in [${round(min)}, ${round(max)}]`, allowed);
  const [height, width, channels] = shape!.slice(-3);
  return tf.tidy(() => tf.reshape(tf.cast(t, 'float32'), [batch, height, width, channels]) as tf.Tensor4D);
}

function round(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(4)) : value;
}

/**
 * Checks the target options: exactly one of `prompt` and `image`, each valid (`n`, when given, is
 * the number of images: per-image prompts or references must match it). Returns which it is.
 */
export function checkTarget(target: ClipTarget, clip: BaseClip, n?: number): 'prompt' | 'image' {
  const { prompt, image } = target ?? {};
  if (prompt !== undefined && image !== undefined) {
    throw new InvalidArgumentError('image', image, 'cannot be combined with prompt: give one target, the text or the reference image the samples should match');
  }
  if (prompt === undefined && image === undefined) {
    throw new InvalidArgumentError('prompt', undefined, 'or image is required: the text or the reference image the samples should match');
  }
  if (prompt !== undefined) {
    checkPromptText(prompt, n);
    return 'prompt';
  }
  checkReferenceImage(image, { n: n ?? 'any' }).dispose();
  checkReferenceChannels(image as tf.Tensor, clip);
  return 'image';
}

/** Throws unless the reference's channels fit the CLIP (its own count, or 1 ↔ 3 as `fitToClip` converts). */
function checkReferenceChannels(image: tf.Tensor, clip: BaseClip): void {
  const given = image.shape[image.rank - 1];
  const { channels } = clip.imageShape;
  if (given !== channels && !((given === 1 && channels === 3) || (given === 3 && channels === 1))) {
    throw new InvalidArgumentError('image', `shape [${image.shape.join(', ')}]`, `must have ${channels} channels (or 1 ↔ 3) for this CLIP's image encoder`);
  }
}

/**
 * Throws unless `prompt` is a non-empty string, or a non-empty array of them (one per image;
 * `n`, when given, is the number of images).
 */
export function checkPromptText(prompt: unknown, n?: number): string | readonly string[] {
  if (Array.isArray(prompt)) {
    if (prompt.length === 0 || (n !== undefined && prompt.length !== n)) {
      throw new InvalidArgumentError('prompt', prompt, `must be one string, or an array of one per image (${n ?? 'n'})`);
    }
    prompt.forEach((text, i) => {
      if (typeof text !== 'string' || text.trim().length === 0) {
        throw new InvalidArgumentError(`prompt[${i}]`, text, 'must be a non-empty string (an empty prompt has no meaning to match)');
      }
    });
    return prompt as readonly string[];
  }
  if (typeof prompt !== 'string' || prompt.trim().length === 0) {
    throw new InvalidArgumentError('prompt', prompt, 'must be a non-empty string (an empty prompt has no meaning to match)');
  }
  return prompt;
}

/**
 * The unit-length target embedding `[1 | n, embedDim]` of a checked target: the prompt's CLIP text
 * embedding, or the reference image's CLIP image embedding (the image fitted to the CLIP's input
 * as `fitToClip` does). The caller disposes.
 */
export function targetEmbedding(clip: BaseClip, target: ClipTarget): tf.Tensor2D {
  const { prompt, image } = target;
  if (image !== undefined) {
    const reference = checkReferenceImage(image, { n: 'any' });
    try {
      return tf.tidy(() => clip.encodeImage(fitToClip(clip, reference)));
    } finally {
      reference.dispose();
    }
  }
  return clip.encodeText(typeof prompt === 'string' ? [prompt] : [...(prompt as readonly string[])]);
}
