// CLIP re-ranking (the DALL·E recipe): score N candidate images against the prompt with a
// CLIP model and keep the best `top`.
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, InvalidArgumentError } from '@gen/core';
import { Clip } from '@gen/clip-guidance';

export interface RerankOptions {
  clip: Clip;
  prompt: string;
  /** NHWC candidates in [0, 1] at the CLIP image encoder's size. */
  images: tf.Tensor;
  /** How many to keep (default all, i.e. a sort). */
  top?: number;
}

export interface RerankResult {
  /** The `top` best images, best first. */
  images: tf.Tensor4D;
  /** Their CLIP scores (cosine of image and prompt embeddings), descending. */
  scores: tf.Tensor1D;
  /** Their positions among the candidates, int32. */
  indices: tf.Tensor1D;
  /** Every candidate's score, in the candidates' order. */
  allScores: tf.Tensor1D;
}

/** Sorts candidates by `clip.clipScore(images, [prompt])` and keeps the best `top`; stays on the device. */
export function rerank(options: RerankOptions): RerankResult {
  const { clip, prompt, images } = options ?? ({} as RerankOptions);
  if (!(clip instanceof Clip)) throw new InvalidArgumentError('clip', clip, 'must be a Clip (@gen/clip-guidance)');
  if (typeof prompt !== 'string' || prompt.trim().length === 0) throw new InvalidArgumentError('prompt', prompt, 'must be a non-empty string');
  if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.shape[0] === 0) throw new InvalidArgumentError('images', images, 'must be NHWC images [N ≥ 1, height, width, channels]');
  const n = images.shape[0] as number;
  const top = options.top ?? n;
  checkPositiveInteger('top', top);
  if (top > n) throw new InvalidArgumentError('top', top, `must be at most the number of candidates (${n})`);
  return tf.tidy(() => {
    const allScores = clip.clipScore(images, [prompt]);
    const { values, indices } = tf.topk(allScores, top);
    return { images: tf.gather(images, indices) as tf.Tensor4D, scores: values as tf.Tensor1D, indices: indices as tf.Tensor1D, allScores };
  });
}
