import type * as tf from '@tensorflow/tfjs-core';
import { describeValue, InvalidArgumentError } from '../errors';
import type { Generator } from '../random';
import { BETA_SCHEDULES, betaSchedule, type BetaScheduleName } from './beta-schedules';
import { rescaleZeroTerminalSnr } from './noise-schedule';
import type { TimestepSpacing } from './timestep-spacing';

/** What the denoiser predicts: the noise ε, the clean sample x₀, or v = √ᾱ ε − √(1−ᾱ) x₀ (Salimans & Ho 2022). */
export type PredictionType = 'epsilon' | 'sample' | 'v_prediction';

/** The prediction types a scheduler config accepts. */
export const PREDICTION_TYPES: readonly PredictionType[] = Object.freeze(['epsilon', 'sample', 'v_prediction']);

/** The timestep spacings a scheduler config accepts. */
export const TIMESTEP_SPACINGS: readonly TimestepSpacing[] = Object.freeze(['leading', 'trailing', 'linspace']);

/**
 * The configuration every diffusion scheduler shares, modelled on diffusers' scheduler configs
 * (same meanings, camelCase names). Schedulers extend it with their own fields.
 */
export interface SchedulerConfig {
  /** Number of diffusion steps T the model was trained with. */
  numTrainTimesteps: number;
  /** Beta schedule of the forward process; ignored when `trainedBetas` is given. */
  betaSchedule: BetaScheduleName;
  /** β₁ of the linear-type schedules. */
  betaStart: number;
  /** β_T of the linear-type schedules. */
  betaEnd: number;
  /** Explicit betas (length numTrainTimesteps) that override `betaSchedule`; null when unused. */
  trainedBetas: readonly number[] | null;
  /** What the model predicts. */
  predictionType: PredictionType;
  /** How inference timesteps are spaced (see `spacedTimesteps`). */
  timestepSpacing: TimestepSpacing;
  /** Added to `'leading'` timesteps (Stable Diffusion uses 1). */
  stepsOffset: number;
  /**
   * Rescale betas to zero terminal SNR (Lin et al. 2023). Meant for v- or x₀-prediction: with ε
   * the last step divides by √ᾱ_T = 0 unless the scheduler clamps ᾱ_T (diffusers' Euler uses 2⁻²⁴).
   */
  rescaleBetasZeroSnr: boolean;
  /** Clip the predicted x₀ to [−clipSampleRange, clipSampleRange]. */
  clipSample: boolean;
  clipSampleRange: number;
  /** Dynamic thresholding of the predicted x₀ (Saharia et al. 2022, Imagen §2.3); pixel-space models only. */
  thresholding: boolean;
  /** Percentile of |x₀| used as the threshold s. */
  dynamicThresholdingRatio: number;
  /** Upper bound of the threshold s. */
  sampleMaxValue: number;
}

/** The defaults of {@link SchedulerConfig} (DDPM's: Ho et al. 2020). */
export const DEFAULT_SCHEDULER_CONFIG: Readonly<SchedulerConfig> = Object.freeze({
  numTrainTimesteps: 1000,
  betaSchedule: 'linear',
  betaStart: 0.0001,
  betaEnd: 0.02,
  trainedBetas: null,
  predictionType: 'epsilon',
  timestepSpacing: 'leading',
  stepsOffset: 0,
  rescaleBetasZeroSnr: false,
  clipSample: true,
  clipSampleRange: 1,
  thresholding: false,
  dynamicThresholdingRatio: 0.995,
  sampleMaxValue: 1,
});

/** Options of `Scheduler.step`. */
export interface SchedulerStepOptions {
  /** Source of the noise a stochastic step adds (DDPM, ancestral samplers, DDIM with η > 0). */
  generator?: Generator;
}

/** Result of `Scheduler.step`: named outputs as diffusers' `SchedulerOutput`. */
export interface SchedulerOutput {
  /** x_{t−1}: the sample to feed the model at the next timestep. */
  prevSample: tf.Tensor;
  /** The scheduler's estimate of x₀ at this step, when it forms one. */
  predOriginalSample?: tf.Tensor;
}

/**
 * The contract of @gen/diffusion's schedulers (diffusers' SchedulerMixin):
 *
 * ```ts
 * const scheduler = DDIMScheduler.fromConfig(ddpm.getConfig());
 * scheduler.setTimesteps(50);
 * let sample = tf.mul(generator.normal(shape), scheduler.initNoiseSigma);
 * for (const t of scheduler.timesteps) {
 *   const input = scheduler.scaleModelInput(sample, t);
 *   const modelOutput = unet.predict(input, t);
 *   sample = scheduler.step(modelOutput, t, sample, { generator }).prevSample;
 * }
 * ```
 *
 * `step`, `addNoise` and `scaleModelInput` return new tensors the caller owns and dispose
 * nothing they are given. A static `fromConfig(config)` builds a scheduler from any other's
 * `getConfig()`, ignoring fields it does not know.
 */
