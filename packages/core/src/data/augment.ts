import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { GeneratorLike } from './generator-like';

export interface AugmentOptions {
  /** Draws the per-image shifts and flips (`uniformArray(3 · batch)` per call). */
  generator: GeneratorLike;
  /** Largest shift in pixels; each image moves by an integer dy, dx uniform in [-maxShift, maxShift]. Default 2. */
  maxShift?: number;
  /** Mirror each image left-right with probability 1/2. Default false (digits are not mirror-symmetric). */
  horizontalFlip?: boolean;
  /** Value shifted-in pixels take: the background, 0 for [0, 1] images, -1 for [-1, 1]. Default 0. */
  padValue?: number;
}

/**
 * Random translations and horizontal flips of a batch `[B, H, W, C]`, one draw per image,
 * as tensor ops (pad + gatherND) that run on any backend. Values are moved, never
 * interpolated: each output pixel is an input pixel or `padValue`.
 *
 * out[b, i, j] = x[b, i − dy_b, j' − dx_b] with j' = W−1−j when image b is flipped, else j.
 */
export function augment(images: tf.Tensor4D, options: AugmentOptions): tf.Tensor4D {
  const { generator, maxShift = 2, horizontalFlip = false, padValue = 0 } = options;
  if (!(images instanceof tf.Tensor) || images.rank !== 4) {
    throw new InvalidArgumentError('images', images, 'must be a rank-4 tensor [batch, height, width, channels]');
  }
  if (!generator) throw new InvalidArgumentError('generator', generator, 'is required');
  if (!Number.isInteger(maxShift) || maxShift < 0) {
    throw new InvalidArgumentError('maxShift', maxShift, 'must be a non-negative integer');
  }
  const [batch, height, width] = images.shape;
  if (maxShift >= Math.max(height, width)) {
    throw new InvalidArgumentError('maxShift', maxShift, `must be smaller than the image size ${height}×${width}`);
  }
  // 1. Draw dy, dx, flip per image (always 3 draws per image, whatever the options).
  const uniforms = generator.uniformArray(3 * batch);
  const span = 2 * maxShift + 1;
  // 2. Gather indices into the padded batch [B, H + 2m, W + 2m, C].
  const indices = new Int32Array(batch * height * width * 3);
  let k = 0;
  for (let b = 0; b < batch; b++) {
    const dy = Math.min(span - 1, Math.floor(uniforms[3 * b] * span)) - maxShift;
    const dx = Math.min(span - 1, Math.floor(uniforms[3 * b + 1] * span)) - maxShift;
    const flip = horizontalFlip && uniforms[3 * b + 2] < 0.5;
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++) {
        indices[k++] = b;
        indices[k++] = i - dy + maxShift;
        indices[k++] = (flip ? width - 1 - j : j) - dx + maxShift;
      }
    }
  }
  return tf.tidy(() => {
    const padded =
      maxShift > 0
        ? tf.pad(images, [[0, 0], [maxShift, maxShift], [maxShift, maxShift], [0, 0]], padValue)
        : images;
    const gathered = tf.gatherND(padded, tf.tensor4d(indices, [batch, height, width, 3], 'int32'));
    return gathered as tf.Tensor4D;
  });
}
