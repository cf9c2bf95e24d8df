// @gen/transformer: autoregressive text-to-image transformers over discrete image tokens
// (DALL·E style): the model, key/value-cached sampling, training and CLIP re-ranking.
export { version } from './version';
export { DalleTransformer, dalleConfig } from './model/dalle-transformer';
export type { DalleConfig, PartialDalleConfig, DalleLogits } from './model/dalle-transformer';
export { KeyValueCache } from './model/key-value-cache';
export { samplingDistribution, sampleFromDistribution, checkSamplingOptions } from './sampling/sampling-distribution';
export type { SamplingOptions } from './sampling/sampling-distribution';
export { generateTokens } from './sampling/generate-tokens';
export type { GenerateTokensOptions } from './sampling/generate-tokens';
export { encodePrompts } from './text/encode-prompts';
export { checkImageTokenizer } from './image-tokenizer';
export type { ImageTokenizer } from './image-tokenizer';
export { trainDalle, tokenCrossEntropy } from './train-dalle';
export type { TrainDalleOptions, TrainDalleResult, TokenPairs } from './train-dalle';
export { saveDalle, loadDalle, dalleCheckpointConfig, DALLE_FAMILY } from './dalle-checkpoint';
export type { SaveDalleOptions, LoadedDalle, DalleCheckpointTarget } from './dalle-checkpoint';
export { rerank } from './pipeline/rerank';
export type { RerankOptions, RerankResult } from './pipeline/rerank';
export { generateImages } from './pipeline/generate-images';
export type { GenerateImagesOptions, GeneratedImages } from './pipeline/generate-images';
export { generateForPrompts } from './pipeline/generate-for-prompts';
export type { GenerateForPromptsOptions, PromptedImages } from './pipeline/generate-for-prompts';
export { nullTextRows, corruptTextRows } from './text/text-rows';
export type { TextCorruption } from './text/text-rows';