export interface Scheduler<Config extends SchedulerConfig = SchedulerConfig> {
  /** The merged, validated configuration (frozen). */
  readonly config: Readonly<Config>;
  /** Inference timesteps, descending; empty until `setTimesteps` is called. */
  readonly timesteps: Int32Array;
  /** Standard deviation of the initial noise (1 for DDPM/DDIM, σ_max for Karras-type samplers). */
  readonly initNoiseSigma: number;
  /** Model evaluations per timestep (1 for first-order samplers). */
  readonly order: number;
  /** Chooses `numInferenceSteps` timesteps for sampling; throws when it exceeds numTrainTimesteps. */
  setTimesteps(numInferenceSteps: number): void;
  /** One reverse step from x_t to x_{t−1}, given the model's output at `timestep`. */
  step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor, options?: SchedulerStepOptions): SchedulerOutput;
  /** The forward process q(x_t | x₀): √ᾱ_t x₀ + √(1−ᾱ_t) ε, one timestep per batch element. */
  addNoise(originalSamples: tf.Tensor, noise: tf.Tensor, timesteps: tf.Tensor1D | Int32Array): tf.Tensor;
  /** Scales the model input for samplers that need it (Karras-type: x / √(σ² + 1)); others return a copy. */
  scaleModelInput(sample: tf.Tensor, timestep: number): tf.Tensor;
  /** A plain copy of `config` to pass to another scheduler's `fromConfig`. */
  getConfig(): Config;
}

/**
 * Merges `config` over `defaults`, validates the shared fields and freezes the result: what a
 * scheduler's constructor does with its argument. Fields not in `defaults` are rejected, so a
 * typo does not silently fall back to a default.
 */
export function resolveSchedulerConfig<Config extends SchedulerConfig>(
  defaults: Readonly<Config>,
  config: Partial<NoInfer<Config>> = {},
): Readonly<Config> {
  for (const key of Object.keys(config)) {
    if (!(key in defaults)) {
      throw new InvalidArgumentError(`config.${key}`, (config as Record<string, unknown>)[key], `is not a field of this scheduler's config (fields: ${Object.keys(defaults).join(', ')})`);
    }
  }
  const merged = { ...defaults } as Config;
  for (const [key, value] of Object.entries(config)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  validateSchedulerConfig(merged);
  if (merged.trainedBetas != null) merged.trainedBetas = Object.freeze([...merged.trainedBetas]);
  return Object.freeze(merged);
}

/** Throws a one-line InvalidArgumentError for the first invalid shared field of `config`. */
export function validateSchedulerConfig(config: SchedulerConfig): void {
  const { numTrainTimesteps, betaSchedule: schedule, betaStart, betaEnd, trainedBetas } = config;
  if (!Number.isInteger(numTrainTimesteps) || numTrainTimesteps < 2) {
    throw new InvalidArgumentError('config.numTrainTimesteps', numTrainTimesteps, 'must be an integer >= 2');
  }
  if (!BETA_SCHEDULES.includes(schedule)) {
    throw new InvalidArgumentError('config.betaSchedule', schedule, `must be one of ${describeValue(BETA_SCHEDULES)}`);
  }
  if (typeof betaStart !== 'number' || !(betaStart > 0 && betaStart < 1)) {
    throw new InvalidArgumentError('config.betaStart', betaStart, 'must be a number in (0, 1)');
  }
  if (typeof betaEnd !== 'number' || !(betaEnd > 0 && betaEnd < 1)) {
    throw new InvalidArgumentError('config.betaEnd', betaEnd, 'must be a number in (0, 1)');
  }
  if (trainedBetas != null) {
    if (!Array.isArray(trainedBetas) || trainedBetas.length !== numTrainTimesteps) {
      throw new InvalidArgumentError('config.trainedBetas', trainedBetas, `must be null or an array of numTrainTimesteps (${numTrainTimesteps}) numbers`);
    }
    const bad = trainedBetas.findIndex((beta) => !(beta > 0 && beta <= 1));
    if (bad >= 0) throw new InvalidArgumentError(`config.trainedBetas[${bad}]`, trainedBetas[bad], 'must be a number in (0, 1]');
  }
  if (!PREDICTION_TYPES.includes(config.predictionType)) {
    throw new InvalidArgumentError('config.predictionType', config.predictionType, `must be one of ${describeValue(PREDICTION_TYPES)}`);
  }
  if (!TIMESTEP_SPACINGS.includes(config.timestepSpacing)) {
    throw new InvalidArgumentError('config.timestepSpacing', config.timestepSpacing, `must be one of ${describeValue(TIMESTEP_SPACINGS)}`);
  }
  if (!Number.isInteger(config.stepsOffset) || config.stepsOffset < 0) {
    throw new InvalidArgumentError('config.stepsOffset', config.stepsOffset, 'must be an integer >= 0');
  }
  for (const key of ['rescaleBetasZeroSnr', 'clipSample', 'thresholding'] as const) {
    if (typeof config[key] !== 'boolean') throw new InvalidArgumentError(`config.${key}`, config[key], 'must be true or false');
  }
  if (typeof config.clipSampleRange !== 'number' || !(config.clipSampleRange > 0) || !Number.isFinite(config.clipSampleRange)) {
    throw new InvalidArgumentError('config.clipSampleRange', config.clipSampleRange, 'must be a finite number > 0');
  }
  const ratio = config.dynamicThresholdingRatio;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) {
    throw new InvalidArgumentError('config.dynamicThresholdingRatio', ratio, 'must be a number in (0, 1]');
  }
  if (typeof config.sampleMaxValue !== 'number' || !(config.sampleMaxValue >= 1) || !Number.isFinite(config.sampleMaxValue)) {
    throw new InvalidArgumentError('config.sampleMaxValue', config.sampleMaxValue, 'must be a finite number >= 1');
  }
}

/**
 * The betas a config describes, in float64: `trainedBetas` if given, else the named schedule,
 * then the zero-terminal-SNR rescale when `rescaleBetasZeroSnr` is set.
 */
export function betasFromConfig(config: SchedulerConfig): Float64Array {
  const betas =
    config.trainedBetas != null
      ? Float64Array.from(config.trainedBetas)
      : betaSchedule(config.betaSchedule, config);
  return config.rescaleBetasZeroSnr ? rescaleZeroTerminalSnr(betas) : betas;
}
