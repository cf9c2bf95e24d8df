// Zero-shot classification accuracy of a Clip on a labelled dataset: each class is the mean
// text embedding of its label phrase put into the templates; an image is assigned the class
// of highest cosine similarity.
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, InvalidArgumentError, type ImageDataset } from '@gen/core';
import { canonicalPhrase } from './captions/class-phrases';
import type { BaseClip } from './clip';

export interface ZeroShotOptions {
  /** One phrase per class (default the canonical phrase of each class name: "a seven", "a pair of trousers"). */
  labels?: readonly string[];
  /** Templates averaged per class (default `['{}']`). */
  templates?: readonly string[];
  /** Images per forward pass (default 256). */
  batchSize?: number;
  /** Score only the first `limit` images (default all). */
  limit?: number;
}

export interface ZeroShotResult {
  accuracy: number;
  n: number;
  /** Accuracy per class (NaN for a class without images). */
  perClass: number[];
}

/** Fraction of images whose zero-shot prediction is their label. */
export async function zeroShotAccuracy(clip: BaseClip, dataset: ImageDataset, options: ZeroShotOptions = {}): Promise<ZeroShotResult> {
  const { labels = dataset?.classNames?.map(canonicalPhrase), templates = ['{}'], batchSize = 256, limit = dataset?.size } = options;
  if (!dataset || !(dataset.images instanceof Float32Array)) throw new InvalidArgumentError('dataset', dataset, 'must be an ImageDataset');
  if (!Array.isArray(labels) || labels.length !== dataset.classNames.length) {
    throw new InvalidArgumentError('labels', labels, `must hold one phrase per class (${dataset.classNames.length})`);
  }
  checkPositiveInteger('batchSize', batchSize);
  checkPositiveInteger('limit', limit);
  const n = Math.min(limit, dataset.size);
  const { height, width, channels } = dataset;
  const imageSize = height * width * channels;
  const classes = clip.labelEmbeddings(labels, { templates });
  const correct = new Array<number>(labels.length).fill(0);
  const total = new Array<number>(labels.length).fill(0);
  try {
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      const predicted = tf.tidy(() => {
        const images = tf.tensor4d(dataset.images.subarray(start * imageSize, (start + count) * imageSize), [count, height, width, channels]);
        return tf.argMax(tf.matMul(clip.encodeImage(images), classes, false, true), -1);
      });
      const values = await predicted.data();
      predicted.dispose();
      for (let i = 0; i < count; i++) {
        const label = dataset.labels[start + i];
        total[label]++;
        if (values[i] === label) correct[label]++;
      }
    }
  } finally {
    classes.dispose();
  }
  const right = correct.reduce((a, b) => a + b, 0);
  return { accuracy: right / n, n, perClass: correct.map((c, i) => c / total[i]) };
}
