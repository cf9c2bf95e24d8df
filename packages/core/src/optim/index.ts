// Public API of the optim module (explicit named exports only).
export { Adam } from './adam';
export type { AdamOptions } from './adam';
export { AdamW } from './adamw';
export type { AdamWOptions } from './adamw';
export { clipGradNorm } from './clip-grad-norm';
export type { ClippedGrads } from './clip-grad-norm';
export { EMA } from './ema';
export type { EMAOptions, EMAWarmup } from './ema';
export { constantLr, linearWarmupLr, cosineWithWarmupLr } from './lr-schedules';
export type { LearningRateSchedule, LinearWarmupLrOptions, CosineWithWarmupLrOptions } from './lr-schedules';
