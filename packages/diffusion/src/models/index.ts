// Public API of @gen/diffusion's models (explicit named exports only).
export { UNet2DModel, unet2dConfig, TINY_UNET_CONFIG, DEFAULT_UNET_CONFIG } from './unet';
export type { UNet2DConfig, UNet2DConfigInput, UNet2DModelOptions, UNet2DConditioning, UNet2DOutput } from './unet';
export { timestepEmbedding } from './timestep-embedding';
export type { TimestepEmbeddingOptions } from './timestep-embedding';
export { ResnetBlock, Downsample, Upsample } from './resnet-block';
export type { ResnetBlockOptions } from './resnet-block';
export { AttentionBlock } from './attention-block';
export type { AttentionBlockOptions, CrossAttentionInputs } from './attention-block';
export { originalSampleFromPrediction, predictionFromOriginalSample } from './prediction-type';
export type { AlphaBar } from './prediction-type';
