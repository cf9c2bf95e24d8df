// DDPM: Ho, Jain & Abbeel 2020, "Denoising Diffusion Probabilistic Models" (arXiv:2006.11239).
// Ancestral sampling from the learned reverse process p(x_{t−1} | x_t), following diffusers'
// scheduling_ddpm.py (same defaults, same arithmetic), with timesteps from core's spacedTimesteps.
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_SCHEDULER_CONFIG, resolveSchedulerConfig, spacedTimesteps } from '@gen/core';
import type { Scheduler, SchedulerConfig, SchedulerOutput, SchedulerStepOptions } from '@gen/core';
import {
  addNoiseVariancePreserving,
  checkNumInferenceSteps,
  checkOneOf,
  checkStepTensors,
  copyConfig,
  indexForTimestep,
  knownConfigFields,
  processPredictedOriginal,
  requireGenerator,
  trainAlphasCumprod,
} from './scheduling-utils';

/** The variance σ_t² of p(x_{t−1} | x_t) (Ho et al. 2020, §3.2). */
export type DDPMVarianceType = 'fixed_small' | 'fixed_large';

/** The variance types {@link DDPMScheduler} accepts. */
export const DDPM_VARIANCE_TYPES: readonly DDPMVarianceType[] = Object.freeze(['fixed_small', 'fixed_large']);

/** Configuration of {@link DDPMScheduler}: the shared scheduler config plus the variance choice. */
export interface DDPMSchedulerConfig extends SchedulerConfig {
  /**
   * `'fixed_small'`: σ_t² = β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t)·β_t, the posterior variance (optimal for
   * deterministic x₀); `'fixed_large'`: σ_t² = β_t (optimal for x₀ ~ N(0, I)). Default 'fixed_small'.
   */
  varianceType: DDPMVarianceType;
}

/** diffusers' DDPMScheduler defaults: linear betas 1e-4 … 0.02 over 1000 steps, ε-prediction, x₀ clipped to [−1, 1]. */
export const DDPM_DEFAULT_CONFIG: Readonly<DDPMSchedulerConfig> = Object.freeze({
  ...DEFAULT_SCHEDULER_CONFIG,
  varianceType: 'fixed_small' as DDPMVarianceType,
});

/**
 * Denoising diffusion probabilistic models: each step samples x_{t−1} from the Gaussian posterior
 * q(x_{t−1} | x_t, x̂₀) around the model's x₀ estimate. Stochastic; needs a `generator`.
 *
 * ```ts
 * const scheduler = new DDPMScheduler({ varianceType: 'fixed_large' });
 * scheduler.setTimesteps(1000);
 * ```
 */
export class DDPMScheduler implements Scheduler<DDPMSchedulerConfig> {
  readonly config: Readonly<DDPMSchedulerConfig>;
  readonly order = 1;
  readonly initNoiseSigma = 1;
  /** ᾱ_t of the training process (float64). */
  readonly alphasCumprod: Float64Array;
  private timestepList: Int32Array = new Int32Array(0);
  private inferenceSteps: number | null = null;

  constructor(config: Partial<DDPMSchedulerConfig> = {}) {
    this.config = resolveSchedulerConfig(DDPM_DEFAULT_CONFIG, config);
    checkOneOf('config.varianceType', this.config.varianceType, DDPM_VARIANCE_TYPES);
    this.alphasCumprod = trainAlphasCumprod(this.config);
  }

  /** A DDPMScheduler with the fields of `config` it knows (any scheduler's `getConfig()`). */
  static fromConfig(config: Readonly<Partial<DDPMSchedulerConfig>>): DDPMScheduler {
    return new DDPMScheduler(knownConfigFields(DDPM_DEFAULT_CONFIG, config));
  }

  getConfig(): DDPMSchedulerConfig {
    return copyConfig(this.config);
  }

  get timesteps(): Int32Array {
    return this.timestepList;
  }

  /** Number of denoising steps chosen by `setTimesteps`, null before. */
  get numInferenceSteps(): number | null {
    return this.inferenceSteps;
  }

  setTimesteps(numInferenceSteps: number): void {
    checkNumInferenceSteps(numInferenceSteps, this.config.numTrainTimesteps);
    this.timestepList = spacedTimesteps({
      numInferenceSteps,
      numTrainTimesteps: this.config.numTrainTimesteps,
      timestepSpacing: this.config.timestepSpacing,
      stepsOffset: this.config.stepsOffset,
    });
    this.inferenceSteps = numInferenceSteps;
  }

