// Tiny models and data for the transformer tests: a small DalleTransformer, random token
// rows, and a fake VQ image tokenizer (each 2×2 patch's mean ink, quantised to 4 levels).
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { DalleTransformer, type PartialDalleConfig } from '../model/dalle-transformer';
import type { ImageTokenizer } from '../image-tokenizer';

export const TINY: PartialDalleConfig = { textVocabSize: 20, textLength: 5, imageVocabSize: 8, tokenShape: [2, 3], width: 16, layers: 2, heads: 2, mlpRatio: 2 };

export function tinyDalle(seed = 0, overrides: Partial<PartialDalleConfig> = {}): DalleTransformer {
  return DalleTransformer.fromConfig({ ...TINY, ...overrides }, new Generator(seed));
}

/** Random int32 ids `[rows, length]` below `vocab`. */
export function randomIds(generator: Generator, rows: number, length: number, vocab: number): tf.Tensor2D {
  return generator.randint([rows, length], 0, vocab) as tf.Tensor2D;
}

/**
 * A fake VQ tokenizer for grayscale images of 4·patch pixels a side: a 4×4 grid of patches,
 * each patch's mean quantised to `codebookSize` codes; decoding paints each patch with its
 * level's midpoint.
 */
export class FakeVq implements ImageTokenizer {
  readonly tokenShape: [number, number] = [4, 4];
  constructor(
    readonly codebookSize = 4,
    readonly patch = 2,
  ) {}

  encodeToTokens(images: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const means = tf.squeeze(tf.avgPool(images as tf.Tensor4D, this.patch, this.patch, 'valid'), [3]);
      return tf.cast(tf.minimum(tf.floor(tf.mul(means, this.codebookSize)), this.codebookSize - 1), 'int32');
    });
  }

  decodeTokens(tokens: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const values = tf.div(tf.add(tf.cast(tokens, 'float32'), 0.5), this.codebookSize);
      const size = 4 * this.patch;
      return tf.image.resizeNearestNeighbor(tf.expandDims(values, -1) as tf.Tensor4D, [size, size]);
    });
  }
}

/** The image tokens of class c in the synthetic task: a fixed pattern over 6 positions, vocab 8. */
export const classPattern = (c: number): number[] => Array.from({ length: 6 }, (_, j) => (3 * c + j * (c + 1)) % 8);

/** Text row of class c: `[bos, 3 + c, eos, pad, pad]` (textLength 5, vocab 20). */
export const classText = (c: number): number[] => [1, 3 + c, 2, 0, 0];

/** `size` pairs of the synthetic task: pair i is class i % 4. */
export function classPairs(size: number): { textIds: Int32Array; imageIds: Int32Array; size: number } {
  const textIds = new Int32Array(size * 5);
  const imageIds = new Int32Array(size * 6);
  for (let i = 0; i < size; i++) {
    textIds.set(classText(i % 4), i * 5);
    imageIds.set(classPattern(i % 4), i * 6);
  }
  return { textIds, imageIds, size };
}

/** An in-memory tf.io handler (save, then load). */
export { memoryIOHandler as memoryHandler } from '@gen/core/testing';
