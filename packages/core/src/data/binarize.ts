import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { GeneratorLike } from './generator-like';

export type BinarizeMode = 'threshold' | 'dynamic';

export interface BinarizeOptions {
  /**
   * `'threshold'`: 1 where the value is above `threshold`, else 0 (a fixed binary dataset).
   * `'dynamic'`: each value becomes 1 with probability equal to it — a fresh Bernoulli draw
   * per call (dynamic binarization, Salakhutdinov & Murray 2008), the usual input of a
   * Bernoulli-likelihood VAE. Default `'threshold'`.
   */
  mode?: BinarizeMode;
  /** Required for `'dynamic'`: the uniforms come from `generator.uniformArray`. */
  generator?: GeneratorLike;
  /** Cut-off of `'threshold'` mode, default 0.5. */
  threshold?: number;
}

/**
 * Binarizes images with values in [0, 1] to exactly 0 or 1. Accepts a tensor (returns a
 * float32 tensor of the same shape) or a `Float32Array` such as `ImageDataset.images`
 * (returns a new `Float32Array`).
 */
export function binarize<T extends tf.Tensor>(images: T, options?: BinarizeOptions): T;
export function binarize(images: Float32Array, options?: BinarizeOptions): Float32Array;
export function binarize(images: tf.Tensor | Float32Array, options: BinarizeOptions = {}): tf.Tensor | Float32Array {
  const { mode = 'threshold', generator, threshold = 0.5 } = options;
  if (mode !== 'threshold' && mode !== 'dynamic') {
    throw new InvalidArgumentError('mode', mode, "must be 'threshold' or 'dynamic'");
  }
  if (mode === 'dynamic' && !generator) {
    throw new InvalidArgumentError('generator', generator, "is required when mode is 'dynamic'");
  }
  if (mode === 'threshold' && !Number.isFinite(threshold)) {
    throw new InvalidArgumentError('threshold', threshold, 'must be a finite number');
  }
  if (images instanceof tf.Tensor) {
    return tf.tidy(() => {
      const x = tf.cast(images, 'float32');
      if (mode === 'threshold') return tf.cast(tf.greater(x, threshold), 'float32');
      const uniforms = tf.tensor(Float32Array.from((generator as GeneratorLike).uniformArray(x.size)), x.shape);
      return tf.cast(tf.less(uniforms, x), 'float32');
    });
  }
  if (!(images instanceof Float32Array)) {
    throw new InvalidArgumentError('images', images, 'must be a tf.Tensor or a Float32Array');
  }
  const out = new Float32Array(images.length);
  if (mode === 'threshold') {
    for (let i = 0; i < images.length; i++) out[i] = images[i] > threshold ? 1 : 0;
  } else {
    const uniforms = (generator as GeneratorLike).uniformArray(images.length);
    for (let i = 0; i < images.length; i++) out[i] = uniforms[i] < images[i] ? 1 : 0;
  }
  return out;
}
