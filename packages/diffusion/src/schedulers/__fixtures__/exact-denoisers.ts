// Exact denoisers of known data distributions, to drive schedulers in tests with the model a
// perfectly trained network would be. For data x₀ with density p and the forward process
// x_t = √ᾱ x₀ + √(1−ᾱ) ε, the MSE-optimal predictions are posterior means:
//   x̂₀(x_t) = E[x₀ | x_t],  ε̂ = (x_t − √ᾱ x̂₀)/√(1−ᾱ),  v̂ = √ᾱ ε̂ − √(1−ᾱ) x̂₀.
// For x₀ ~ N(μ, s²): x_t ~ N(√ᾱ μ, ᾱ s² + 1 − ᾱ) and x̂₀ = μ + √ᾱ s² (x_t − √ᾱ μ)/(ᾱ s² + 1 − ᾱ),
// i.e. ε̂ = √(1−ᾱ)(x_t − √ᾱ μ)/(ᾱ s² + 1 − ᾱ). For a mixture of such Gaussians, x̂₀ is the
// responsibility-weighted sum of the components' posterior means.
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import type { PredictionType, Scheduler } from '@gen/core';

/** Per-pixel data: a mixture of Gaussians N(means[k], std²) with `weights` (one component = a Gaussian). */
export interface GaussianMixture {
  weights: number[];
  means: number[];
  std: number;
}

export const gaussian = (mean: number, std: number): GaussianMixture => ({ weights: [1], means: [mean], std });

/** E[x₀ | x_t] at noise level ᾱ for the mixture (x_t in the variance-preserving scale). */
export function posteriorMean(xt: tf.Tensor, alphaBar: number, data: GaussianMixture): tf.Tensor {
  return tf.tidy(() => {
    const { weights, means, std } = data;
    const variance = alphaBar * std * std + 1 - alphaBar;
    const gain = (Math.sqrt(alphaBar) * std * std) / variance;
    const componentMeans = means.map((mu) => tf.add(tf.mul(tf.sub(xt, Math.sqrt(alphaBar) * mu), gain), mu));
    if (means.length === 1) return componentMeans[0];
    // Responsibilities: softmax over k of log π_k − (x_t − √ᾱ μ_k)²/(2 var).
    const logits = tf.stack(means.map((mu, k) => tf.sub(Math.log(weights[k]), tf.div(tf.square(tf.sub(xt, Math.sqrt(alphaBar) * mu)), 2 * variance))));
    const responsibilities = tf.softmax(tf.transpose(tf.reshape(logits, [means.length, -1])));
    const stacked = tf.transpose(tf.reshape(tf.stack(componentMeans), [means.length, -1]));
    return tf.reshape(tf.sum(tf.mul(responsibilities, stacked), 1), xt.shape);
  });
}

/** The exact model output of the given prediction type at x_t (variance-preserving scale). */
export function exactModelOutput(xt: tf.Tensor, alphaBar: number, data: GaussianMixture, predictionType: PredictionType): tf.Tensor {
  return tf.tidy(() => {
    const x0 = posteriorMean(xt, alphaBar, data);
    if (predictionType === 'sample') return x0;
    const epsilon = tf.div(tf.sub(xt, tf.mul(x0, Math.sqrt(alphaBar))), Math.sqrt(1 - alphaBar));
    if (predictionType === 'epsilon') return epsilon;
    return tf.sub(tf.mul(epsilon, Math.sqrt(alphaBar)), tf.mul(x0, Math.sqrt(1 - alphaBar)));
  });
}

type AnyScheduler = Scheduler & { sigmas?: Float64Array; stepIndex?: number | null; alphasCumprod: Float64Array };

/**
 * ᾱ at which the scheduler evaluates the model at `timestep`: 1/(1+σ²) of its current σ for
 * σ-based schedulers (exact even with Karras σ between integer timesteps), else ᾱ_t.
 */
export function modelAlphaBar(scheduler: Scheduler, timestep: number): number {
  const s = scheduler as AnyScheduler;
  if (s.sigmas && s.sigmas.length > 0) {
    const index = s.stepIndex ?? s.timesteps.indexOf(timestep);
    const sigma = s.sigmas[index];
    return 1 / (1 + sigma * sigma);
  }
  return s.alphasCumprod[timestep];
}

export interface SampleOptions {
  data: GaussianMixture;
  shape: number[];
  numInferenceSteps: number;
  seed?: number;
  predictionType?: PredictionType;
}

/**
 * A full sampling loop with the exact denoiser (the loop a pipeline runs). Returns the final
 * sample and the initial noise in the variance-preserving scale with its ᾱ, for closed forms.
 */
export function sampleWithExactDenoiser(scheduler: Scheduler, options: SampleOptions): { samples: Float32Array; initial: Float32Array; initialAlphaBar: number } {
  const { data, shape, numInferenceSteps, seed = 0, predictionType = scheduler.config.predictionType } = options;
  const generator = new Generator(seed);
  scheduler.setTimesteps(numInferenceSteps);
  let sample = tf.tidy(() => tf.mul(generator.normal(shape), scheduler.initNoiseSigma));
  const first = scheduler.timesteps[0];
  const initialAlphaBar = modelAlphaBar(scheduler, first);
  const initialInput = scheduler.scaleModelInput(sample, first);
  const initial = initialInput.dataSync() as Float32Array;
  initialInput.dispose();
  for (const timestep of Array.from(scheduler.timesteps)) {
    const alphaBar = modelAlphaBar(scheduler, timestep);
    const next = tf.tidy(() => {
      const input = scheduler.scaleModelInput(sample, timestep);
      const modelOutput = exactModelOutput(input, alphaBar, data, predictionType);
      return scheduler.step(modelOutput, timestep, sample, { generator }).prevSample;
    });
    sample.dispose();
    sample = next;
  }
  const samples = sample.dataSync() as Float32Array;
  sample.dispose();
  return { samples, initial: Float32Array.from(initial), initialAlphaBar };
}

/**
 * The exact probability-flow ODE solution for Gaussian data from x_t (VP scale, level ᾱ) to the
 * level ᾱ_end (1 = the data): the standardized value z = (x_t − √ᾱ μ)/√(ᾱ s² + 1 − ᾱ) is constant
 * along the flow, so x_end = √ᾱ_end μ + √(ᾱ_end s² + 1 − ᾱ_end) z.
 */
export function exactFlow(initial: Float32Array, alphaBar: number, data: GaussianMixture, alphaBarEnd = 1): Float64Array {
  const [mu] = data.means;
  const s = data.std;
  const scale = Math.sqrt(alphaBar * s * s + 1 - alphaBar);
  const scaleEnd = Math.sqrt(alphaBarEnd * s * s + 1 - alphaBarEnd);
  return Float64Array.from(initial, (x) => Math.sqrt(alphaBarEnd) * mu + (scaleEnd * (x - Math.sqrt(alphaBar) * mu)) / scale);
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

export function std(values: ArrayLike<number>): number {
  const m = mean(values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] - m) ** 2;
  return Math.sqrt(sum / (values.length - 1));
}

export function rmsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum / a.length);
}
