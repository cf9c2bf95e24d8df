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
 * A fake VQ tokenizer for 8×8 grayscale images: a 4×4 grid of 2×2 patches, each patch's
 * mean quantised to `levels` codes; decoding paints each patch with its level's value.
 */
export class FakeVq implements ImageTokenizer {
  readonly tokenShape: [number, number] = [4, 4];
  readonly imageShape: [number, number, number] = [8, 8, 1];
  constructor(readonly codebookSize = 4) {}

  encodeToTokens(images: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const means = tf.squeeze(tf.avgPool(images as tf.Tensor4D, 2, 2, 'valid'), [3]);
      return tf.cast(tf.minimum(tf.floor(tf.mul(means, this.codebookSize)), this.codebookSize - 1), 'int32');
    });
  }

  decodeTokens(tokens: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const values = tf.div(tf.add(tf.cast(tokens, 'float32'), 0.5), this.codebookSize);
      const patches = tf.expandDims(values, -1) as tf.Tensor4D;
      return tf.image.resizeNearestNeighbor(patches, [8, 8]);
    });
  }
}
