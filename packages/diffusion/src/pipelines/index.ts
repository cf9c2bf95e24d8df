// Public API of @gen/diffusion's pipelines (explicit named exports only). Each pipeline is one
// async function whose denoising loop is readable in its file.
export { unconditionalPipeline } from './unconditional';
export type { UnconditionalPipelineOptions } from './unconditional';
export { classConditionalPipeline } from './class-conditional';
export type { ClassConditionalPipelineOptions } from './class-conditional';
export { textToImagePipeline } from './text-to-image';
export type { TextToImagePipelineOptions } from './text-to-image';
export { img2imgPipeline } from './img2img';
export type { Img2ImgPipelineOptions, LatentEncoder } from './img2img';
export { inpaintPipeline } from './inpaint';
export type { InpaintPipelineOptions } from './inpaint';
export { classifierFreeGuidance } from './pipeline-utils';
export type {
  ClassifierFreeGuidanceOptions,
  ConditioningOptions,
  GuidanceContext,
  GuidanceFunction,
  LatentDecoder,
  PipelineOptions,
  PipelineOutput,
  StepCallback,
  StepCallbackContext,
} from './pipeline-utils';
