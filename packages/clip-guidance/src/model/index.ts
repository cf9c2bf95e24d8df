// Public API of the model module (explicit named exports only).
export { ClipModel, clipModelConfig, l2Normalize } from './clip-model';
export type { ClipModelConfig, PartialClipModelConfig } from './clip-model';
export { ClipTextEncoder, textEncoderConfig, TEXT_POOLINGS } from './text-encoder';
export type { TextEncoderConfig, TextPooling, TokenTensors } from './text-encoder';
export { ClipImageEncoder, imageEncoderConfig } from './image-encoder';
export type { ImageEncoderConfig } from './image-encoder';
export { TransformerBlock } from './transformer-block';
export type { TransformerBlockOptions } from './transformer-block';
export { ModuleList } from './module-list';
