import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { Module } from './module';
import { checkBoolean, checkInput, checkPositiveInteger, checkPositiveNumber } from './validate';

export interface GroupNormOptions {
  /** Number of channel groups; must divide numChannels. */
  numGroups: number;
  /** Channels (the last input dimension). */
  numChannels: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learned per-channel scale `weight` (ones) and shift `bias` (zeros), default true. */
  affine?: boolean;
}

/**
 * Group normalisation (Wu & He 2018) on channels-last input `[batch, ..., channels]`:
 * each sample's channels are split into `numGroups` groups, and each group is normalised
 * to mean 0 and variance 1 over its channels and all spatial positions.
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly weight: tf.Variable | null;
  readonly bias: tf.Variable | null;

  constructor(options: GroupNormOptions) {
    super();
    const { numGroups, numChannels, eps = 1e-5, affine = true } = options ?? ({} as GroupNormOptions);
    this.numGroups = checkPositiveInteger('GroupNorm', 'numGroups', numGroups);
    this.numChannels = checkPositiveInteger('GroupNorm', 'numChannels', numChannels);
    if (numChannels % numGroups !== 0) {
      throw new InvalidArgumentError('GroupNorm numGroups', numGroups, `must divide numChannels (${numChannels})`);
    }
    this.eps = checkPositiveNumber('GroupNorm', 'eps', eps);
    checkBoolean('GroupNorm', 'affine', affine);
    this.weight = affine ? this.registerParameter('weight', tf.ones([numChannels])) : null;
    this.bias = affine ? this.registerParameter('bias', tf.zeros([numChannels])) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    checkInput('GroupNorm', x, { minRank: 2, lastDim: this.numChannels, expected: `[batch, ..., ${this.numChannels}]` });
    return tf.tidy(() => {
      const grouped = tf.reshape(x, [x.shape[0], -1, this.numGroups, this.numChannels / this.numGroups]);
      const mean = tf.mean(grouped, [1, 3], true);
      const centered = tf.sub(grouped, mean);
      const variance = tf.mean(tf.square(centered), [1, 3], true);
      let y: tf.Tensor = tf.reshape(tf.mul(centered, tf.rsqrt(tf.add(variance, this.eps))), x.shape);
      if (this.weight) y = tf.add(tf.mul(y, this.param('weight')), this.param('bias'));
      return y;
    });
  }
}
