// What CLIP guidance (diffusion) and CLIP steering (GAN / VAE latents) share: the spherical
// distance to the prompt, random shifted views ("cutouts") drawn from a Generator, and images
// fitted to the CLIP image encoder's input (bilinear resize, 1 ↔ 3 channels), all differentiable.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type Generator } from '@gen/core';
import type { BaseClip } from '../clip';

/** d(a, b) = 2·arcsin(‖a − b‖ / 2)² for unit vectors: half the squared great-circle angle (Crowson's CLIP guidance). */
export function sphericalDistance(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const chord = tf.sqrt(tf.maximum(tf.sum(tf.square(tf.sub(a, b)), -1), 1e-12));
    return tf.mul(2, tf.square(tf.asin(tf.minimum(tf.div(chord, 2), 1))));
  });
}

/** Shifts `[B, H, W, C]` by (dy, dx) pixels with zero fill (differentiable: pad + slice). */
export function shiftImages(images: tf.Tensor, dy: number, dx: number): tf.Tensor {
  return tf.tidy(() => {
    if (dy === 0 && dx === 0) return tf.clone(images);
    const [, height, width] = images.shape as number[];
    const padY = Math.abs(dy);
    const padX = Math.abs(dx);
    const padded = tf.pad(images, [[0, 0], [padY, padY], [padX, padX], [0, 0]]);
    return tf.slice(padded, [0, padY - dy, padX - dx, 0], [-1, height, width, -1]);
  });
}

/** One (dy, dx) shift per view, each component uniform on the integers in [−maxShift, maxShift], drawn from `generator`. */
export function drawShifts(generator: Generator, cutouts: number, maxShift: number): Array<[number, number]> {
  const draws = generator.uniformArray(2 * cutouts);
  return Array.from({ length: cutouts }, (_, k) => [0, 1].map((j) => Math.floor(draws[2 * k + j] * (2 * maxShift + 1)) - maxShift) as [number, number]);
}

/**
 * NHWC images in [0, 1] as the CLIP image encoder takes them: resized (bilinear) to its
 * height × width when they differ, one channel repeated to three or three averaged to one.
 * Other channel mismatches throw.
 */
export function fitToClip(clip: BaseClip, images: tf.Tensor): tf.Tensor4D {
  const { height, width, channels } = clip.imageShape;
  const shape = images.shape as number[];
  if (images.rank !== 4) throw new InvalidArgumentError('images', images, 'must be NHWC [batch, height, width, channels]');
  const given = shape[3];
  if (given !== channels && !((given === 1 && channels === 3) || (given === 3 && channels === 1))) {
    throw new InvalidArgumentError('images', images, `must have ${channels} channels (or 1 ↔ 3) for this CLIP's image encoder`);
  }
  return tf.tidy(() => {
    let out = images as tf.Tensor4D;
    if (shape[1] !== height || shape[2] !== width) out = tf.image.resizeBilinear(out, [height, width]);
    if (given === 1 && channels === 3) out = tf.tile(out, [1, 1, 1, 3]);
    if (given === 3 && channels === 1) out = tf.mean(out, 3, true);
    return out === images ? tf.clone(out) : out;
  });
}

/** Per-image view statistics: mean spherical distance and mean cosine similarity to the prompt, each `[B]`. */
export interface ViewStatistics {
  distance: tf.Tensor1D;
  cosine: tf.Tensor1D;
}

/**
 * Averages over the shifted views of `images` (`[B, H, W, C]` in [0, 1]) the spherical distance
 * and the cosine between each view's CLIP embedding and `textEmbedding` (`[1, embedDim]`, unit
 * length). Differentiable in `images`; the caller disposes both tensors.
 */
export function viewStatistics(clip: BaseClip, images: tf.Tensor, textEmbedding: tf.Tensor, shifts: ReadonlyArray<readonly [number, number]>): ViewStatistics {
  if (shifts.length === 0) throw new InvalidArgumentError('shifts', shifts, 'must hold at least one (dy, dx) view');
  return tf.tidy(() => {
    const fitted = fitToClip(clip, images);
    const distances: tf.Tensor[] = [];
    const cosines: tf.Tensor[] = [];
    for (const [dy, dx] of shifts) {
      const embedding = clip.encodeImage(shiftImages(fitted, dy, dx));
      distances.push(sphericalDistance(embedding, textEmbedding));
      cosines.push(tf.sum(tf.mul(embedding, textEmbedding), -1));
    }
    return {
      distance: tf.div(tf.addN(distances), shifts.length) as tf.Tensor1D,
      cosine: tf.div(tf.addN(cosines), shifts.length) as tf.Tensor1D,
    };
  });
}
