// Heun: Karras, Aittala, Aila & Laine 2022, "Elucidating the Design Space of Diffusion-Based
// Generative Models" (arXiv:2206.00364), Algorithm 1 (deterministic, S_churn = 0): Heun's 2nd-order
// method on dx/dσ = (x − D(x; σ))/σ, with an Euler step into σ = 0. Follows diffusers'
// scheduling_heun_discrete.py: every timestep but the first appears twice in `timesteps`, once for
// the Euler predictor and once for the trapezoidal corrector.
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_SCHEDULER_CONFIG, resolveSchedulerConfig } from '@gen/core';
import type { Scheduler, SchedulerConfig, SchedulerOutput, SchedulerStepOptions } from '@gen/core';
import {
  addNoiseVarianceExploding,
  checkBoolean,
  checkNumInferenceSteps,
  checkStepTensors,
  copyConfig,
  disposeIfTensor,
  knownConfigFields,
  nextStepIndex,
  processPredictedOriginal,
  sigmaSchedule,
  sigmasOf,
  trainAlphasCumprod,
} from './scheduling-utils';

/** Configuration of {@link HeunDiscreteScheduler}. */
export interface HeunDiscreteSchedulerConfig extends SchedulerConfig {
  /** Use the noise levels of Karras et al. 2022 eq. 5 (ρ = 7). Default false. */
  useKarrasSigmas: boolean;
}

/** diffusers' HeunDiscreteScheduler defaults ('linspace' spacing, no x₀ clipping). */
export const HEUN_DEFAULT_CONFIG: Readonly<HeunDiscreteSchedulerConfig> = Object.freeze({
  ...DEFAULT_SCHEDULER_CONFIG,
  timestepSpacing: 'linspace',
  clipSample: false,
  useKarrasSigmas: false,
});

/**
 * Heun's method (explicit trapezoid) on the probability-flow ODE in σ: second order, two model
 * evaluations per noise level (2n − 1 in all for n steps). Deterministic.
 */
export class HeunDiscreteScheduler implements Scheduler<HeunDiscreteSchedulerConfig> {
  readonly config: Readonly<HeunDiscreteSchedulerConfig>;
  readonly order = 2;
  readonly alphasCumprod: Float64Array;
  readonly trainSigmas: Float64Array;
  /** [σ₀, σ₁, σ₁, …, σ_{n−1}, σ_{n−1}, 0]: the σ at which each entry of `timesteps` evaluates the model, then 0. */
  sigmas: Float64Array = new Float64Array(0);
  stepIndex: number | null = null;
  private timestepList: Int32Array = new Int32Array(0);
  private inferenceSteps: number | null = null;
  // State between the predictor and the corrector of one noise level (kept tensors).
  private prevDerivative: tf.Tensor | null = null;
  private firstSample: tf.Tensor | null = null;
  private dt: number | null = null;

  constructor(config: Partial<HeunDiscreteSchedulerConfig> = {}) {
    this.config = resolveSchedulerConfig(HEUN_DEFAULT_CONFIG, config);
    checkBoolean('config.useKarrasSigmas', this.config.useKarrasSigmas);
    this.alphasCumprod = trainAlphasCumprod(this.config, { clampZeroTerminal: true });
    this.trainSigmas = sigmasOf(this.alphasCumprod);
  }

  static fromConfig(config: Readonly<Partial<HeunDiscreteSchedulerConfig>>): HeunDiscreteScheduler {
    return new HeunDiscreteScheduler(knownConfigFields(HEUN_DEFAULT_CONFIG, config));
  }

  getConfig(): HeunDiscreteSchedulerConfig {
    return copyConfig(this.config);
  }

  get timesteps(): Int32Array {
    return this.timestepList;
  }

  get numInferenceSteps(): number | null {
    return this.inferenceSteps;
  }

  get initNoiseSigma(): number {
    const sigmaMax = this.sigmas.length > 0 ? this.sigmas[0] : this.trainSigmas[this.trainSigmas.length - 1];
    return this.config.timestepSpacing === 'leading' ? Math.sqrt(sigmaMax * sigmaMax + 1) : sigmaMax;
  }

  /** True when the next `step` is an Euler predictor (false: the corrector of the same noise level). */
  get stateInFirstOrder(): boolean {
    return this.dt === null;
  }

