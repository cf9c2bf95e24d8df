// Euler: Karras, Aittala, Aila & Laine 2022, "Elucidating the Design Space of Diffusion-Based
// Generative Models" (arXiv:2206.00364), Algorithm 1 without its 2nd-order correction: Euler's
// method on the probability-flow ODE dx/dσ = (x − D(x; σ))/σ in the variance-exploding scale
// x = x_vp/√ᾱ. Follows diffusers' scheduling_euler_discrete.py (s_churn = 0).
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_SCHEDULER_CONFIG, resolveSchedulerConfig } from '@gen/core';
import type { Scheduler, SchedulerConfig, SchedulerOutput, SchedulerStepOptions } from '@gen/core';
import {
  addNoiseVarianceExploding,
  checkBoolean,
  checkNumInferenceSteps,
  checkStepTensors,
  copyConfig,
  knownConfigFields,
  nextStepIndex,
  processPredictedOriginal,
  sigmaSchedule,
  sigmasOf,
  trainAlphasCumprod,
} from './scheduling-utils';

/** Configuration of {@link EulerDiscreteScheduler}. */
export interface EulerDiscreteSchedulerConfig extends SchedulerConfig {
  /** Use the noise levels of Karras et al. 2022 eq. 5 (ρ = 7) between the spaced σ_min and σ_max. Default false. */
  useKarrasSigmas: boolean;
}

/** diffusers' EulerDiscreteScheduler defaults ('linspace' spacing, no x₀ clipping). */
export const EULER_DEFAULT_CONFIG: Readonly<EulerDiscreteSchedulerConfig> = Object.freeze({
  ...DEFAULT_SCHEDULER_CONFIG,
  timestepSpacing: 'linspace',
  clipSample: false,
  useKarrasSigmas: false,
});

/**
 * Euler's method on the probability-flow ODE in σ. Deterministic, first order, one model
 * evaluation per step. Samples live in the σ scale: start from noise × `initNoiseSigma` and feed
 * the model `scaleModelInput(x, t)` = x/√(σ² + 1).
 */
export class EulerDiscreteScheduler implements Scheduler<EulerDiscreteSchedulerConfig> {
  readonly config: Readonly<EulerDiscreteSchedulerConfig>;
  readonly order: number = 1;
  /** ᾱ_t of the training process (ᾱ_T clamped to 2⁻²⁴ under zero-terminal-SNR rescaling). */
  readonly alphasCumprod: Float64Array;
  /** σ_t = √((1−ᾱ_t)/ᾱ_t) of every training timestep. */
  readonly trainSigmas: Float64Array;
  /** σ of each inference step followed by the final σ = 0; empty before `setTimesteps`. */
  sigmas: Float64Array = new Float64Array(0);
  /** Index into `timesteps` / `sigmas` of the next step, null until the first `step` or `scaleModelInput`. */
  stepIndex: number | null = null;
  protected timestepList: Int32Array = new Int32Array(0);
  protected inferenceSteps: number | null = null;
  protected readonly name: string = 'EulerDiscreteScheduler';

  constructor(config: Partial<EulerDiscreteSchedulerConfig> = {}, defaults: Readonly<EulerDiscreteSchedulerConfig> = EULER_DEFAULT_CONFIG) {
    this.config = resolveSchedulerConfig(defaults, config);
    checkBoolean('config.useKarrasSigmas', this.config.useKarrasSigmas);
    this.alphasCumprod = trainAlphasCumprod(this.config, { clampZeroTerminal: true });
    this.trainSigmas = sigmasOf(this.alphasCumprod);
  }

  /** An EulerDiscreteScheduler with the fields of `config` it knows (any scheduler's `getConfig()`). */
  static fromConfig(config: Readonly<Partial<EulerDiscreteSchedulerConfig>>): EulerDiscreteScheduler {
    return new EulerDiscreteScheduler(knownConfigFields(EULER_DEFAULT_CONFIG, config));
  }

  getConfig(): EulerDiscreteSchedulerConfig {
    return copyConfig(this.config);
  }

