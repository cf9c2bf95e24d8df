// Conversions between what a denoiser predicts (ε, x₀ or v) and the clean-sample estimate x̂₀,
// for the variance-preserving x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε (Ho et al. 2020, eq. 4) and
// v = √ᾱ_t·ε − √(1 − ᾱ_t)·x₀ (Salimans & Ho 2022, §4). Used by self-conditioning and by the
// pipelines' guidance hook.
import * as tf from '@tensorflow/tfjs-core';
import type { PredictionType } from '@gen/core';

/** ᾱ_t: one number for the whole batch, or a `[B]` tensor (one per sample). */
export type AlphaBar = number | tf.Tensor;

function column(alphaBar: AlphaBar, like: tf.Tensor): tf.Tensor | number {
  if (typeof alphaBar === 'number') return alphaBar;
  return tf.reshape(alphaBar, [like.shape[0], ...like.shape.slice(1).map(() => 1)]);
}

const sqrt = (value: tf.Tensor | number) => (typeof value === 'number' ? Math.sqrt(value) : tf.sqrt(value));
const oneMinus = (value: tf.Tensor | number) => (typeof value === 'number' ? 1 - value : tf.sub(1, value));

/**
 * x̂₀ from a model output at x_t: ε: (x_t − √(1−ᾱ)·ε̂)/√ᾱ; x₀: the output; v: √ᾱ·x_t − √(1−ᾱ)·v̂.
 * ᾱ is floored at 2⁻²⁴ for ε (x̂₀ is undefined at zero terminal SNR).
 */
export function originalSampleFromPrediction(modelOutput: tf.Tensor, sample: tf.Tensor, alphaBar: AlphaBar, predictionType: PredictionType): tf.Tensor {
  return tf.tidy(() => {
    const a = column(alphaBar, sample);
    switch (predictionType) {
      case 'epsilon': {
        const floored = typeof a === 'number' ? Math.max(a, 2 ** -24) : tf.maximum(a, 2 ** -24);
        return tf.div(tf.sub(sample, tf.mul(modelOutput, sqrt(oneMinus(floored)))), sqrt(floored));
      }
      case 'sample':
        return tf.clone(modelOutput);
      case 'v_prediction':
        return tf.sub(tf.mul(sample, sqrt(a)), tf.mul(modelOutput, sqrt(oneMinus(a))));
    }
  });
}

/**
 * The model output that makes x̂₀ = `originalSample` at x_t (the inverse of
 * {@link originalSampleFromPrediction}): ε: (x_t − √ᾱ·x̂₀)/√(1−ᾱ); x₀: x̂₀; v: (√ᾱ·x_t − x̂₀)/√(1−ᾱ).
 * 1 − ᾱ is floored at 2⁻²⁴.
 */
export function predictionFromOriginalSample(originalSample: tf.Tensor, sample: tf.Tensor, alphaBar: AlphaBar, predictionType: PredictionType): tf.Tensor {
  return tf.tidy(() => {
    const a = column(alphaBar, sample);
    const noiseLevel = typeof a === 'number' ? Math.sqrt(Math.max(1 - a, 2 ** -24)) : tf.sqrt(tf.maximum(tf.sub(1, a), 2 ** -24));
    switch (predictionType) {
      case 'epsilon':
        return tf.div(tf.sub(sample, tf.mul(originalSample, sqrt(a))), noiseLevel);
      case 'sample':
        return tf.clone(originalSample);
      case 'v_prediction':
        return tf.div(tf.sub(tf.mul(sample, sqrt(a)), originalSample), noiseLevel);
    }
  });
}