  setTimesteps(numInferenceSteps: number): void {
    checkNumInferenceSteps(numInferenceSteps, this.config.numTrainTimesteps);
    const { timesteps, sigmas } = sigmaSchedule(numInferenceSteps, this.config, this.trainSigmas, this.config.useKarrasSigmas);
    const n = timesteps.length;
    // [t₀, t₁, t₁, …, t_{n−1}, t_{n−1}] and [σ₀, σ₁, σ₁, …, σ_{n−1}, σ_{n−1}, 0] (diffusers' repeat_interleave).
    const repeatedTimesteps = new Int32Array(2 * n - 1);
    const repeatedSigmas = new Float64Array(2 * n);
    repeatedTimesteps[0] = timesteps[0];
    repeatedSigmas[0] = sigmas[0];
    for (let i = 1; i < n; i++) {
      repeatedTimesteps[2 * i - 1] = repeatedTimesteps[2 * i] = timesteps[i];
      repeatedSigmas[2 * i - 1] = repeatedSigmas[2 * i] = sigmas[i];
    }
    repeatedSigmas[2 * n - 1] = 0;
    this.timestepList = repeatedTimesteps;
    this.sigmas = repeatedSigmas;
    this.inferenceSteps = numInferenceSteps;
    this.reset();
  }

  /** Frees the predictor state and forgets the position in the schedule. */
  reset(): void {
    disposeIfTensor(this.prevDerivative);
    disposeIfTensor(this.firstSample);
    this.prevDerivative = null;
    this.firstSample = null;
    this.dt = null;
    this.stepIndex = null;
  }

  dispose(): void {
    this.reset();
  }

  scaleModelInput(sample: tf.Tensor, timestep: number): tf.Tensor {
    const index = this.stepIndex ?? nextStepIndex(this.timestepList, null, timestep, 'HeunDiscreteScheduler');
    const sigma = this.sigmas[index];
    return tf.div(sample, Math.sqrt(sigma * sigma + 1));
  }

  step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor, _options: SchedulerStepOptions = {}): SchedulerOutput {
    checkStepTensors(modelOutput, sample);
    const index = nextStepIndex(this.timestepList, this.stepIndex, timestep, 'HeunDiscreteScheduler');
    const firstOrder = this.stateInFirstOrder;
    // The predictor runs from σ_i to σ_{i+1}; the corrector re-evaluates at σ_{i+1} (sigmas[index]).
    const sigma = firstOrder ? this.sigmas[index] : this.sigmas[index - 1];
    const sigmaNext = firstOrder ? this.sigmas[index + 1] : this.sigmas[index];
    const result = tf.tidy(() => {
      // 1. Denoised estimate D(x; σ) at the σ the model saw (σ_i for the predictor, σ_{i+1} for the corrector).
      const sigmaInput = firstOrder ? sigma : sigmaNext;
      const { predictionType } = this.config;
      let x0: tf.Tensor;
      if (predictionType === 'epsilon') x0 = tf.sub(sample, tf.mul(modelOutput, sigmaInput));
      else if (predictionType === 'sample') x0 = tf.clone(modelOutput);
      else x0 = tf.add(tf.mul(modelOutput, -sigmaInput / Math.sqrt(sigmaInput * sigmaInput + 1)), tf.div(sample, sigmaInput * sigmaInput + 1));
      const predOriginalSample = processPredictedOriginal(x0, this.config);

      if (firstOrder) {
        // 2a. Predictor — Algorithm 1 lines 4–5: d_i = (x_i − D(x_i; σ_i))/σ_i, x_{i+1} = x_i + (σ_{i+1} − σ_i) d_i.
        const derivative = tf.div(tf.sub(sample, predOriginalSample), sigma);
        const dt = sigmaNext - sigma;
        const prevSample = tf.add(sample, tf.mul(derivative, dt));
        // Keep d_i, x_i and the step for the corrector — except into σ = 0, the last step, which
        // stays an Euler step (the corrector would divide by σ_{i+1} = 0).
        if (sigmaNext > 0) {
          this.prevDerivative = tf.keep(derivative);
          this.firstSample = tf.keep(tf.clone(sample));
          this.dt = dt;
        }
        return { prevSample, predOriginalSample };
      }
      // 2b. Corrector — Algorithm 1 lines 7–8: d' = (x_{i+1} − D(x_{i+1}; σ_{i+1}))/σ_{i+1},
      //     x_{i+1} = x_i + (σ_{i+1} − σ_i)·(d_i + d')/2.
      const derivativeNext = tf.div(tf.sub(sample, predOriginalSample), sigmaNext);
      const derivative = tf.div(tf.add(this.prevDerivative as tf.Tensor, derivativeNext), 2);
      const prevSample = tf.add(this.firstSample as tf.Tensor, tf.mul(derivative, this.dt as number));
      return { prevSample, predOriginalSample };
    });
    if (!firstOrder) {
      disposeIfTensor(this.prevDerivative);
      disposeIfTensor(this.firstSample);
      this.prevDerivative = null;
      this.firstSample = null;
      this.dt = null;
    }
    this.stepIndex = index + 1;
    return result;
  }

  addNoise(originalSamples: tf.Tensor, noise: tf.Tensor, timesteps: tf.Tensor1D | Int32Array): tf.Tensor {
    return addNoiseVarianceExploding(originalSamples, noise, timesteps, this.trainSigmas);
  }
}
