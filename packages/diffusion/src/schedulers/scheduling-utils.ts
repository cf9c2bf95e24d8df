// Plumbing shared by the scheduler files (diffusers keeps the same helpers in scheduling_utils.py
// and copies the rest with "# Copied from" markers). The mathematics of each algorithm stays in
// its own scheduling-*.ts file; what lives here is bookkeeping that must behave identically in
// every scheduler: config intake, argument checks, step-index tracking, x₀ post-processing
// (clipping / dynamic thresholding) and the training-time noise schedule lookups.
import * as tf from '@tensorflow/tfjs-core';
import { alphasCumprod, betasFromConfig, InvalidArgumentError, karrasSigmas, spacedTimesteps } from '@gen/core';
import type { Generator, SchedulerConfig, SchedulerStepOptions } from '@gen/core';

/**
 * The fields of `config` that `defaults` knows, so `X.fromConfig(other.getConfig())` takes the
 * shared fields (betas, prediction type, spacing, …) and ignores the other scheduler's own
 * (diffusers' `from_config` does the same).
 */
export function knownConfigFields<Config extends SchedulerConfig>(defaults: Readonly<Config>, config: object): Partial<Config> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new InvalidArgumentError('config', config, "must be an object (another scheduler's getConfig())");
  }
  const picked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key in defaults) picked[key] = value;
  }
  return picked as Partial<Config>;
}

/** A plain, mutable deep-enough copy of a frozen config (arrays copied). */
export function copyConfig<Config extends SchedulerConfig>(config: Readonly<Config>): Config {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) out[key] = Array.isArray(value) ? [...value] : value;
  return out as Config;
}

/** A short one-line rendering of a list, as @gen/core's error messages write values (`["a", "b"]`). */
export function describeList(values: readonly unknown[]): string {
  const shown = values.slice(0, 8).map((value) => (typeof value === 'string' ? JSON.stringify(value) : String(value)));
  return `[${shown.join(', ')}${values.length > 8 ? `, … ${values.length} items` : ''}]`;
}

/** Throws unless `value` is one of `allowed` (`config.<name> ("x") must be one of [...]`). */
export function checkOneOf<T>(name: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) throw new InvalidArgumentError(name, value, `must be one of ${describeList(allowed)}`);
}

/** Throws unless `value` is true or false. */
export function checkBoolean(name: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new InvalidArgumentError(name, value, 'must be true or false');
}

/** Checks `numInferenceSteps` against the training steps, with the messages every scheduler shares. */
export function checkNumInferenceSteps(numInferenceSteps: number, numTrainTimesteps: number): void {
  if (typeof numInferenceSteps !== 'number' || !Number.isInteger(numInferenceSteps) || numInferenceSteps < 1) {
    throw new InvalidArgumentError('numInferenceSteps', numInferenceSteps, 'must be an integer >= 1');
  }
  if (numInferenceSteps > numTrainTimesteps) {
    throw new InvalidArgumentError('numInferenceSteps', numInferenceSteps, `cannot exceed config.numTrainTimesteps (${numTrainTimesteps})`);
  }
}

/**
 * ᾱ_t of the training process, float64. With `clampZeroTerminal`, a zero-terminal-SNR schedule's
 * ᾱ_T = 0 becomes 2⁻²⁴ so σ_T = √((1−ᾱ)/ᾱ) stays finite (diffusers' Euler / DPM-Solver / UniPC).
 */
export function trainAlphasCumprod(config: SchedulerConfig, { clampZeroTerminal = false } = {}): Float64Array {
  const alphaBar = alphasCumprod(betasFromConfig(config));
  if (clampZeroTerminal && config.rescaleBetasZeroSnr) alphaBar[alphaBar.length - 1] = 2 ** -24;
  return alphaBar;
}

/** σ_t = √((1 − ᾱ_t)/ᾱ_t), the variance-exploding noise level of each training step (Karras et al. 2022, Table 1). */
export function sigmasOf(alphaBar: Float64Array): Float64Array {
  return Float64Array.from(alphaBar, (a) => Math.sqrt((1 - a) / a));
}

/**
 * The fractional training timestep whose σ is `sigma`, by linear interpolation in log σ
 * (diffusers' `_sigma_to_t`); `logSigmas` ascending in t.
 */
export function sigmaToT(sigma: number, logSigmas: Float64Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  let low = 0;
  for (let i = 0; i < logSigmas.length; i++) if (logSigma - logSigmas[i] >= 0) low = i;
  low = Math.min(low, logSigmas.length - 2);
  const high = low + 1;
  const weight = Math.min(1, Math.max(0, (logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[high])));
  return (1 - weight) * low + weight * high;
}

/**
 * Karras et al. 2022 (eq. 5) noise levels between `sigmaMin` and `sigmaMax` and the integer
 * training timesteps nearest them (in log σ), as diffusers' `use_karras_sigmas`. The model is
 * fed the rounded timestep; the solver uses the exact σ.
 */
