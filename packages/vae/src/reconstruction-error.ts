// Reconstruction error: how well decode(mean of q(z|x)) reproduces x.
import * as tf from '@tensorflow/tfjs-core';
import type { VariationalModel } from './types';
import { checkModel } from './samplers';
import { checkBatch, checkLabels, checkPositiveInteger, checkRange } from './validate';

export interface ReconstructionErrorOptions {
  model: VariationalModel;
  /** `[N, ...imageShape]` in the model's range. */
  images: tf.Tensor;
  labels?: tf.Tensor;
  /** Images per forward pass. Default 500. */
  batchSize?: number;
}

export interface ReconstructionError {
  /** Mean squared error per subpixel, with pixels mapped to [0, 1] (comparable across models). */
  mse: number;
  /** Mean absolute error per subpixel, pixels in [0, 1]. */
  mae: number;
  /** Mean −log p(x | z = posterior mean) per image, nats (the decoder's likelihood of the input). */
  nll: number;
  count: number;
}

/** Reconstruction errors of `images` through the posterior means (deterministic). */
export async function reconstructionError(options: ReconstructionErrorOptions): Promise<ReconstructionError> {
  const { model, images, labels, batchSize = 500 } = options ?? ({} as ReconstructionErrorOptions);
  checkModel(model);
  checkBatch('images', images, model.imageShape);
  checkPositiveInteger('batchSize', batchSize);
  const count = images.shape[0];
  checkLabels(model.constructor.name, labels, model.numClasses, count);
  if (model.likelihood !== 'gaussian') await checkRange('images', images, model.range[0], model.range[1], `for a ${model.likelihood} decoder`);
  const scale = 1 / (model.range[1] - model.range[0]);
  let squared = 0;
  let absolute = 0;
  let nll = 0;
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const sums = tf.tidy(() => {
      const x = tf.slice(images, start, size);
      const y = labels ? tf.slice(labels, start, size) : undefined;
      const { latentDist } = model.encode(x, { labels: y });
      const { sample, params } = model.decode(latentDist.mean, { labels: y });
      const difference = tf.mul(tf.sub(sample, x), scale);
      return tf.stack([tf.sum(tf.square(difference)), tf.sum(tf.abs(difference)), tf.neg(tf.sum(model.logLikelihood(x, params)))]);
    });
    const [s, a, n] = await sums.data();
    sums.dispose();
    squared += s;
    absolute += a;
    nll += n;
  }
  const subpixels = count * model.imageShape.reduce((a, b) => a * b, 1);
  return { mse: squared / subpixels, mae: absolute / subpixels, nll: nll / count, count };
}
