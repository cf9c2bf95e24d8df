// Public API of @gen/diffusion's training (explicit named exports only).
export { trainDiffusion } from './train-diffusion';
export type { HookRecipe, ImageEncoderHook, ImageEncoderFactory, TextEncoderHook, TextEncoderFactory, TextEncoderContext } from './parallel-hook';
export type { TrainDiffusionOptions, TrainDiffusionResult, NoiseScheduleOptions, TextConditioning, TextBatch, SampleContext } from './train-diffusion';
