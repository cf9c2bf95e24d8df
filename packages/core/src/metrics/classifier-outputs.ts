import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { FeatureClassifier } from './feature-classifier';

/** Images for batched feature extraction: a tensor, or NHWC values in [0, 1] (N·H·W·C floats). */
export type ImageInput = tf.Tensor4D | Float32Array;

export interface ClassifierOutputsOptions {
  /** Images per forward pass (default 250): memory stays bounded whatever N is. */
  batchSize?: number;
  /** Only these images (indices into `images`), in this order. Default: all. */
  indices?: ArrayLike<number>;
  /** Also read the logits (default true). */
  logits?: boolean;
  /** Argument name used in error messages (default 'images'). */
  argument?: string;
}

/** Feature and logit rows read back from the device, row-major. */
export interface ClassifierOutputs {
  rows: number;
  /** `rows × featureDim`. */
  features: Float32Array;
  /** `rows × numClasses` (empty when `logits: false`). */
  logits: Float32Array;
  /** Smallest and largest pixel value seen (the input's range, for checks). */
  min: number;
  max: number;
}

/** Number of images in `images`, after checking its shape against the classifier's input size. */
export function countImages(classifier: FeatureClassifier, images: unknown, argument = 'images'): number {
  const [h, w, c] = classifier.config.inputShape;
  if (images instanceof Float32Array) {
    const size = h * w * c;
    if (images.length === 0 || images.length % size !== 0) {
      throw new InvalidArgumentError(`${argument} length`, images.length, `must be a positive multiple of ${h}·${w}·${c} = ${size} (NHWC images of ${h}×${w}×${c})`);
    }
    return images.length / size;
  }
  classifier.checkImages(images, argument);
  return images.shape[0];
}

/**
 * Runs `classifier` over `images` in batches and reads features (and logits) back with one
 * async download per batch; every intermediate tensor is disposed.
 */
export async function classifierOutputs(
  classifier: FeatureClassifier,
  images: ImageInput,
  { batchSize = 250, indices, logits: withLogits = true, argument = 'images' }: ClassifierOutputsOptions = {},
): Promise<ClassifierOutputs> {
  const total = countImages(classifier, images, argument);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError('batchSize', batchSize, 'must be a positive integer');
  const order = indices ?? Int32Array.from({ length: total }, (_, i) => i);
  for (let i = 0; i < order.length; i++) {
    if (!Number.isInteger(order[i]) || order[i] < 0 || order[i] >= total) {
      throw new InvalidArgumentError(`indices[${i}]`, order[i], `must be an integer in [0, ${total - 1}]`);
    }
  }
  const [h, w, c] = classifier.config.inputShape;
  const size = h * w * c;
  const rows = order.length;
  const { featureDim, numClasses } = classifier.config;
  const features = new Float32Array(rows * featureDim);
  const logits = new Float32Array(withLogits ? rows * numClasses : 0);
  let min = Infinity;
  let max = -Infinity;
  const contiguous = indices === undefined;
  for (let start = 0; start < rows; start += batchSize) {
    const count = Math.min(batchSize, rows - start);
    const outputs = tf.tidy(() => {
      let batch: tf.Tensor4D;
      if (images instanceof Float32Array) {
        const values = new Float32Array(count * size);
        for (let k = 0; k < count; k++) values.set(images.subarray(order[start + k] * size, (order[start + k] + 1) * size), k * size);
        batch = tf.tensor4d(values, [count, h, w, c]);
      } else if (contiguous) {
        batch = tf.slice(images, [start, 0, 0, 0], [count, h, w, c]);
      } else {
        batch = tf.gather(images, tf.tensor1d(Array.from(order).slice(start, start + count), 'int32')) as tf.Tensor4D;
      }
      const out = classifier.forward(batch);
      const range = tf.stack([tf.min(batch), tf.max(batch)]);
      return withLogits ? [out.features, range, out.logits] : [out.features, range];
    });
    const data = await Promise.all(outputs.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(outputs);
    features.set(data[0], start * featureDim);
    min = Math.min(min, data[1][0]);
    max = Math.max(max, data[1][1]);
    if (withLogits) logits.set(data[2], start * numClasses);
  }
  return { rows, features, logits, min, max };
}

/** Arg-max of each row of `logits` (`rows × classes`). */
export function argMaxRows(logits: Float32Array, classes: number): Int32Array {
  const rows = logits.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[r * classes + k] > logits[r * classes + best]) best = k;
    out[r] = best;
  }
  return out;
}
