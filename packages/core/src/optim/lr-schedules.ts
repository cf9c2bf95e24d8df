import { InvalidArgumentError } from '../errors';

/**
 * A learning rate as a pure function of the optimizer step: `step` is the number of updates
 * already applied (0 for the first update), so `schedule(optimizer.stepCount)` is the rate the
 * next `optimizer.step()` uses. Pure: the same step always gives the same rate, which is what
 * makes a resumed run continue exactly.
 */
export type LearningRateSchedule = (step: number) => number;

/** Options of {@link linearWarmupLr}. */
export interface LinearWarmupLrOptions {
  /** Rate reached at the end of warm-up and held afterwards. */
  peak: number;
  /** Number of warm-up updates: update `s` (0-based) uses `peak · (s + 1) / warmupSteps` while `s < warmupSteps`. */
  warmupSteps: number;
}

/** Options of {@link cosineWithWarmupLr}. */
export interface CosineWithWarmupLrOptions extends LinearWarmupLrOptions {
  /** Step at which the cosine reaches `final` (must exceed `warmupSteps`); later steps stay at `final`. */
  totalSteps: number;
  /** Rate at `totalSteps` and after. Default 0. */
  final?: number;
}

/** The same rate at every step. */
export function constantLr(value: number): LearningRateSchedule {
  checkRate('value', value);
  return (step) => {
    checkStep(step);
    return value;
  };
}

/**
 * Linear warm-up to `peak`, then constant: lr(s) = peak · min(1, (s + 1) / warmupSteps).
 * The first update already moves (lr = peak / warmupSteps), unlike schedules that spend it at 0.
 */
export function linearWarmupLr({ peak, warmupSteps }: LinearWarmupLrOptions): LearningRateSchedule {
  checkRate('peak', peak);
  checkSteps('warmupSteps', warmupSteps);
  return (step) => {
    checkStep(step);
    return step < warmupSteps ? (peak * (step + 1)) / warmupSteps : peak;
  };
}

/**
 * Linear warm-up to `peak`, then half-cosine decay to `final` (Loshchilov & Hutter 2017, SGDR
 * eq. 5 without restarts): for s ≥ warmupSteps, with p = min(1, (s − W) / (T − W)),
 * lr(s) = final + (peak − final) · (1 + cos(π p)) / 2.
 */
export function cosineWithWarmupLr({
  peak,
  warmupSteps,
  totalSteps,
  final = 0,
}: CosineWithWarmupLrOptions): LearningRateSchedule {
  checkRate('peak', peak);
  checkSteps('warmupSteps', warmupSteps);
  checkRate('final', final);
  if (!Number.isInteger(totalSteps) || totalSteps <= warmupSteps) {
    throw new InvalidArgumentError('totalSteps', totalSteps, `must be an integer greater than warmupSteps (${warmupSteps})`);
  }
  return (step) => {
    checkStep(step);
    if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
    const progress = Math.min(1, (step - warmupSteps) / (totalSteps - warmupSteps));
    return final + ((peak - final) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}

function checkRate(argument: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(argument, value, 'must be a finite number >= 0');
  }
}

function checkSteps(argument: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(argument, value, 'must be an integer >= 0');
  }
}

function checkStep(step: number): void {
  if (!Number.isInteger(step) || step < 0) {
    throw new InvalidArgumentError('step', step, 'must be an integer >= 0');
  }
}