  /** The timestep after `timestep` in the schedule, or −1 after the last (diffusers' `previous_timestep`). */
  previousTimestep(timestep: number): number {
    const index = indexForTimestep(this.timestepList, timestep, 'DDPMScheduler');
    return index === this.timestepList.length - 1 ? -1 : this.timestepList[index + 1];
  }

  scaleModelInput(sample: tf.Tensor, _timestep?: number): tf.Tensor {
    return tf.clone(sample);
  }

  step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor, options: SchedulerStepOptions = {}): SchedulerOutput {
    checkStepTensors(modelOutput, sample);
    const prevTimestep = this.previousTimestep(timestep);
    const generator = timestep > 0 ? requireGenerator(options, 'DDPMScheduler', 'adds noise at every timestep > 0') : undefined;
    const { predictionType } = this.config;
    return tf.tidy(() => {
      // 1. ᾱ_t, ᾱ_{t−1} and the betas of this (possibly strided) step: α_t = ᾱ_t/ᾱ_{t−1}, β_t = 1 − α_t.
      const alphaProdT = this.alphasCumprod[timestep];
      const alphaProdTPrev = prevTimestep >= 0 ? this.alphasCumprod[prevTimestep] : 1;
      const betaProdT = 1 - alphaProdT;
      const betaProdTPrev = 1 - alphaProdTPrev;
      const currentAlphaT = alphaProdT / alphaProdTPrev;
      const currentBetaT = 1 - currentAlphaT;

      // 2. Predicted x₀ — eq. 15 of Ho et al. 2020: x̂₀ = (x_t − √(1−ᾱ_t) ε̂)/√ᾱ_t (or x̂₀ / v, Salimans & Ho 2022).
      let predOriginalSample: tf.Tensor;
      if (predictionType === 'epsilon') {
        predOriginalSample = tf.div(tf.sub(sample, tf.mul(modelOutput, Math.sqrt(betaProdT))), Math.sqrt(alphaProdT));
      } else if (predictionType === 'sample') {
        predOriginalSample = tf.clone(modelOutput);
      } else {
        predOriginalSample = tf.sub(tf.mul(sample, Math.sqrt(alphaProdT)), tf.mul(modelOutput, Math.sqrt(betaProdT)));
      }

      // 3. Clip or dynamically threshold x̂₀ (Ho et al. 2020 §4 clips to [−1, 1]; Imagen §2.3).
      predOriginalSample = processPredictedOriginal(predOriginalSample, this.config);

      // 4. Posterior mean μ̃_t(x_t, x̂₀) — eq. 7 of Ho et al. 2020:
      //    μ̃ = √ᾱ_{t−1} β_t/(1−ᾱ_t) · x̂₀ + √α_t (1−ᾱ_{t−1})/(1−ᾱ_t) · x_t.
      const originalCoefficient = (Math.sqrt(alphaProdTPrev) * currentBetaT) / betaProdT;
      const sampleCoefficient = (Math.sqrt(currentAlphaT) * betaProdTPrev) / betaProdT;
      let prevSample = tf.add(tf.mul(predOriginalSample, originalCoefficient), tf.mul(sample, sampleCoefficient));

      // 5. Add σ_t z, z ~ N(0, I), except at the last step (Ho et al. 2020, Algorithm 2, line 3).
      if (timestep > 0 && generator) {
        const variance = this.variance(currentBetaT, betaProdT, betaProdTPrev);
        const noise = generator.normal(sample.shape);
        prevSample = tf.add(prevSample, tf.mul(noise, Math.sqrt(variance)));
      }
      return { prevSample, predOriginalSample };
    });
  }

  /** σ_t² of the chosen `varianceType` — §3.2 of Ho et al. 2020: β̃_t = (1−ᾱ_{t−1})/(1−ᾱ_t)·β_t or β_t. */
  private variance(currentBetaT: number, betaProdT: number, betaProdTPrev: number): number {
    if (this.config.varianceType === 'fixed_large') return currentBetaT;
    return Math.max((betaProdTPrev / betaProdT) * currentBetaT, 1e-20);
  }

  addNoise(originalSamples: tf.Tensor, noise: tf.Tensor, timesteps: tf.Tensor1D | Int32Array): tf.Tensor {
    return addNoiseVariancePreserving(originalSamples, noise, timesteps, this.alphasCumprod);
  }

  /** DDPM keeps no state between steps; present so every scheduler can be reset alike. */
  reset(): void {}

  /** Nothing to free; present so every scheduler can be disposed alike. */
  dispose(): void {}
}
