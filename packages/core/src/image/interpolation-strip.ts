import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { makeGrid } from './make-grid';
import type { GridOptions } from './make-grid';

export interface InterpolateLatentsOptions {
  /** Number of points including both ends (≥ 2). */
  steps: number;
  /**
   * `'linear'`: (1−t)·a + t·b. `'slerp'`: spherical interpolation (Shoemake 1985), the usual
   * walk between Gaussian latents since it keeps their norm typical; falls back to linear
   * when a and b are (anti)parallel. Default `'linear'`.
   */
  method?: 'linear' | 'slerp';
}

/** `steps` points from `start` to `end` (inclusive), stacked on a new leading axis: `[steps, ...start.shape]`. */
export function interpolateLatents(start: tf.Tensor, end: tf.Tensor, options: InterpolateLatentsOptions): tf.Tensor {
  const { steps, method = 'linear' } = options;
  if (!Number.isInteger(steps) || steps < 2) throw new InvalidArgumentError('steps', steps, 'must be an integer ≥ 2');
  if (method !== 'linear' && method !== 'slerp') throw new InvalidArgumentError('method', method, "must be 'linear' or 'slerp'");
  if (!(start instanceof tf.Tensor) || !(end instanceof tf.Tensor) || !tf.util.arraysEqual(start.shape, end.shape)) {
    throw new InvalidArgumentError('end', end, `must be a tensor of the same shape as start [${start?.shape}]`);
  }
  return tf.tidy(() => {
    const a = tf.reshape(tf.cast(start, 'float32'), [1, -1]);
    const b = tf.reshape(tf.cast(end, 'float32'), [1, -1]);
    const t = tf.reshape(tf.linspace(0, 1, steps), [steps, 1]);
    let weightA: tf.Tensor = tf.sub(1, t);
    let weightB: tf.Tensor = t;
    if (method === 'slerp') {
      // cos θ = <a, b> / (|a| |b|);  x(t) = sin((1−t)θ)/sin θ · a + sin(tθ)/sin θ · b
      const cosTheta = tf.clipByValue(tf.div(tf.sum(tf.mul(a, b)), tf.mul(tf.norm(a), tf.norm(b))), -1, 1);
      const theta = tf.acos(cosTheta);
      const sinTheta = tf.sin(theta);
      const useSlerp = tf.greater(sinTheta, 1e-6);
      const safeSin = tf.where(useSlerp, sinTheta, tf.onesLike(sinTheta));
      weightA = tf.where(tf.broadcastTo(useSlerp, [steps, 1]), tf.div(tf.sin(tf.mul(tf.sub(1, t), theta)), safeSin), weightA);
      weightB = tf.where(tf.broadcastTo(useSlerp, [steps, 1]), tf.div(tf.sin(tf.mul(t, theta)), safeSin), weightB);
    }
    const points = tf.add(tf.mul(weightA, a), tf.mul(weightB, b));
    return tf.reshape(points, [steps, ...start.shape]);
  });
}

/**
 * Lays interpolation frames out as grid rows: one strip `[steps, H, W, C]` becomes one row;
 * an array of strips (all with the same number of frames) becomes one row each.
 */
export function interpolationStrip(
  strips: tf.Tensor4D | tf.Tensor4D[],
  options: Omit<GridOptions, 'columns'> = {},
): tf.Tensor3D {
  const list = Array.isArray(strips) ? strips : [strips];
  if (list.length === 0 || list.some((s) => !(s instanceof tf.Tensor) || s.rank !== 4)) {
    throw new InvalidArgumentError('strips', strips, 'must be a rank-4 tensor [steps, height, width, channels] or a non-empty array of them');
  }
  const steps = list[0].shape[0];
  const mismatched = list.findIndex((s) => !tf.util.arraysEqual(s.shape, list[0].shape));
  if (mismatched >= 0) {
    throw new InvalidArgumentError(`strips[${mismatched}]`, list[mismatched], `must have the shape of strips[0] [${list[0].shape}]`);
  }
  return tf.tidy(() => makeGrid(list.length === 1 ? list[0] : (tf.concat(list) as tf.Tensor4D), { ...options, columns: steps }));
}
