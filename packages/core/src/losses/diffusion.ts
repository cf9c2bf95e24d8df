import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { assertFiniteNumber, assertFloatTensor, assertReduction, assertSameShape } from './validate';

// Diffusion training objectives (DDPM-style). Notation of Ho et al. 2020: the forward
// process gives x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε, and SNR(t) = ᾱ_t / (1 − ᾱ_t).

/** What the denoiser predicts. */
export type PredictionType = 'epsilon' | 'sample' | 'v_prediction';

const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'sample', 'v_prediction'];

function checkPredictionType(predictionType: unknown): asserts predictionType is PredictionType {
  if (!PREDICTION_TYPES.includes(predictionType as PredictionType)) {
    throw new InvalidArgumentError('predictionType', predictionType, `must be one of ${PREDICTION_TYPES.map((p) => `'${p}'`).join(', ')}`);
  }
}

/** A per-sample tensor `[N]` reshaped to broadcast over a batch of shape `[N, ...]`. */
function perSampleColumn(values: tf.Tensor, batch: tf.Tensor): tf.Tensor {
  return tf.reshape(values, [batch.shape[0], ...batch.shape.slice(1).map(() => 1)]);
}

function checkPerSample(argument: string, values: unknown, batch: tf.Tensor): asserts values is tf.Tensor {
  assertFloatTensor(argument, values, 1);
  if (values.rank !== 1 || values.shape[0] !== batch.shape[0]) {
    throw new InvalidArgumentError(argument, values, `must have shape [${batch.shape[0]}] (one value per sample)`);
  }
}

function predictionTarget_(
  predictionType: PredictionType,
  originalSample: tf.Tensor,
  noise: tf.Tensor,
  alphaBar: tf.Tensor,
): tf.Tensor {
  checkPredictionType(predictionType);
  assertFloatTensor('originalSample', originalSample, 1);
  assertFloatTensor('noise', noise);
  assertSameShape('noise', noise, 'originalSample', originalSample);
  checkPerSample('alphaBar', alphaBar, originalSample);
  switch (predictionType) {
    case 'epsilon':
      return tf.clone(noise);
    case 'sample':
      return tf.clone(originalSample);
    case 'v_prediction': {
      // v = √ᾱ·ε − √(1 − ᾱ)·x₀ — Salimans & Ho 2022, §4 and appendix D.
      const column = perSampleColumn(alphaBar, originalSample);
      return tf.sub(tf.mul(tf.sqrt(column), noise), tf.mul(tf.sqrt(tf.sub(1, column)), originalSample));
    }
  }
}

/**
 * The regression target of a denoiser: ε for 'epsilon', x₀ for 'sample', and
 * v = √ᾱ·ε − √(1 − ᾱ)·x₀ for 'v_prediction'. `alphaBar` holds ᾱ_t per sample, shape `[N]`.
 */
export const predictionTarget = tf.op({ predictionTarget_ });

function snrFromAlphaBar_(alphaBar: tf.Tensor): tf.Tensor {
  assertFloatTensor('alphaBar', alphaBar);
  return tf.div(alphaBar, tf.sub(1, alphaBar));
}

/** SNR(t) = ᾱ_t / (1 − ᾱ_t) (∞ where ᾱ = 1, 0 where ᾱ = 0). */
export const snrFromAlphaBar = tf.op({ snrFromAlphaBar_ });

function minSnrWeights_(snr: tf.Tensor, gamma = 5, predictionType: PredictionType = 'epsilon'): tf.Tensor {
  assertFloatTensor('snr', snr);
  assertFiniteNumber('gamma', gamma);
  if (gamma <= 0) throw new InvalidArgumentError('gamma', gamma, 'must be > 0');
  checkPredictionType(predictionType);
  // Hang et al. 2023, "Efficient Diffusion Training via Min-SNR Weighting", §3.4: the x₀-loss
  // weight is min(SNR, γ); an ε-loss equals SNR·(x₀-loss), a v-loss (SNR + 1)·(x₀-loss).
  const clamped = tf.minimum(snr, gamma);
  switch (predictionType) {
    case 'epsilon':
      // min(SNR, γ)/SNR written as min(1, γ/SNR): 1 at SNR = 0 (zero-terminal SNR), not 0/0.
      return tf.minimum(tf.div(gamma, snr), 1);
    case 'sample':
      return clamped;
    case 'v_prediction':
      return tf.div(clamped, tf.add(snr, 1));
  }
}

