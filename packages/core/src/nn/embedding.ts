import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { Generator } from '../random';
import { Module } from './module';
import { checkGenerator, checkPositiveInteger } from './validate';

export interface EmbeddingOptions {
  /** Size of the vocabulary (number of rows). */
  numEmbeddings: number;
  /** Size of each embedding vector. */
  embeddingDim: number;
  /** Draws the initial table from N(0, 1), as PyTorch. */
  generator: Generator;
}

/**
 * A lookup table: int32 indices `[...]` → `[..., embeddingDim]`. `weight` is
 * `[numEmbeddings, embeddingDim]` (the same layout as PyTorch). Indices are not
 * range-checked on the device (that would read them back); out-of-range indices give
 * backend-dependent results.
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly weight: tf.Variable;

  constructor(options: EmbeddingOptions) {
    super();
    const { numEmbeddings, embeddingDim, generator } = options ?? ({} as EmbeddingOptions);
    this.numEmbeddings = checkPositiveInteger('Embedding', 'numEmbeddings', numEmbeddings);
    this.embeddingDim = checkPositiveInteger('Embedding', 'embeddingDim', embeddingDim);
    const random = checkGenerator('Embedding', generator);
    this.weight = this.registerParameter('weight', random.normal([numEmbeddings, embeddingDim]));
  }

  forward(indices: tf.Tensor): tf.Tensor {
    if (!(indices instanceof tf.Tensor) || indices.dtype !== 'int32') {
      throw new InvalidArgumentError('Embedding input', indices, 'must be an int32 tensor of indices');
    }
    return tf.tidy(() => {
      const flat = tf.reshape(indices, [-1]);
      const rows = tf.gather(this.param('weight'), flat);
      return tf.reshape(rows, [...indices.shape, this.embeddingDim]);
    });
  }
}
