// KL weights β as pure functions of the training step (β-VAE, Higgins et al. 2017; KL
// warm-up, Bowman et al. 2016 / Sønderby et al. 2016; cyclical annealing, Fu et al. 2019).
// Pure: the same step always gives the same β, so a resumed run continues exactly.
import { InvalidArgumentError } from '@gen/core';
import { checkNonNegativeNumber, checkPositiveInteger, checkNonNegativeInteger } from './validate';

/** β for the update at `step` (updates already applied, 0 for the first). */
export type BetaSchedule = (step: number) => number;

export interface LinearBetaWarmupOptions {
  /** Updates over which β ramps from `start` to `end`. */
  warmupSteps: number;
  /** β before and at the start of the ramp. Default 0. */
  start?: number;
  /** β after the ramp. Default 1. */
  end?: number;
  /** Updates held at `start` before the ramp begins. Default 0. */
  delaySteps?: number;
}

export interface CyclicalBetaOptions {
  /** Length of one cycle in updates. */
  cycleSteps: number;
  /** Fraction of each cycle spent ramping from `min` to `max` (the rest stays at `max`). Default 0.5. */
  rampFraction?: number;
  /** Default 0. */
  min?: number;
  /** Default 1. */
  max?: number;
}

/** A JSON description of a schedule (what a CLI flag or a checkpoint config holds). */
export type BetaScheduleSpec =
  | number
  | { kind: 'constant'; value: number }
  | ({ kind: 'linear' } & LinearBetaWarmupOptions)
  | ({ kind: 'cyclical' } & CyclicalBetaOptions);

function checkStep(step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) throw new InvalidArgumentError('step', step, 'must be an integer >= 0');
}

/** The same β at every step (β = 1: the plain ELBO; β > 1: β-VAE). */
export function constantBeta(value: number): BetaSchedule {
  checkNonNegativeNumber('beta', value);
  return (step) => {
    checkStep(step);
    return value;
  };
}

/** KL warm-up: β(s) = start + (end − start) · clamp((s − delaySteps) / warmupSteps, 0, 1). */
export function linearBetaWarmup({ warmupSteps, start = 0, end = 1, delaySteps = 0 }: LinearBetaWarmupOptions): BetaSchedule {
  checkPositiveInteger('warmupSteps', warmupSteps);
  checkNonNegativeNumber('start', start);
  checkNonNegativeNumber('end', end);
  checkNonNegativeInteger('delaySteps', delaySteps);
  return (step) => {
    checkStep(step);
    const progress = Math.min(1, Math.max(0, (step - delaySteps) / warmupSteps));
    return start + (end - start) * progress;
  };
}

/**
 * Cyclical annealing (Fu et al. 2019, eq. 5): within each cycle of `cycleSteps` updates, β
 * rises linearly from `min` to `max` over the first `rampFraction` of the cycle, then holds.
 */
export function cyclicalBeta({ cycleSteps, rampFraction = 0.5, min = 0, max = 1 }: CyclicalBetaOptions): BetaSchedule {
  checkPositiveInteger('cycleSteps', cycleSteps);
  if (typeof rampFraction !== 'number' || !(rampFraction > 0 && rampFraction <= 1)) {
    throw new InvalidArgumentError('rampFraction', rampFraction, 'must be a number in (0, 1]');
  }
  checkNonNegativeNumber('min', min);
  checkNonNegativeNumber('max', max);
  return (step) => {
    checkStep(step);
    const position = (step % cycleSteps) / cycleSteps;
    return min + (max - min) * Math.min(1, position / rampFraction);
  };
}

/** Builds a schedule from a function, a number (constant) or a {@link BetaScheduleSpec}. */
export function betaSchedule(spec: BetaSchedule | BetaScheduleSpec): BetaSchedule {
  if (typeof spec === 'function') return spec;
  if (typeof spec === 'number') return constantBeta(spec);
  switch (spec?.kind) {
    case 'constant':
      return constantBeta(spec.value);
    case 'linear':
      return linearBetaWarmup(spec);
    case 'cyclical':
      return cyclicalBeta(spec);
    default:
      throw new InvalidArgumentError('beta', spec, "must be a number, a function of the step, or { kind: 'constant' | 'linear' | 'cyclical', … }");
  }
}
