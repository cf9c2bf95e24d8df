import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../random';
import { kaimingUniform, uniformBias } from './init';
import { Module } from './module';
import { checkBoolean, checkGenerator, checkInput, checkPositiveInteger } from './validate';

export interface LinearOptions {
  /** Size of the last input dimension. */
  inFeatures: number;
  /** Size of the last output dimension. */
  outFeatures: number;
  /** Add a learned bias (default true). */
  bias?: boolean;
  /** Draws the initial weights: kaiming-uniform weight and U(±1/√inFeatures) bias, as PyTorch. */
  generator: Generator;
}

/**
 * y = x·W + b over the last dimension: `[..., inFeatures] → [..., outFeatures]`.
 * `weight` is `[inFeatures, outFeatures]` (the tfjs / Keras layout; PyTorch's
 * `[out, in]` weight maps to it by a transpose).
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(options: LinearOptions) {
    super();
    const { inFeatures, outFeatures, bias = true, generator } = options ?? ({} as LinearOptions);
    this.inFeatures = checkPositiveInteger('Linear', 'inFeatures', inFeatures);
    this.outFeatures = checkPositiveInteger('Linear', 'outFeatures', outFeatures);
    checkBoolean('Linear', 'bias', bias);
    const random = checkGenerator('Linear', generator);
    this.weight = this.registerParameter('weight', kaimingUniform(random, [inFeatures, outFeatures], inFeatures));
    this.bias = bias ? this.registerParameter('bias', uniformBias(random, [outFeatures], inFeatures)) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    checkInput('Linear', x, { minRank: 1, lastDim: this.inFeatures, expected: `[..., ${this.inFeatures}]` });
    return tf.tidy(() => {
      const leading = x.shape.slice(0, -1);
      const flat = tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D;
      const bias = this.bias ? this.param('bias') : undefined;
      const y = tf.fused.matMul({ a: flat, b: this.param('weight') as tf.Tensor2D, bias });
      return tf.reshape(y, [...leading, this.outFeatures]);
    });
  }
}
