// Argument checks shared by @gen/vae: one-line InvalidArgumentErrors naming the argument.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gen/core';

// The generic checks live in @gen/core; re-exported so family code imports one place.
export {
  checkPositiveInteger,
  checkNonNegativeInteger,
  checkPositiveNumber,
  checkNonNegativeNumber,
  checkOneOf,
} from '@gen/core';

/** A non-empty array of positive integers (channel widths). */
export function checkWidths(argument: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((w) => typeof w === 'number' && Number.isSafeInteger(w) && w > 0)) {
    throw new InvalidArgumentError(argument, value, 'must be a non-empty array of positive integers');
  }
  return [...value];
}

/** `value` must be divisible by 2^stages (each stage halves the resolution). */
export function checkDivisible(argument: string, value: number, stages: number): void {
  const factor = 2 ** stages;
  if (value % factor !== 0) {
    throw new InvalidArgumentError(argument, value, `must be divisible by ${factor} (2^${stages} for ${stages} down-sampling stages)`);
  }
}

/** A float32 tensor of shape `[batch, ...perSample]` (batch ≥ 1). */
export function checkBatch(argument: string, value: unknown, perSample: readonly number[], what = 'images'): asserts value is tf.Tensor {
  const expected = `[batch, ${perSample.join(', ')}]`;
  if (!(value instanceof tf.Tensor)) throw new InvalidArgumentError(argument, value, `must be a tf.Tensor of ${what} ${expected}`);
  if (value.isDisposed) throw new InvalidArgumentError(argument, value, 'is disposed');
  if (value.dtype !== 'float32') throw new InvalidArgumentError(argument, value, `must be float32 ${what} ${expected}`);
  const ok = value.rank === perSample.length + 1 && value.shape[0] >= 1 && perSample.every((size, i) => value.shape[i + 1] === size);
  if (!ok) throw new InvalidArgumentError(argument, value, `must have shape ${expected}`);
}

/** Labels: int32 `[batch]` for a conditional model, absent for an unconditional one. */
export function checkLabels(owner: string, labels: unknown, numClasses: number, batch: number): void {
  if (numClasses === 0) {
    if (labels !== undefined) throw new InvalidArgumentError('labels', labels, `must be omitted: ${owner} is unconditional`);
    return;
  }
  if (!(labels instanceof tf.Tensor) || labels.dtype !== 'int32' || labels.rank !== 1 || labels.shape[0] !== batch) {
    throw new InvalidArgumentError('labels', labels, `must be an int32 tensor [${batch}] of class indices in [0, ${numClasses}) (${owner} is conditional)`);
  }
}

/**
 * Reads the minimum and maximum of `values` (one small transfer) and throws unless they lie
 * in [low, high]. For API entry points, never for per-step hot paths.
 */
export async function checkRange(argument: string, values: tf.Tensor, low: number, high: number, why: string): Promise<void> {
  const extremes = tf.tidy(() => tf.stack([tf.min(values), tf.max(values)]));
  const [min, max] = await extremes.data();
  extremes.dispose();
  if (!(min >= low && max <= high)) {
    throw new InvalidArgumentError(argument, `values in [${min}, ${max}]`, `must lie in [${low}, ${high}] ${why}`);
  }
}

/** The same check on a flat array (an ImageDataset's pixels). */
export function checkArrayRange(argument: string, values: ArrayLike<number>, low: number, high: number, why: string): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (Number.isNaN(v)) {
      min = NaN;
      break;
    }
  }
  if (!(min >= low && max <= high)) {
    throw new InvalidArgumentError(argument, `values in [${min}, ${max}]`, `must lie in [${low}, ${high}] ${why}`);
  }
}

/** Sums every axis from `fromAxis` on: `[a, b, ...rest] → [a, b]` for fromAxis 2. */
export function sumFrom(values: tf.Tensor, fromAxis: number): tf.Tensor {
  if (values.rank <= fromAxis) return values;
  return tf.sum(values, Array.from({ length: values.rank - fromAxis }, (_, i) => i + fromAxis));
}
