// Public API of the schedules module (explicit named exports only).
export {
  BETA_SCHEDULES,
  betaSchedule,
  betasForAlphaBar,
  linearBetas,
  scaledLinearBetas,
  sigmoidBetas,
  squaredcosCapV2Betas,
} from './beta-schedules';
export type { BetaScheduleName, BetaScheduleOptions } from './beta-schedules';
export {
  alphasCumprod,
  alphasCumprodFromSigmas,
  karrasSigmas,
  rescaleZeroTerminalSnr,
  sigmasFromAlphasCumprod,
  snrFromAlphasCumprod,
} from './noise-schedule';
export type { Float64Sequence, KarrasSigmasOptions } from './noise-schedule';
export { spacedTimesteps } from './timestep-spacing';
export type { SpacedTimestepsOptions, TimestepSpacing } from './timestep-spacing';
export {
  DEFAULT_SCHEDULER_CONFIG,
  PREDICTION_TYPES,
  TIMESTEP_SPACINGS,
  betasFromConfig,
  resolveSchedulerConfig,
  validateSchedulerConfig,
} from './scheduler';
export type { PredictionType, Scheduler, SchedulerConfig, SchedulerOutput, SchedulerStepOptions } from './scheduler';