export function karrasSchedule(numInferenceSteps: number, sigmaMin: number, sigmaMax: number, trainSigmas: Float64Array): { sigmas: Float64Array; timesteps: Int32Array } {
  const sigmas = karrasSigmas({ numSteps: numInferenceSteps, sigmaMin, sigmaMax, rho: 7 });
  const logSigmas = trainSigmas.map(Math.log);
  const timesteps = Int32Array.from(sigmas, (sigma) => roundHalfToEven(sigmaToT(sigma, logSigmas)));
  return { sigmas, timesteps };
}

/**
 * Timesteps and σ of the single-step σ-samplers (Euler, Euler ancestral, Heun): core's
 * `spacedTimesteps` and σ at those (integer) timesteps, or with `karras` the Karras et al. noise
 * levels between the last and first of them. diffusers' 'linspace' uses fractional timesteps and
 * interpolated σ; core's `Scheduler.timesteps` is an Int32Array, so ours are rounded and σ is read
 * at the rounded timestep, which keeps what the model is told and the σ the solver uses identical.
 */
export function sigmaSchedule(numInferenceSteps: number, config: SchedulerConfig, trainSigmas: Float64Array, karras: boolean): { sigmas: Float64Array; timesteps: Int32Array } {
  const timesteps = spacedTimesteps({
    numInferenceSteps,
    numTrainTimesteps: config.numTrainTimesteps,
    timestepSpacing: config.timestepSpacing,
    stepsOffset: config.stepsOffset,
  });
  const sigmas = Float64Array.from(timesteps, (t) => trainSigmas[t]);
  if (!karras) return { sigmas, timesteps };
  return karrasSchedule(numInferenceSteps, sigmas[sigmas.length - 1], sigmas[0], trainSigmas);
}

/** numpy.round: halves go to the even neighbour. */
export function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The timesteps of diffusers' multistep solvers (DPM-Solver, UniPC), which space n + 1 points and
 * drop the last (t = 0) so the final step can go to σ = 0:
 * linspace: round(linspace(0, T−1, n+1))[::-1][:-1]; leading: (i·⌊T/(n+1)⌋ for i = n … 1) + offset;
 * trailing: round(T − i·T/n) − 1 for i = 0 … n−1.
 */
export function multistepTimesteps(numInferenceSteps: number, config: SchedulerConfig): Int32Array {
  const { numTrainTimesteps: T, timestepSpacing, stepsOffset } = config;
  const n = numInferenceSteps;
  const out = new Int32Array(n);
  if (timestepSpacing === 'linspace') {
    const step = (T - 1) / n;
    for (let i = 0; i < n; i++) out[i] = roundHalfToEven((n - i) * step);
    out[0] = T - 1;
  } else if (timestepSpacing === 'leading') {
    const stepRatio = Math.floor(T / (n + 1));
    for (let i = 0; i < n; i++) out[i] = (n - i) * stepRatio + stepsOffset;
    if (out[0] >= T) {
      throw new InvalidArgumentError('config.stepsOffset', stepsOffset, `puts the first timestep (${out[0]}) past numTrainTimesteps − 1 (${T - 1})`);
    }
  } else {
    const stepRatio = T / n;
    for (let i = 0; i < n; i++) out[i] = roundHalfToEven(T - i * stepRatio) - 1;
  }
  return out;
}

/**
 * The index of `timestep` in `timesteps` where a sampling loop starts: the first occurrence, or
 * the second when it occurs twice (Heun's repeated timesteps: the second is a first-order stage),
 * as diffusers' `index_for_timestep`.
 */
export function indexForTimestep(timesteps: Int32Array, timestep: number, owner: string): number {
  const first = timesteps.indexOf(timestep);
  if (first < 0) throw notInSchedule(timesteps, timestep, owner);
  const second = timesteps.indexOf(timestep, first + 1);
  return second >= 0 ? second : first;
}

function notInSchedule(timesteps: Int32Array, timestep: number, owner: string): InvalidArgumentError {
  if (timesteps.length === 0) {
    return new InvalidArgumentError('timestep', timestep, `cannot be stepped: call ${owner}.setTimesteps(numInferenceSteps) first`);
  }
  return new InvalidArgumentError('timestep', timestep, `is not one of ${owner}'s timesteps ${describeList(Array.from(timesteps))}`);
}

/**
 * Tracks the step index of a scheduler whose state advances one entry of `timesteps` per `step`
 * (diffusers' `_step_index`): found from the first timestep given, then counted, and each later
 * timestep must be the next one of the schedule.
 */
