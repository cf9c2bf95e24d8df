// The image side of the transformer: anything that turns images into a grid of discrete codes
// and back (a VQ-VAE, e.g. @gen/vae's VQVAE). Kept as an interface so @gen/transformer does
// not depend on a particular model.
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gen/core';

export interface ImageTokenizer {
  /** NHWC images → int32 codes `[batch, tokenShape[0], tokenShape[1]]`. */
  encodeToTokens(images: tf.Tensor): tf.Tensor;
  /** int32 codes `[batch, h, w]` → NHWC images. */
  decodeTokens(tokens: tf.Tensor): tf.Tensor;
  /** Number of codes (the transformer's imageVocabSize). */
  readonly codebookSize: number;
  /** `[height, width]` of the code grid. */
  readonly tokenShape: readonly [number, number] | number[];
}

/** Throws unless `value` implements ImageTokenizer (one line). */
export function checkImageTokenizer(value: unknown, argument = 'imageTokenizer'): ImageTokenizer {
  const v = value as ImageTokenizer | null;
  const ok =
    typeof v === 'object' &&
    v !== null &&
    typeof v.encodeToTokens === 'function' &&
    typeof v.decodeTokens === 'function' &&
    Number.isSafeInteger(v.codebookSize) &&
    v.codebookSize > 0 &&
    Array.isArray(v.tokenShape) &&
    v.tokenShape.length === 2;
  if (!ok) throw new InvalidArgumentError(argument, value, 'must have encodeToTokens, decodeTokens, codebookSize and tokenShape [h, w]');
  return v as ImageTokenizer;
}

/** Throws unless `value` is an ImageTokenizer whose grid and codebook are the model's (`tokenShape`, `imageVocabSize`). */
export function checkImageTokenizerFits(value: unknown, model: { config: { tokenShape: readonly number[]; imageVocabSize: number } }): ImageTokenizer {
  const imageTokenizer = checkImageTokenizer(value);
  const [h, w] = imageTokenizer.tokenShape;
  if (h !== model.config.tokenShape[0] || w !== model.config.tokenShape[1] || imageTokenizer.codebookSize !== model.config.imageVocabSize) {
    throw new InvalidArgumentError(
      'imageTokenizer',
      { tokenShape: [h, w], codebookSize: imageTokenizer.codebookSize },
      `must match the model (tokenShape ${JSON.stringify(model.config.tokenShape)}, codebookSize ${model.config.imageVocabSize})`,
    );
  }
  return imageTokenizer;
}
