import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { Generator } from '../random';
import { Module } from './module';
import { checkGenerator } from './validate';

export interface DropoutOptions {
  /** Probability of zeroing each element in training mode (default 0.5). */
  p?: number;
  /** Draws the masks; fork one for dropout (`generator.fork('dropout')`) so other draws don't shift. */
  generator: Generator;
}

/**
 * Training: zeroes each element with probability `p` and scales the rest by 1/(1 − p)
 * (inverted dropout), masks drawn from the generator. Eval: the identity.
 */
export class Dropout extends Module {
  readonly p: number;
  private readonly generator: Generator;

  constructor(options: DropoutOptions) {
    super();
    const { p = 0.5, generator } = options ?? ({} as DropoutOptions);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new InvalidArgumentError('Dropout p', p, 'must be in [0, 1]');
    this.p = p;
    this.generator = checkGenerator('Dropout', generator);
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!(x instanceof tf.Tensor)) throw new InvalidArgumentError('Dropout input', x, 'must be a tf.Tensor');
    if (!this.training || this.p === 0) return tf.clone(x);
    if (this.p === 1) return tf.zerosLike(x);
    return tf.tidy(() => tf.mul(x, tf.mul(this.generator.bernoulli(1 - this.p, x.shape), 1 / (1 - this.p))));
  }
}
