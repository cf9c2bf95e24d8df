import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { crossReplicaMoments, type ReplicaGather } from './cross-replica-moments';
import { Module } from './module';
import { checkBoolean, checkInput, checkPositiveInteger, checkPositiveNumber } from './validate';

export interface BatchNormOptions {
  /** Channels (the last input dimension). */
  numFeatures: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of the new batch statistic in the running averages (default 0.1, PyTorch's convention). */
  momentum?: number;
  /** Learned per-channel scale `weight` (ones) and shift `bias` (zeros), default true. */
  affine?: boolean;
}

/**
 * Batch normalisation (Ioffe & Szegedy 2015) over every axis but the last (channels-last:
 * `[batch, features]` or `[batch, height, width, channels]`).
 *
 * Training: normalises with the batch mean and (biased) variance, and updates the buffers
 * `runningMean` / `runningVar` as `running ← (1 − momentum)·running + momentum·batch`
 * (with the unbiased variance, as PyTorch). Eval: normalises with the running buffers.
 * While `crossReplica` is set (`withCrossReplicaBatchNorm`), training mode uses the statistics
 * of every data-parallel replica's rows (synchronised batch norm).
 */
export class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  /** Weight of the newest batch in the running statistics; `recomputeBatchNormStatistics` changes it for a while. */
  momentum: number;
  readonly weight: tf.Variable | null;
  readonly bias: tf.Variable | null;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  /** The replicas whose rows make up the batch (set by `withCrossReplicaBatchNorm`), or null: this input is the batch. */
  crossReplica: ReplicaGather | null = null;

  constructor(options: BatchNormOptions) {
    super();
    const { numFeatures, eps = 1e-5, momentum = 0.1, affine = true } = options ?? ({} as BatchNormOptions);
    this.numFeatures = checkPositiveInteger('BatchNorm', 'numFeatures', numFeatures);
    this.eps = checkPositiveNumber('BatchNorm', 'eps', eps);
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
      throw new InvalidArgumentError('BatchNorm momentum', momentum, 'must be in [0, 1]');
    }
    this.momentum = momentum;
    checkBoolean('BatchNorm', 'affine', affine);
    this.weight = affine ? this.registerParameter('weight', tf.ones([numFeatures])) : null;
    this.bias = affine ? this.registerParameter('bias', tf.zeros([numFeatures])) : null;
    this.runningMean = this.registerBuffer('runningMean', tf.zeros([numFeatures]));
    this.runningVar = this.registerBuffer('runningVar', tf.ones([numFeatures]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    checkInput('BatchNorm', x, { minRank: 2, lastDim: this.numFeatures, expected: `[batch, ..., ${this.numFeatures}]` });
    let count = x.size / this.numFeatures;
    const crossReplica = this.training ? this.crossReplica : null;
    if (this.training && crossReplica === null && count < 2) {
      throw new InvalidArgumentError('BatchNorm input', x, 'needs more than one value per channel in training mode');
    }
    return tf.tidy(() => {
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (this.training) {
        if (crossReplica) {
          ({ mean, variance, count } = crossReplicaMoments(x, crossReplica));
        } else {
          ({ mean, variance } = tf.moments(x, Array.from({ length: x.rank - 1 }, (_, i) => i)));
        }
        const m = this.momentum;
        const unbiased = tf.mul(variance, count / (count - 1));
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
      } else {
        mean = this.param('runningMean');
        variance = this.param('runningVar');
      }
      let y: tf.Tensor = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      if (this.weight) y = tf.add(tf.mul(y, this.param('weight')), this.param('bias'));
      return y;
    });
  }
}
