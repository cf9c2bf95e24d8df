// Public API of @gen/diffusion's training (explicit named exports only).
export { trainDiffusion } from './train-diffusion';
export type { HookRecipe, ImageEncoderHook, ImageEncoderFactory } from './parallel-hook';
export type { TrainDiffusionOptions, TrainDiffusionResult, NoiseScheduleOptions, TextConditioning, TextBatch, SampleContext } from './train-diffusion';