  get timesteps(): Int32Array {
    return this.timestepList;
  }

  get numInferenceSteps(): number | null {
    return this.inferenceSteps;
  }

  /** σ_max for 'linspace' / 'trailing' spacing, √(σ_max² + 1) for 'leading' (as diffusers). */
  get initNoiseSigma(): number {
    const sigmaMax = this.sigmas.length > 0 ? this.sigmas[0] : this.trainSigmas[this.trainSigmas.length - 1];
    return this.config.timestepSpacing === 'leading' ? Math.sqrt(sigmaMax * sigmaMax + 1) : sigmaMax;
  }

  setTimesteps(numInferenceSteps: number): void {
    checkNumInferenceSteps(numInferenceSteps, this.config.numTrainTimesteps);
    const { timesteps, sigmas } = sigmaSchedule(numInferenceSteps, this.config, this.trainSigmas, this.config.useKarrasSigmas);
    this.timestepList = timesteps;
    this.sigmas = Float64Array.from([...sigmas, 0]);
    this.inferenceSteps = numInferenceSteps;
    this.reset();
  }

  /** Forgets the position in the schedule (the next `step` may start anywhere in `timesteps`). */
  reset(): void {
    this.stepIndex = null;
  }

  dispose(): void {
    this.reset();
  }

  /** x / √(σ² + 1): the variance-preserving input the model was trained on. */
  scaleModelInput(sample: tf.Tensor, timestep: number): tf.Tensor {
    const index = this.stepIndex ?? nextStepIndex(this.timestepList, null, timestep, this.name);
    const sigma = this.sigmas[index];
    return tf.div(sample, Math.sqrt(sigma * sigma + 1));
  }

  /**
   * x̂₀ from the model output at noise level σ, in the σ scale (x = x₀ + σ ε):
   * ε: x − σ ε̂; x₀: the output; v: −σ/√(σ²+1)·v̂ + x/(σ²+1) (Salimans & Ho 2022, with x_vp = x/√(σ²+1)).
   */
  protected predictOriginal(modelOutput: tf.Tensor, sample: tf.Tensor, sigma: number): tf.Tensor {
    const { predictionType } = this.config;
    let x0: tf.Tensor;
    if (predictionType === 'epsilon') x0 = tf.sub(sample, tf.mul(modelOutput, sigma));
    else if (predictionType === 'sample') x0 = tf.clone(modelOutput);
    else x0 = tf.add(tf.mul(modelOutput, -sigma / Math.sqrt(sigma * sigma + 1)), tf.div(sample, sigma * sigma + 1));
    return processPredictedOriginal(x0, this.config);
  }

  step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor, _options: SchedulerStepOptions = {}): SchedulerOutput {
    checkStepTensors(modelOutput, sample);
    const index = nextStepIndex(this.timestepList, this.stepIndex, timestep, this.name);
    const result = tf.tidy(() => {
      const sigma = this.sigmas[index];
      const sigmaNext = this.sigmas[index + 1];
      // 1. Denoised estimate D(x; σ) = x̂₀.
      const predOriginalSample = this.predictOriginal(modelOutput, sample, sigma);
      // 2. ODE derivative d = (x − D(x; σ))/σ — Karras et al. 2022, Algorithm 1 line 4.
      const derivative = tf.div(tf.sub(sample, predOriginalSample), sigma);
      // 3. Euler step x ← x + (σ_next − σ) d — Algorithm 1 line 5.
      const prevSample = tf.add(sample, tf.mul(derivative, sigmaNext - sigma));
      return { prevSample, predOriginalSample };
    });
    this.stepIndex = index + 1;
    return result;
  }

  /** x₀ + σ_t ε (the forward process in this scheduler's σ scale), one timestep per batch element. */
  addNoise(originalSamples: tf.Tensor, noise: tf.Tensor, timesteps: tf.Tensor1D | Int32Array): tf.Tensor {
    return addNoiseVarianceExploding(originalSamples, noise, timesteps, this.trainSigmas);
  }
}
