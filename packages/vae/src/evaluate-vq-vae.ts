// Reconstruction error and codebook usage of a VQVAE on a set of images.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gen/core';
import { codePerplexity } from './vector-quantizer';
import { VQVAE } from './vq-vae';
import { checkBatch, checkPositiveInteger, checkRange } from './validate';

export interface EvaluateVqVaeOptions {
  model: VQVAE;
  /** `[N, H, W, C]` in [0, 1]. */
  images: tf.Tensor;
  /** Images per forward pass. Default 500. */
  batchSize?: number;
}

export interface VqVaeEvaluation {
  /** Mean squared error per subpixel of decodeTokens(encodeToTokens(x)) against x, pixels in [0, 1]. */
  mse: number;
  /** Mean absolute error per subpixel, pixels in [0, 1]. */
  mae: number;
  /** exp(entropy) of the code frequencies over all N·h·w tokens (K at most). */
  perplexity: number;
  /** Codes that occur at least once among those tokens. */
  usedCodes: number;
  codebookSize: number;
  count: number;
}

/** Reconstruction error through the codes, and how evenly the codebook is used (deterministic). */
export async function evaluateVqVae(options: EvaluateVqVaeOptions): Promise<VqVaeEvaluation> {
  const { model, images, batchSize = 500 } = options ?? ({} as EvaluateVqVaeOptions);
  if (!(model instanceof VQVAE)) throw new InvalidArgumentError('model', model, 'must be a VQVAE');
  checkBatch('images', images, model.imageShape);
  checkPositiveInteger('batchSize', batchSize);
  await checkRange('images', images, 0, 1, '(a VQVAE reads images in [0, 1])');
  const count = images.shape[0];
  let squared = 0;
  let absolute = 0;
  let counts = tf.zeros([model.codebookSize]);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const [sums, batchCounts] = tf.tidy(() => {
      const x = tf.slice(images, start, size);
      const tokens = model.encodeToTokens(x);
      const decoded = model.decode(model.quantizer.lookup(tokens));
      const difference = tf.sub(decoded, x);
      return [tf.stack([tf.sum(tf.square(difference)), tf.sum(tf.abs(difference))]), model.quantizer.counts(tokens)];
    });
    const next = tf.add(counts, batchCounts);
    tf.dispose([counts, batchCounts]);
    counts = next;
    const [s, a] = await sums.data();
    sums.dispose();
    squared += s;
    absolute += a;
  }
  const usage = tf.tidy(() => tf.stack([codePerplexity(counts), tf.sum(tf.cast(tf.greater(counts, 0), 'float32'))]));
  const [perplexity, usedCodes] = await usage.data();
  tf.dispose([usage, counts]);
  const subpixels = count * model.imageShape.reduce((a, b) => a * b, 1);
  return { mse: squared / subpixels, mae: absolute / subpixels, perplexity, usedCodes, codebookSize: model.codebookSize, count };
}