export function nextStepIndex(timesteps: Int32Array, stepIndex: number | null, timestep: number, owner: string): number {
  if (typeof timestep !== 'number' || !Number.isFinite(timestep)) {
    throw new InvalidArgumentError('timestep', timestep, 'must be a number from scheduler.timesteps');
  }
  if (stepIndex === null) return indexForTimestep(timesteps, timestep, owner);
  if (stepIndex >= timesteps.length) {
    throw new InvalidArgumentError('timestep', timestep, `comes after the last of ${owner}'s ${timesteps.length} timesteps: call setTimesteps() or reset() before sampling again`);
  }
  if (timesteps[stepIndex] !== timestep) {
    throw new InvalidArgumentError('timestep', timestep, `is not the next timestep of ${owner} (${timesteps[stepIndex]}, step ${stepIndex}): step through scheduler.timesteps in order, or call reset()`);
  }
  return stepIndex;
}

/** Checks the two tensors a `step` receives. */
export function checkStepTensors(modelOutput: tf.Tensor, sample: tf.Tensor): void {
  if (!(modelOutput instanceof tf.Tensor)) throw new InvalidArgumentError('modelOutput', modelOutput, 'must be a tf.Tensor');
  if (!(sample instanceof tf.Tensor)) throw new InvalidArgumentError('sample', sample, 'must be a tf.Tensor');
  if (!tf.util.arraysEqual(modelOutput.shape, sample.shape)) {
    throw new InvalidArgumentError('modelOutput', modelOutput, `must have the shape of sample [${sample.shape.join(', ')}]`);
  }
}

/** The generator of a stochastic step; one-line error naming the scheduler when it is missing. */
export function requireGenerator(options: SchedulerStepOptions | undefined, owner: string, why: string): Generator {
  const generator = options?.generator;
  if (generator == null || typeof (generator as Generator).normal !== 'function') {
    throw new InvalidArgumentError('options.generator', generator, `is required: ${owner}.step ${why} (pass { generator: new Generator(seed) })`);
  }
  return generator;
}

/**
 * Clips (`clipSample`) or dynamically thresholds (`thresholding`) a predicted x₀, as diffusers'
 * schedulers do before using it. Thresholding takes precedence, as in diffusers' DDPM/DDIM.
 */
export function processPredictedOriginal(x0: tf.Tensor, config: SchedulerConfig): tf.Tensor {
  if (config.thresholding) return thresholdSample(x0, config.dynamicThresholdingRatio, config.sampleMaxValue);
  if (config.clipSample) return tf.clipByValue(x0, -config.clipSampleRange, config.clipSampleRange);
  return x0;
}

/**
 * Dynamic thresholding (Saharia et al. 2022, Imagen §2.3): per batch element, s = the
 * `ratio`-quantile of |x₀| (torch.quantile's linear interpolation) clamped to [1, maxValue];
 * x₀ ← clip(x₀, −s, s) / s. Dimension 0 is the batch.
 */
export function thresholdSample(x0: tf.Tensor, ratio: number, maxValue: number): tf.Tensor {
  if (x0.rank < 2) {
    throw new InvalidArgumentError('sample', x0, 'must have a batch dimension (rank >= 2) for dynamic thresholding');
  }
  return tf.tidy(() => {
    const batch = x0.shape[0];
    const size = x0.size / batch;
    const flat = tf.reshape(x0, [batch, size]);
    // 1. Sort |x₀| per row (descending, so ascending rank i sits at column size − 1 − i).
    const sorted = tf.topk(tf.abs(flat), size, true).values;
    // 2. s = quantile(|x₀|, ratio) with linear interpolation between the neighbouring ranks.
    const position = ratio * (size - 1);
    const lower = Math.floor(position);
    const upper = Math.min(Math.ceil(position), size - 1);
    const fraction = position - lower;
    const atLower = tf.slice(sorted, [0, size - 1 - lower], [batch, 1]);
    const atUpper = tf.slice(sorted, [0, size - 1 - upper], [batch, 1]);
    const quantile = tf.add(atLower, tf.mul(tf.sub(atUpper, atLower), fraction));
    // 3. Clamp s to [1, sampleMaxValue]; s = 1 is plain clipping to [−1, 1].
    const s = tf.clipByValue(quantile, 1, maxValue);
    // 4. Threshold to [−s, s] and rescale by 1/s.
    const thresholded = tf.div(tf.minimum(tf.maximum(flat, tf.neg(s)), s), s);
    return tf.reshape(thresholded, x0.shape);
  });
}