/**
 * Min-SNR-γ loss weights (Hang et al. 2023): min(SNR, γ)/SNR for 'epsilon',
 * min(SNR, γ) for 'sample' (x₀), min(SNR, γ)/(SNR + 1) for 'v_prediction'. γ = 5 as in the paper.
 */
export const minSnrWeights = tf.op({ minSnrWeights_ });

/** Options of {@link weightedMse}. */
export interface WeightedMseOptions {
  /** How to reduce the weighted per-sample losses. Default `tf.Reduction.MEAN`. */
  reduction?: tf.Reduction;
}

function weightedMse_(
  target: tf.Tensor,
  prediction: tf.Tensor,
  weights?: tf.Tensor,
  { reduction = tf.Reduction.MEAN }: WeightedMseOptions = {},
): tf.Tensor {
  assertFloatTensor('prediction', prediction, 1);
  assertFloatTensor('target', target);
  assertSameShape('target', target, 'prediction', prediction);
  if (weights != null) checkPerSample('weights', weights, prediction);
  assertReduction(reduction);
  // 1. Mean squared error per sample (over every axis but the batch).
  const squaredError = tf.squaredDifference(prediction, target);
  const axes = Array.from({ length: prediction.rank - 1 }, (_, i) => i + 1);
  const perSample = axes.length > 0 ? tf.mean(squaredError, axes) : squaredError;
  // 2. Weight and reduce over the batch (MEAN is the plain average of weighted losses).
  const weighted = weights == null ? perSample : tf.mul(perSample, weights);
  if (reduction === tf.Reduction.NONE) return weighted;
  if (reduction === tf.Reduction.SUM) return tf.sum(weighted);
  return tf.mean(weighted);
}

/**
 * Mean squared error per sample (mean over all axes but the first), times optional
 * per-sample `weights` `[N]` (e.g. {@link minSnrWeights}), averaged over the batch
 * (`reduction` MEAN; SUM, or NONE for the `[N]` losses).
 */
export const weightedMse = tf.op({ weightedMse_ });

/** Options of {@link diffusionLoss}. */
export interface DiffusionLossOptions {
  /** The denoiser's output for x_t. */
  modelOutput: tf.Tensor;
  /** Clean samples x₀, same shape. */
  originalSample: tf.Tensor;
  /** The noise ε that made x_t, same shape. */
  noise: tf.Tensor;
  /** ᾱ_t of each sample's timestep, shape `[N]`. */
  alphaBar: tf.Tensor;
  /** What the model predicts. Default 'epsilon'. */
  predictionType?: PredictionType;
  /** Min-SNR-γ weighting when set (Hang et al. use 5); plain MSE when undefined. */
  snrGamma?: number;
}

function diffusionLoss_({
  modelOutput,
  originalSample,
  noise,
  alphaBar,
  predictionType = 'epsilon',
  snrGamma,
}: DiffusionLossOptions): tf.Scalar {
  const target = predictionTarget(predictionType, originalSample, noise, alphaBar);
  const weights = snrGamma === undefined ? undefined : minSnrWeights(snrFromAlphaBar(alphaBar), snrGamma, predictionType);
  return weightedMse(target, modelOutput, weights) as tf.Scalar;
}

/**
 * The DDPM training loss in one call: MSE between `modelOutput` and the target of
 * `predictionType`, optionally Min-SNR-γ weighted, averaged over the batch.
 */
export const diffusionLoss = tf.op({ diffusionLoss_ });
