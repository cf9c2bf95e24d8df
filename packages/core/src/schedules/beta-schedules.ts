import { describeValue, InvalidArgumentError } from '../errors';

/** The beta schedules of a diffusion process, named as diffusers' `beta_schedule` config values. */
export type BetaScheduleName = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2' | 'sigmoid';

/** The schedule names {@link betaSchedule} accepts. */
export const BETA_SCHEDULES: readonly BetaScheduleName[] = Object.freeze([
  'linear',
  'scaled_linear',
  'squaredcos_cap_v2',
  'sigmoid',
]);

/** Options of {@link betaSchedule}. */
export interface BetaScheduleOptions {
  /** Number of diffusion steps T (length of the result). */
  numTrainTimesteps: number;
  /** β₁ of the linear-type schedules. Default 0.0001. */
  betaStart?: number;
  /** β_T of the linear-type schedules. Default 0.02. */
  betaEnd?: number;
}

/**
 * Linearly spaced betas from betaStart to betaEnd (Ho et al. 2020, §4: 1e-4 to 0.02, T = 1000).
 * All schedules return float64.
 */
export function linearBetas(numTrainTimesteps: number, betaStart = 0.0001, betaEnd = 0.02): Float64Array {
  checkTimesteps(numTrainTimesteps);
  checkBetaRange(betaStart, betaEnd);
  return linspace(betaStart, betaEnd, numTrainTimesteps);
}

/**
 * Betas whose square roots are linearly spaced: β_t = (√β₁ + (t−1)/(T−1)·(√β_T − √β₁))² — the
 * schedule of latent diffusion / Stable Diffusion (betaStart 0.00085, betaEnd 0.012).
 */
export function scaledLinearBetas(numTrainTimesteps: number, betaStart = 0.00085, betaEnd = 0.012): Float64Array {
  checkTimesteps(numTrainTimesteps);
  checkBetaRange(betaStart, betaEnd);
  return linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), numTrainTimesteps).map((r) => r * r);
}

/**
 * Betas of a continuous ᾱ(t), t ∈ [0, 1]: β_i = min(1 − ᾱ((i+1)/T) / ᾱ(i/T), maxBeta) for
 * i = 0 … T−1 (Nichol & Dhariwal 2021, eq. 17 and the clipping that follows it).
 */
export function betasForAlphaBar(numTrainTimesteps: number, alphaBar: (t: number) => number, maxBeta = 0.999): Float64Array {
  checkTimesteps(numTrainTimesteps);
  if (typeof maxBeta !== 'number' || !(maxBeta > 0 && maxBeta <= 1)) {
    throw new InvalidArgumentError('maxBeta', maxBeta, 'must be a number in (0, 1]');
  }
  const betas = new Float64Array(numTrainTimesteps);
  for (let i = 0; i < numTrainTimesteps; i++) {
    const t1 = i / numTrainTimesteps;
    const t2 = (i + 1) / numTrainTimesteps;
    betas[i] = Math.min(1 - alphaBar(t2) / alphaBar(t1), maxBeta);
  }
  return betas;
}

/**
 * The cosine schedule of Nichol & Dhariwal 2021 (eq. 17, diffusers' `squaredcos_cap_v2`):
 * ᾱ(t) = f(t)/f(0) with f(t) = cos²(π/2 · (t + s)/(1 + s)), s = 0.008, and β capped at 0.999.
 * f(0) cancels in the ratio of eq. 17.
 */
export function squaredcosCapV2Betas(numTrainTimesteps: number, { s = 0.008, maxBeta = 0.999 }: { s?: number; maxBeta?: number } = {}): Float64Array {
  if (typeof s !== 'number' || !(s >= 0) || !Number.isFinite(s)) {
    throw new InvalidArgumentError('s', s, 'must be a finite number >= 0');
  }
  return betasForAlphaBar(numTrainTimesteps, (t) => Math.cos(((t + s) / (1 + s)) * (Math.PI / 2)) ** 2, maxBeta);
}

/**
 * Sigmoid-spaced betas (as diffusers' `sigmoid`, from GeoDiff, Xu et al. 2022):
 * β_t = σ(x_t)·(β_T − β₁) + β₁ with x linearly spaced over [−6, 6].
 */
export function sigmoidBetas(numTrainTimesteps: number, betaStart = 0.0001, betaEnd = 0.02): Float64Array {
  checkTimesteps(numTrainTimesteps);
  checkBetaRange(betaStart, betaEnd);
  return linspace(-6, 6, numTrainTimesteps).map((x) => (betaEnd - betaStart) / (1 + Math.exp(-x)) + betaStart);
}

/** Betas of a named schedule (betaStart / betaEnd are ignored by `squaredcos_cap_v2`). */
export function betaSchedule(name: BetaScheduleName, { numTrainTimesteps, betaStart = 0.0001, betaEnd = 0.02 }: BetaScheduleOptions): Float64Array {
  switch (name) {
    case 'linear':
      return linearBetas(numTrainTimesteps, betaStart, betaEnd);
    case 'scaled_linear':
      return scaledLinearBetas(numTrainTimesteps, betaStart, betaEnd);
    case 'squaredcos_cap_v2':
      return squaredcosCapV2Betas(numTrainTimesteps);
    case 'sigmoid':
      return sigmoidBetas(numTrainTimesteps, betaStart, betaEnd);
    default:
      throw new InvalidArgumentError('betaSchedule', name, `must be one of ${describeValue(BETA_SCHEDULES)}`);
  }
}

/** n evenly spaced values from start to end inclusive, in float64 (numpy.linspace). */
export function linspace(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = (end - start) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  out[n - 1] = end;
  return out;
}

function checkTimesteps(numTrainTimesteps: number): void {
  if (!Number.isInteger(numTrainTimesteps) || numTrainTimesteps < 1) {
    throw new InvalidArgumentError('numTrainTimesteps', numTrainTimesteps, 'must be an integer >= 1');
  }
}

function checkBetaRange(betaStart: number, betaEnd: number): void {
  if (typeof betaStart !== 'number' || !(betaStart > 0 && betaStart < 1)) {
    throw new InvalidArgumentError('betaStart', betaStart, 'must be a number in (0, 1)');
  }
  if (typeof betaEnd !== 'number' || !(betaEnd > 0 && betaEnd < 1)) {
    throw new InvalidArgumentError('betaEnd', betaEnd, 'must be a number in (0, 1)');
  }
}
