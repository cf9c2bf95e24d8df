// Public API of the unCLIP module (explicit named exports only): a decoder conditioned on CLIP
// image embeddings, priors from text to image embeddings, text-to-image through both, image
// variations, and their measures.
export {
  imageTokens,
  encodeImageCondition,
  referenceImage,
  clipImageShape,
  checkImageTokens,
  checkClipFitsDecoder,
  checkClipMatchesImageRecord,
  imageEncoderRecordOf,
  IMAGE_ENCODER_CONFIG_KEY,
  DEFAULT_IMAGE_TOKENS,
} from './image-conditioning';
export type { ImageEncoderRecord } from './image-conditioning';
export { trainUnclipDecoder } from './train-unclip-decoder';
export type { TrainUnclipDecoderOptions, TrainUnclipDecoderResult } from './train-unclip-decoder';
export { EmbeddingPrior, RegressionPrior, DiffusionPrior, createPrior, priorConfig, PRIOR_KINDS } from './prior';
export type { PriorConfig, PriorKind, PriorSampleOptions } from './prior';
export { savePrior, loadPrior, priorCheckpointConfig, PRIOR_FAMILY } from './prior-checkpoint';
export type { LoadedPrior, PriorCheckpointTarget } from './prior-checkpoint';
export { trainUnclipPrior } from './train-unclip-prior';
export type { TrainUnclipPriorOptions, TrainUnclipPriorResult } from './train-unclip-prior';
export { evaluateUnclipPrior } from './evaluate-unclip-prior';
export type { EvaluateUnclipPriorOptions, UnclipPriorEvaluation } from './evaluate-unclip-prior';
export { generateFromImageEmbeddings, imageVariations, unclipPipeline } from './unclip-pipeline';
export type { ImageEmbeddingPipelineOptions, ImageVariationsOptions, ImageVariationsOutput, UnclipPipelineOptions, UnclipOutput } from './unclip-pipeline';
export { evaluateUnclip, DEFAULT_COPY_THRESHOLD } from './evaluate-unclip';
export type { EvaluateUnclipOptions, UnclipEvaluation, UnclipVariationResult } from './evaluate-unclip';
