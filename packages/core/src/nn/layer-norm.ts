import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { Module } from './module';
import { checkBoolean, checkPositiveNumber } from './validate';

export interface LayerNormOptions {
  /** The trailing dimensions to normalise over: a size or a list of sizes (e.g. `[height, width, channels]`). */
  normalizedShape: number | number[];
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learned elementwise scale `weight` (ones) and shift `bias` (zeros) of `normalizedShape`, default true. */
  elementwiseAffine?: boolean;
}

/** Layer normalisation (Ba et al. 2016): mean 0, variance 1 over the trailing `normalizedShape` dimensions. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly weight: tf.Variable | null;
  readonly bias: tf.Variable | null;

  constructor(options: LayerNormOptions) {
    super();
    const { normalizedShape, eps = 1e-5, elementwiseAffine = true } = options ?? ({} as LayerNormOptions);
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new InvalidArgumentError('LayerNorm normalizedShape', normalizedShape, 'must be a positive integer or a non-empty list of them');
    }
    this.normalizedShape = [...shape];
    this.eps = checkPositiveNumber('LayerNorm', 'eps', eps);
    checkBoolean('LayerNorm', 'elementwiseAffine', elementwiseAffine);
    this.weight = elementwiseAffine ? this.registerParameter('weight', tf.ones(shape)) : null;
    this.bias = elementwiseAffine ? this.registerParameter('bias', tf.zeros(shape)) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    const n = this.normalizedShape.length;
    const trailing = x?.shape?.slice(-n) ?? [];
    if (!Array.isArray(x?.shape) || x.rank < n || !tf.util.arraysEqual(trailing, this.normalizedShape)) {
      throw new InvalidArgumentError('LayerNorm input', x, `must have shape [..., ${this.normalizedShape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const axes = Array.from({ length: n }, (_, i) => x.rank - n + i);
      const mean = tf.mean(x, axes, true);
      const centered = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centered), axes, true);
      let y: tf.Tensor = tf.mul(centered, tf.rsqrt(tf.add(variance, this.eps)));
      if (this.weight) y = tf.add(tf.mul(y, this.param('weight')), this.param('bias'));
      return y;
    });
  }
}
