// Argument checks shared by the loss files (internal: not exported from the module).
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';

const REDUCTIONS: readonly tf.Reduction[] = [
  tf.Reduction.NONE,
  tf.Reduction.MEAN,
  tf.Reduction.SUM,
  tf.Reduction.SUM_BY_NONZERO_WEIGHTS,
];

/** Throws unless `value` is a float32 tf.Tensor (of rank ≥ `minRank`). */
export function assertFloatTensor(argument: string, value: unknown, minRank = 0): asserts value is tf.Tensor {
  if (!(value instanceof tf.Tensor)) throw new InvalidArgumentError(argument, value, 'must be a tf.Tensor');
  if (value.dtype !== 'float32') throw new InvalidArgumentError(argument, value, 'must have dtype float32');
  if (value.rank < minRank) {
    throw new InvalidArgumentError(argument, value, `must have rank ≥ ${minRank} (a leading batch axis)`);
  }
}

/** Throws unless `value` has exactly the shape of `reference` (named `referenceName`). */
export function assertSameShape(argument: string, value: tf.Tensor, referenceName: string, reference: tf.Tensor): void {
  if (!tf.util.arraysEqual(value.shape, reference.shape)) {
    throw new InvalidArgumentError(argument, value, `must have the shape of ${referenceName} [${reference.shape.join(', ')}]`);
  }
}

/** Throws unless `value` can be broadcast to `reference`'s shape without changing it. */
export function assertBroadcastsTo(argument: string, value: tf.Tensor, referenceName: string, reference: tf.Tensor): void {
  const offset = reference.rank - value.rank;
  const ok = offset >= 0 && value.shape.every((size, i) => size === 1 || size === reference.shape[i + offset]);
  if (!ok) {
    throw new InvalidArgumentError(argument, value, `must broadcast to the shape of ${referenceName} [${reference.shape.join(', ')}]`);
  }
}

/** Throws unless `value` is a finite number (≥ `min` when given). */
export function assertFiniteNumber(argument: string, value: unknown, min?: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (min !== undefined && value < min)) {
    throw new InvalidArgumentError(argument, value, min === undefined ? 'must be a finite number' : `must be a finite number ≥ ${min}`);
  }
}

/** Throws unless `value` is one of tf.Reduction's values. */
export function assertReduction(value: unknown): asserts value is tf.Reduction {
  if (!REDUCTIONS.includes(value as tf.Reduction)) {
    throw new InvalidArgumentError('reduction', value, 'must be a tf.Reduction (NONE, MEAN, SUM or SUM_BY_NONZERO_WEIGHTS)');
  }
}

/** Reduces elementwise losses the way tf.losses does (no weights: MEAN ≡ SUM_BY_NONZERO_WEIGHTS). */
export function reduceLoss(losses: tf.Tensor, reduction: tf.Reduction): tf.Tensor {
  return tf.losses.computeWeightedLoss(losses, undefined, reduction);
}

/** Sums every axis but the first (the batch): one value per sample, shape [N]. */
export function sumPerSample(values: tf.Tensor): tf.Tensor {
  if (values.rank <= 1) return values;
  return tf.sum(values, Array.from({ length: values.rank - 1 }, (_, i) => i + 1));
}
