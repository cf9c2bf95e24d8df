// DDIM: Song, Meng & Ermon 2021, "Denoising Diffusion Implicit Models" (arXiv:2010.02502).
// A non-Markovian reverse process with the DDPM marginals; η = 0 is a deterministic first-order
// solver of the probability-flow ODE, η = 1 recovers DDPM's ancestral sampling. Follows diffusers'
// scheduling_ddim.py (defaults, arithmetic, set_alpha_to_one).
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_SCHEDULER_CONFIG, InvalidArgumentError, resolveSchedulerConfig, spacedTimesteps } from '@gen/core';
import type { Scheduler, SchedulerConfig, SchedulerOutput, SchedulerStepOptions } from '@gen/core';
import {
  addNoiseVariancePreserving,
  checkBoolean,
  checkNumInferenceSteps,
  checkStepTensors,
  copyConfig,
  indexForTimestep,
  knownConfigFields,
  processPredictedOriginal,
  requireGenerator,
  trainAlphasCumprod,
} from './scheduling-utils';

/** Configuration of {@link DDIMScheduler}: the shared scheduler config plus η and the final ᾱ. */
export interface DDIMSchedulerConfig extends SchedulerConfig {
  /** η of eq. 16 (0 = deterministic DDIM, 1 = DDPM-like). Default 0. A step may override it. */
  eta: number;
  /** The last step goes to ᾱ = 1 (a clean sample) when true, else to ᾱ₀ of the training schedule. Default true. */
  setAlphaToOne: boolean;
}

/** Options of {@link DDIMScheduler.step}. */
export interface DDIMStepOptions extends SchedulerStepOptions {
  /** Overrides `config.eta` for this step. */
  eta?: number;
}

/** diffusers' DDIMScheduler defaults (linear betas, ε-prediction, clipped x₀, η = 0). */
export const DDIM_DEFAULT_CONFIG: Readonly<DDIMSchedulerConfig> = Object.freeze({
  ...DEFAULT_SCHEDULER_CONFIG,
  eta: 0,
  setAlphaToOne: true,
});

/**
 * Denoising diffusion implicit models: x_{t−1} = √ᾱ_{t−1} x̂₀ + √(1−ᾱ_{t−1}−σ_t²) ε̂ + σ_t z with
 * σ_t = η·√((1−ᾱ_{t−1})/(1−ᾱ_t))·√(1−ᾱ_t/ᾱ_{t−1}). η = 0 needs no generator.
 */
export class DDIMScheduler implements Scheduler<DDIMSchedulerConfig> {
  readonly config: Readonly<DDIMSchedulerConfig>;
  readonly order = 1;
  readonly initNoiseSigma = 1;
  /** ᾱ_t of the training process (float64). */
  readonly alphasCumprod: Float64Array;
  /** ᾱ after the last step: 1, or ᾱ₀ when `setAlphaToOne` is false. */
  readonly finalAlphaCumprod: number;
  private timestepList: Int32Array = new Int32Array(0);
  private inferenceSteps: number | null = null;

  constructor(config: Partial<DDIMSchedulerConfig> = {}) {
    this.config = resolveSchedulerConfig(DDIM_DEFAULT_CONFIG, config);
    checkEta('config.eta', this.config.eta);
    checkBoolean('config.setAlphaToOne', this.config.setAlphaToOne);
    this.alphasCumprod = trainAlphasCumprod(this.config);
    this.finalAlphaCumprod = this.config.setAlphaToOne ? 1 : this.alphasCumprod[0];
  }

  /** A DDIMScheduler with the fields of `config` it knows (any scheduler's `getConfig()`). */
  static fromConfig(config: Readonly<Partial<DDIMSchedulerConfig>>): DDIMScheduler {
    return new DDIMScheduler(knownConfigFields(DDIM_DEFAULT_CONFIG, config));
  }

  getConfig(): DDIMSchedulerConfig {
    return copyConfig(this.config);
  }

  get timesteps(): Int32Array {
    return this.timestepList;
  }

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

  /**
   * The timestep after `timestep` in the schedule, or −1 after the last. diffusers' DDIM uses
   * t − ⌊T/n⌋ instead; the two agree for 'leading' spacing (DDIM's default) and this one stays on
   * the grid for 'linspace' / 'trailing', whose gaps are uneven.
   */
  previousTimestep(timestep: number): number {
    const index = indexForTimestep(this.timestepList, timestep, 'DDIMScheduler');
    return index === this.timestepList.length - 1 ? -1 : this.timestepList[index + 1];
  }

