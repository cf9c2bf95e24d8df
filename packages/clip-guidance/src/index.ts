// @gen/clip-guidance: a CLIP-style text–image model trained in tfjs (captions from pixels,
// BPE tokenizer, dual encoder, InfoNCE training, zero-shot classification).
export { version } from './version';
export {
  measureImage,
  INK_THRESHOLD,
  ATTRIBUTE_NAMES,
  measureDataset,
  quantile,
  attributeThresholds,
  classifyAttributes,
  classPhrases,
  fillPhrase,
  canonicalPhrase,
  TRAINING_TEMPLATES,
  HELD_OUT_TEMPLATES,
  applyTemplate,
  CaptionCorpus,
  ATTRIBUTE_KINDS,
  ATTRIBUTE_WORDS,
  attributePhrase,
  defaultAttributeKinds,
  checkTemplates,
} from './captions';
export type {
  ImageAttributes,
  AttributeName,
  AttributeThresholds,
  AttributeThresholdOptions,
  AttributeClasses,
  AttributeKind,
  CaptionCorpusOptions,
  CaptionOptions,
} from './captions';
export { BpeTokenizer, PAD_ID, BOS_ID, EOS_ID, SPECIAL_TOKENS, BASE_VOCAB_SIZE, preTokenize } from './tokenizer';
export type { EncodedBatch, EncodeBatchOptions, TrainBpeOptions, BpeTokenizerJson } from './tokenizer';
export {
  ClipModel,
  clipModelConfig,
  l2Normalize,
  ClipTextEncoder,
  textEncoderConfig,
  TEXT_POOLINGS,
  ClipImageEncoder,
  imageEncoderConfig,
  TransformerBlock,
  ModuleList,
} from './model';
export type {
  ClipModelConfig,
  PartialClipModelConfig,
  TextEncoderConfig,
  TextPooling,
  TokenTensors,
  ImageEncoderConfig,
  TransformerBlockOptions,
} from './model';
export { Clip, tokenTensors, checkTexts } from './clip';
export type { EncodeTextOptions, ClassifyOptions, TextTokenStates } from './clip';
export { saveClip, loadClip, clipCheckpointConfig, CLIP_FAMILY } from './clip-checkpoint';
export type { SaveClipOptions, LoadedClip, ClipCheckpointTarget } from './clip-checkpoint';
export { trainClip, captionGroups } from './train-clip';
export type { TrainClipOptions, TrainClipResult, ClipTrainConfig } from './train-clip';
export { zeroShotAccuracy } from './zero-shot-accuracy';
export type { ZeroShotOptions, ZeroShotResult } from './zero-shot-accuracy';
export { clipGuidance, sphericalDistance, shiftImages, drawShifts, fitToClip, viewStatistics, evaluateClipGuidance } from './guidance';
export type { ClipGuidanceOptions, ClipGuidance, ViewStatistics, EvaluateClipGuidanceOptions, ClipGuidanceEvaluation, ClipGuidedGenerator, ClipGuidedRequest } from './guidance';
export { steerLatents, steeringObjective, steerGanLatents, steerVaeLatents, GAN_CLASS_MODES } from './steering';
export type {
  LatentPrior,
  SteeringOptions,
  SteerLatentsOptions,
  SteeringResult,
  SteeringObjective,
  SteerGanLatentsOptions,
  GanSteeringResult,
  GanClassMode,
  SteerVaeLatentsOptions,
  VaeSteeringResult,
  VaeDecoder,
} from './steering';
export {
  trainTextToImage,
  generateFromPrompts,
  evaluateTextToImage,
  classPrompt,
  ATTRIBUTE_PAIRS,
  encodePrompts,
  checkPrompt,
  checkClipFitsUNet,
  checkClipMatchesRecord,
  textEncoderRecordOf,
  TEXT_ENCODER_CONFIG_KEY,
} from './text-to-image';
export type {
  TrainTextToImageOptions,
  TrainTextToImageResult,
  GenerateFromPromptsOptions,
  EvaluateTextToImageOptions,
  TextToImageEvaluation,
  AttributePairResult,
  AttributePairKind,
  TextEncoderRecord,
  CaptionSettings,
} from './text-to-image';
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
  trainUnclipDecoder,
  EmbeddingPrior,
  RegressionPrior,
  DiffusionPrior,
  createPrior,
  priorConfig,
  PRIOR_KINDS,
  savePrior,
  loadPrior,
  priorCheckpointConfig,
  PRIOR_FAMILY,
  trainUnclipPrior,
  evaluateUnclipPrior,
  generateFromImageEmbeddings,
  imageVariations,
  unclipPipeline,
  evaluateUnclip,
  DEFAULT_COPY_THRESHOLD,
} from './unclip';
export type {
  ImageEncoderRecord,
  TrainUnclipDecoderOptions,
  TrainUnclipDecoderResult,
  PriorConfig,
  PriorKind,
  PriorSampleOptions,
  LoadedPrior,
  PriorCheckpointTarget,
  TrainUnclipPriorOptions,
  TrainUnclipPriorResult,
  EvaluateUnclipPriorOptions,
  UnclipPriorEvaluation,
  ImageEmbeddingPipelineOptions,
  ImageVariationsOptions,
  UnclipPipelineOptions,
  UnclipOutput,
  EvaluateUnclipOptions,
  UnclipEvaluation,
  UnclipVariationResult,
} from './unclip';