/** Timesteps given to `addNoise` as plain integers, checked against the training range and the batch. */
function timestepList(timesteps: tf.Tensor1D | Int32Array, batch: number, numTrainTimesteps: number): Int32Array | tf.Tensor1D {
  if (timesteps instanceof tf.Tensor) {
    if (timesteps.rank !== 1 || timesteps.size !== batch || timesteps.dtype !== 'int32') {
      throw new InvalidArgumentError('timesteps', timesteps, `must be an int32 tensor of shape [${batch}] (one timestep per batch element)`);
    }
    return timesteps;
  }
  if (!(timesteps instanceof Int32Array) || timesteps.length !== batch) {
    throw new InvalidArgumentError('timesteps', timesteps instanceof Int32Array ? Array.from(timesteps) : timesteps, `must be an Int32Array of length ${batch} (one timestep per batch element)`);
  }
  const bad = timesteps.findIndex((t) => t < 0 || t >= numTrainTimesteps);
  if (bad >= 0) throw new InvalidArgumentError(`timesteps[${bad}]`, timesteps[bad], `must be in [0, ${numTrainTimesteps - 1}]`);
  return timesteps;
}

/**
 * Per-batch-element coefficients `table[t]` broadcast against a sample of rank `rank`
 * (shape [B, 1, …, 1]). Tensor timesteps are gathered on the device (no read-back).
 */
export function gatherCoefficients(table: Float64Array, timesteps: tf.Tensor1D | Int32Array, sample: tf.Tensor, numTrainTimesteps: number): tf.Tensor {
  if (!(sample instanceof tf.Tensor) || sample.rank < 1) throw new InvalidArgumentError('originalSamples', sample, 'must be a tf.Tensor with a batch dimension');
  const batch = sample.shape[0];
  const list = timestepList(timesteps, batch, numTrainTimesteps);
  const shape = [batch, ...new Array(sample.rank - 1).fill(1)];
  if (list instanceof tf.Tensor) return tf.reshape(tf.gather(tf.tensor1d(Float32Array.from(table)), list), shape);
  return tf.tensor(Float32Array.from(list, (t) => table[t]), shape);
}

/**
 * The forward process q(x_t | x₀) = N(√ᾱ_t x₀, (1 − ᾱ_t) I) (Ho et al. 2020, eq. 4):
 * x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε, one timestep per batch element.
 */
export function addNoiseVariancePreserving(originalSamples: tf.Tensor, noise: tf.Tensor, timesteps: tf.Tensor1D | Int32Array, alphaBar: Float64Array): tf.Tensor {
  checkNoiseShape(originalSamples, noise);
  return tf.tidy(() => {
    const signal = gatherCoefficients(alphaBar.map(Math.sqrt), timesteps, originalSamples, alphaBar.length);
    const scale = gatherCoefficients(alphaBar.map((a) => Math.sqrt(1 - a)), timesteps, originalSamples, alphaBar.length);
    return tf.add(tf.mul(signal, originalSamples), tf.mul(scale, noise));
  });
}

/**
 * The same forward process in the variance-exploding scale of the σ-samplers (Euler, Heun):
 * x_t / √ᾱ_t = x₀ + σ_t ε with σ_t = √((1 − ᾱ_t)/ᾱ_t) (Karras et al. 2022, Table 1).
 */
export function addNoiseVarianceExploding(originalSamples: tf.Tensor, noise: tf.Tensor, timesteps: tf.Tensor1D | Int32Array, sigmaOfTimestep: Float64Array): tf.Tensor {
  checkNoiseShape(originalSamples, noise);
  return tf.tidy(() => {
    const sigma = gatherCoefficients(sigmaOfTimestep, timesteps, originalSamples, sigmaOfTimestep.length);
    return tf.add(originalSamples, tf.mul(sigma, noise));
  });
}

function checkNoiseShape(originalSamples: tf.Tensor, noise: tf.Tensor): void {
  if (!(originalSamples instanceof tf.Tensor)) throw new InvalidArgumentError('originalSamples', originalSamples, 'must be a tf.Tensor');
  if (!(noise instanceof tf.Tensor) || !tf.util.arraysEqual(noise.shape, originalSamples.shape)) {
    throw new InvalidArgumentError('noise', noise, `must be a tf.Tensor of the shape of originalSamples [${originalSamples.shape.join(', ')}]`);
  }
}

/** Solves the small dense system A x = b by Gaussian elimination with partial pivoting (UniPC's R ρ = b). */
export function solveLinearSystem(matrix: number[][], rhs: number[]): number[] {
  const n = rhs.length;
  const a = matrix.map((row, i) => [...row, rhs[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) pivot = row;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let row = col + 1; row < n; row++) {
      const factor = a[row][col] / a[col][col];
      for (let k = col; k <= n; k++) a[row][k] -= factor * a[col][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    let sum = a[row][n];
    for (let k = row + 1; k < n; k++) sum -= a[row][k] * x[k];
    x[row] = sum / a[row][row];
  }
  return x;
}

/** Disposes a kept history tensor if present. */
export function disposeIfTensor(tensor: tf.Tensor | null | undefined): void {
  if (tensor != null && !tensor.isDisposed) tensor.dispose();
}
