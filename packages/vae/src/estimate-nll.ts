// Importance-sampled negative log-likelihood (Burda et al. 2016, §5; Rezende et al. 2014):
//   log p(x) ≈ log (1/k) Σ_s p(x|z_s) p(z_s) / q(z_s|x),  z_s ~ q(z|x),
// which is the IWAE_k bound: ≤ log p(x) in expectation, and → log p(x) as k grows. With the
// exact posterior as q every weight equals p(x) and the estimate is exact for any k.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type Generator } from '@gen/core';
import { checkK, logImportanceWeights } from './objectives';
import type { VariationalModel } from './types';
import { checkBatch, checkLabels, checkPositiveInteger, checkRange } from './validate';

export interface EstimateNllOptions {
  /** Any VariationalModel (VAE, ConditionalVAE, AutoencoderKL). Put it in eval mode first if it has dropout. */
  model: VariationalModel;
  /**
   * `[N, ...imageShape]` in the model's range. For a Bernoulli decoder the images should be
   * binary (binarize them once with a fixed seed, as the test split is scored), and values
   * outside [0, 1] are refused.
   */
  images: tf.Tensor;
  /** int32 `[N]` labels for a conditional model. */
  labels?: tf.Tensor;
  /** Importance samples per image. Default 1000 (≥ 1; 5000 works, it only takes longer). */
  k?: number;
  /** Images encoded together. Default 100. */
  batchSize?: number;
  /**
   * Most decoder evaluations per forward pass: each batch draws its k samples in chunks of
   * ⌊maxDecodeBatch / batchSize⌋ (at least 1), so memory stays bounded for any k. Default 2000.
   */
  maxDecodeBatch?: number;
  /** Source of the importance samples. */
  generator: Generator;
  /** Stops between chunks (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Called after each chunk with the images finished and the total. */
  onProgress?(event: { done: number; total: number; samplesDone: number }): void;
}

export interface NllEstimate {
  /** Mean −log p̂(x) over the images, in nats (the number papers report as "NLL"). */
  nll: number;
  /** Mean ELBO estimate (the average log weight, a bound on log p(x), so ≤ −nll on average), in nats. */
  elbo: number;
  /** Standard error of `nll` over the images. */
  standardError: number;
  /** Importance samples per image used. */
  k: number;
  /** Number of images. */
  count: number;
  /** Per-image log p̂(x) (float64). */
  logLikelihoods: Float64Array;
  /** Per-image ELBO estimates. */
  elbos: Float64Array;
  /** Wall-clock seconds. */
  seconds: number;
}

const now = (): number => (globalThis.performance ? globalThis.performance.now() : Date.now());

/**
 * Estimates −log p(x) per image by importance sampling with the model's posterior as the
 * proposal. The log-mean-exp is accumulated per image in float64 with a running maximum
 * (log Σ exp(a_i) = m + log Σ exp(a_i − m)), chunk by chunk, so k = 5000 needs no more
 * memory than k = 50 and no weight underflows.
 */
export async function estimateNll(options: EstimateNllOptions): Promise<NllEstimate> {
  const { model, images, labels, k = 1000, batchSize = 100, maxDecodeBatch = 2000, generator, signal, onProgress } =
    options ?? ({} as EstimateNllOptions);
  checkK(k);
  checkPositiveInteger('batchSize', batchSize);
  checkPositiveInteger('maxDecodeBatch', maxDecodeBatch);
  if (typeof generator?.normal !== 'function') throw new InvalidArgumentError('generator', generator, 'must be a Generator from @gen/core');
  if (typeof model?.encode !== 'function' || typeof model?.logLikelihood !== 'function') {
    throw new InvalidArgumentError('model', model, 'must be a VariationalModel (VAE, ConditionalVAE, AutoencoderKL)');
  }
  checkBatch('images', images, model.imageShape);
  const count = images.shape[0];
  checkLabels(model.constructor.name, labels, model.numClasses, count);
  if (model.likelihood === 'bernoulli' || model.likelihood === 'logistic') {
    await checkRange('images', images, model.range[0], model.range[1], `for a ${model.likelihood} decoder`);
  }

  const started = now();
  const logLikelihoods = new Float64Array(count);
  const elbos = new Float64Array(count);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const x = tf.slice(images, start, size);
    const y = labels ? tf.slice(labels, start, size) : undefined;
    const { latentDist } = model.encode(x, { labels: y });
    const runningMax = new Float64Array(size).fill(-Infinity);
    const runningSum = new Float64Array(size); // Σ exp(log w − runningMax)
    const weightSum = new Float64Array(size); // Σ log w (for the ELBO)
    const chunk = Math.max(1, Math.floor(maxDecodeBatch / size));
    try {
      for (let drawn = 0; drawn < k; drawn += chunk) {
        if (signal?.aborted) throw signal.reason ?? new Error('estimateNll aborted');
        const samples = Math.min(chunk, k - drawn);
        const weights = tf.tidy(() => logImportanceWeights(model, x, { k: samples, latentDist, generator, labels: y }));
        const values = await weights.data();
        weights.dispose();
        // values[s · size + i] = log w of draw s for image i.
        for (let i = 0; i < size; i++) {
          let chunkMax = -Infinity;
          for (let s = 0; s < samples; s++) chunkMax = Math.max(chunkMax, values[s * size + i]);
          const max = Math.max(runningMax[i], chunkMax);
          let sum = runningMax[i] === -Infinity ? 0 : runningSum[i] * Math.exp(runningMax[i] - max);
          for (let s = 0; s < samples; s++) {
            const value = values[s * size + i];
            sum += Math.exp(value - max);
            weightSum[i] += value;
          }
          runningMax[i] = max;
          runningSum[i] = sum;
        }
        onProgress?.({ done: start + (drawn + samples >= k ? size : 0), total: count, samplesDone: drawn + samples });
      }
    } finally {
      latentDist.dispose();
      tf.dispose([x, ...(y ? [y] : [])]);
    }
    for (let i = 0; i < size; i++) {
      logLikelihoods[start + i] = runningMax[i] + Math.log(runningSum[i]) - Math.log(k);
      elbos[start + i] = weightSum[i] / k;
    }
  }
  const meanLogLikelihood = mean(logLikelihoods);
  let squares = 0;
  for (const value of logLikelihoods) squares += (value - meanLogLikelihood) ** 2;
  const standardError = count > 1 ? Math.sqrt(squares / (count - 1) / count) : NaN;
  return { nll: -meanLogLikelihood, elbo: mean(elbos), standardError, k, count, logLikelihoods, elbos, seconds: (now() - started) / 1000 };
}

function mean(values: Float64Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total / values.length;
}