  scaleModelInput(sample: tf.Tensor, _timestep?: number): tf.Tensor {
    return tf.clone(sample);
  }

  step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor, options: DDIMStepOptions = {}): SchedulerOutput {
    checkStepTensors(modelOutput, sample);
    const eta = options.eta ?? this.config.eta;
    checkEta('options.eta', eta);
    const prevTimestep = this.previousTimestep(timestep);
    const generator = eta > 0 ? requireGenerator(options, 'DDIMScheduler', `adds noise when eta (${eta}) > 0`) : undefined;
    const { predictionType } = this.config;
    return tf.tidy(() => {
      // 1. ᾱ_t and ᾱ_{t−1} (ᾱ after the last step is finalAlphaCumprod).
      const alphaProdT = this.alphasCumprod[timestep];
      const alphaProdTPrev = prevTimestep >= 0 ? this.alphasCumprod[prevTimestep] : this.finalAlphaCumprod;
      const betaProdT = 1 - alphaProdT;

      // 2. Predicted x₀ and ε — eq. 12 of Song et al. 2021, "predicted x₀" term; v as Salimans & Ho 2022.
      let predOriginalSample: tf.Tensor;
      let predEpsilon: tf.Tensor;
      if (predictionType === 'epsilon') {
        predOriginalSample = tf.div(tf.sub(sample, tf.mul(modelOutput, Math.sqrt(betaProdT))), Math.sqrt(alphaProdT));
        predEpsilon = modelOutput;
      } else if (predictionType === 'sample') {
        predOriginalSample = tf.clone(modelOutput);
        predEpsilon = tf.div(tf.sub(sample, tf.mul(predOriginalSample, Math.sqrt(alphaProdT))), Math.sqrt(betaProdT));
      } else {
        predOriginalSample = tf.sub(tf.mul(sample, Math.sqrt(alphaProdT)), tf.mul(modelOutput, Math.sqrt(betaProdT)));
        predEpsilon = tf.add(tf.mul(modelOutput, Math.sqrt(alphaProdT)), tf.mul(sample, Math.sqrt(betaProdT)));
      }

      // 3. Clip or dynamically threshold x̂₀ (ε̂ is kept, as diffusers without use_clipped_model_output).
      predOriginalSample = processPredictedOriginal(predOriginalSample, this.config);

      // 4. σ_t(η) — eq. 16: σ_t = η √((1−ᾱ_{t−1})/(1−ᾱ_t)) √(1 − ᾱ_t/ᾱ_{t−1}).
      const variance = ((1 - alphaProdTPrev) / betaProdT) * (1 - alphaProdT / alphaProdTPrev);
      const stdDevT = eta * Math.sqrt(variance);

      // 5. "Direction pointing to x_t" — eq. 12: √(1 − ᾱ_{t−1} − σ_t²) ε̂.
      const direction = tf.mul(predEpsilon, Math.sqrt(Math.max(1 - alphaProdTPrev - stdDevT * stdDevT, 0)));

      // 6. x_{t−1} = √ᾱ_{t−1} x̂₀ + direction (+ σ_t z) — eq. 12.
      let prevSample = tf.add(tf.mul(predOriginalSample, Math.sqrt(alphaProdTPrev)), direction);
      if (eta > 0 && generator) prevSample = tf.add(prevSample, tf.mul(generator.normal(sample.shape), stdDevT));
      return { prevSample, predOriginalSample };
    });
  }

  addNoise(originalSamples: tf.Tensor, noise: tf.Tensor, timesteps: tf.Tensor1D | Int32Array): tf.Tensor {
    return addNoiseVariancePreserving(originalSamples, noise, timesteps, this.alphasCumprod);
  }

  /** DDIM keeps no state between steps; present so every scheduler can be reset alike. */
  reset(): void {}

  dispose(): void {}
}

function checkEta(name: string, eta: unknown): void {
  if (typeof eta !== 'number' || !(eta >= 0) || !Number.isFinite(eta)) {
    throw new InvalidArgumentError(name, eta, 'must be a finite number >= 0 (0 = deterministic DDIM, 1 = DDPM-like)');
  }
}
