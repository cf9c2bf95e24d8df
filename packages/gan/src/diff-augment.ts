// DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN
// Training"): the same random augmentation T is applied to real and fake images before
// the discriminator, in both the discriminator and the generator update, as differentiable
// tensor ops so the generator's gradient flows through T.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type Generator } from '@gen/core';
import { checkNonNegativeNumber } from './validate';

/** The augmentations of DiffAugment implemented here. */
export type DiffAugmentPolicy = 'color' | 'translation' | 'cutout';
export const DIFF_AUGMENT_POLICIES: readonly DiffAugmentPolicy[] = ['color', 'translation', 'cutout'];

export interface DiffAugmentOptions {
  /**
   * Which augmentations, applied in this order (default all three, the paper's recommended
   * policy for small datasets):
   * - `'color'`: brightness x + (u − ½)·s and contrast (x − x̄)·(1 + (u − ½)·s) + x̄, x̄ the image mean;
   * - `'translation'`: an integer shift of up to round(s · translationRatio · size) pixels per
   *   axis, zero-filled;
   * - `'cutout'`: a zeroed square of side round(s · cutoutRatio · size) at a random position.
   */
  policy?: DiffAugmentPolicy[];
  /** Scales every range; 1 (default) is the paper's setting, 0 the identity. */
  strength?: number;
  /** Largest shift as a fraction of the image size at strength 1. Default 1/8. */
  translationRatio?: number;
  /** Cutout side as a fraction of the image size at strength 1. Default 1/2. */
  cutoutRatio?: number;
}

/** Checks DiffAugment options and fills the defaults. */
export function resolveDiffAugment(options: DiffAugmentOptions): Required<DiffAugmentOptions> {
  const { policy = [...DIFF_AUGMENT_POLICIES], strength = 1, translationRatio = 1 / 8, cutoutRatio = 1 / 2 } = options ?? {};
  if (!Array.isArray(policy) || !policy.every((p) => DIFF_AUGMENT_POLICIES.includes(p))) {
    throw new InvalidArgumentError('diffAugment.policy', policy, `must be an array of ${DIFF_AUGMENT_POLICIES.map((p) => `'${p}'`).join(', ')}`);
  }
  checkNonNegativeNumber('diffAugment.strength', strength);
  checkNonNegativeNumber('diffAugment.translationRatio', translationRatio);
  checkNonNegativeNumber('diffAugment.cutoutRatio', cutoutRatio);
  return { policy: [...policy], strength, translationRatio, cutoutRatio };
}

/**
 * Augments a batch `[B, H, W, C]` (values in [-1, 1]) with fresh draws from `rng`. For fixed
 * draws the map is affine in the images, and its gradient is exact (pure tensor ops:
 * matrix products for the shifts, a mask for cutout). With strength 0 it returns the images
 * unchanged (a copy) but still consumes the same draws, so runs stay aligned.
 */
export function diffAugment(images: tf.Tensor4D, options: DiffAugmentOptions & { rng: Generator }): tf.Tensor4D {
  const { rng, ...rest } = options ?? ({} as DiffAugmentOptions & { rng: Generator });
  if (!(images instanceof tf.Tensor) || images.rank !== 4) {
    throw new InvalidArgumentError('images', images, 'must be a rank-4 tensor [batch, height, width, channels]');
  }
  if (!rng || typeof rng.uniformArray !== 'function') {
    throw new InvalidArgumentError('rng', rng, 'must be a Generator from @gen/core');
  }
  const { policy, strength, translationRatio, cutoutRatio } = resolveDiffAugment(rest);
  const [batch, height, width, channels] = images.shape;
  return tf.tidy(() => {
    let x: tf.Tensor4D = tf.clone(images);
    for (const name of policy) {
      if (name === 'color') {
        // 1. Brightness and contrast, one draw each per image.
        const u = rng.uniformArray(2 * batch);
        if (strength === 0) continue;
        const brightness = new Float32Array(batch);
        const contrast = new Float32Array(batch);
        for (let b = 0; b < batch; b++) {
          brightness[b] = (u[2 * b] - 0.5) * strength;
          contrast[b] = 1 + (u[2 * b + 1] - 0.5) * strength;
        }
        x = tf.add(x, tf.tensor4d(brightness, [batch, 1, 1, 1]));
        const mean = tf.mean(x, [1, 2, 3], true);
        x = tf.add(tf.mul(tf.sub(x, mean), tf.tensor4d(contrast, [batch, 1, 1, 1])), mean);
      } else if (name === 'translation') {
        // 2. out[b, i, j] = x[b, i − dy, j − dx] (0 outside) = (S_y · x_b · S_xᵀ)[i, j].
        const u = rng.uniformArray(2 * batch);
        const shiftY = Math.round(strength * translationRatio * height);
        const shiftX = Math.round(strength * translationRatio * width);
        if (shiftY === 0 && shiftX === 0) continue;
        const rows = shiftMatrices(u, 0, batch, height, shiftY);
        const columns = shiftMatrices(u, 1, batch, width, shiftX);
        const shiftedRows = tf.matMul(tf.tensor3d(rows, [batch, height, height]), tf.reshape(x, [batch, height, width * channels]));
        const byColumn = tf.reshape(tf.transpose(tf.reshape(shiftedRows, [batch, height, width, channels]), [0, 2, 1, 3]), [batch, width, height * channels]);
        const shifted = tf.matMul(tf.tensor3d(columns, [batch, width, width]), byColumn);
        x = tf.transpose(tf.reshape(shifted, [batch, width, height, channels]), [0, 2, 1, 3]);
      } else {
        // 3. Cutout: zero a square of side `side` whose top-left corner is drawn per image.
        const u = rng.uniformArray(2 * batch);
        const sideY = Math.round(strength * cutoutRatio * height);
        const sideX = Math.round(strength * cutoutRatio * width);
        if (sideY === 0 || sideX === 0) continue;
        const mask = new Float32Array(batch * height * width).fill(1);
        for (let b = 0; b < batch; b++) {
          const top = Math.floor(u[2 * b] * height) - Math.floor(sideY / 2);
          const left = Math.floor(u[2 * b + 1] * width) - Math.floor(sideX / 2);
          for (let i = Math.max(0, top); i < Math.min(height, top + sideY); i++) {
            for (let j = Math.max(0, left); j < Math.min(width, left + sideX); j++) mask[(b * height + i) * width + j] = 0;
          }
        }
        x = tf.mul(x, tf.tensor4d(mask, [batch, height, width, 1]));
      }
    }
    return x;
  });
}

/** Per-image shift matrices S[b] `[size, size]` with S[i, i − d] = 1, d uniform in [−max, max] from u[2b + which]. */
function shiftMatrices(u: Float32Array, which: number, batch: number, size: number, max: number): Float32Array {
  const out = new Float32Array(batch * size * size);
  const span = 2 * max + 1;
  for (let b = 0; b < batch; b++) {
    const shift = Math.min(span - 1, Math.floor(u[2 * b + which] * span)) - max;
    for (let i = 0; i < size; i++) {
      const source = i - shift;
      if (source >= 0 && source < size) out[(b * size + i) * size + source] = 1;
    }
  }
  return out;
}
