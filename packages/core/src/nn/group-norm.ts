import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { groupNorm } from './fused-group-norm';
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
    // One fused kernel on wasm / cpu (see fused-group-norm.ts), composed ops elsewhere.
    return tf.tidy(() => {
      const [gamma, beta] = this.weight ? [this.param('weight'), this.param('bias')] : [tf.ones([this.numChannels]), tf.zeros([this.numChannels])];
      return groupNorm(x, gamma, beta, this.numGroups, this.eps);
    });
  }
}
