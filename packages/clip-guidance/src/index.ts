// @gen/clip-guidance: a CLIP-style text–image model trained in tfjs (captions from pixels,
// BPE tokenizer, dual encoder, InfoNCE training, zero-shot classification), and CLIPs converted
// from OpenAI / OpenCLIP checkpoints behind the same interface (ExternalClip).
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
export { BpeTokenizer, PAD_ID, BOS_ID, EOS_ID, SPECIAL_TOKENS, BASE_VOCAB_SIZE, preTokenize, OpenAiClipTokenizer, cleanClipText, START_OF_TEXT, END_OF_TEXT } from './tokenizer';
export type { EncodedBatch, EncodeBatchOptions, TrainBpeOptions, BpeTokenizerJson, OpenAiClipTokenizerOptions } from './tokenizer';
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
export { BaseClip, Clip, tokenTensors, checkTexts } from './clip';
export type { EncodeTextOptions, ClassifyOptions, TextTokenStates, ClipImageShape } from './clip';
export {
  ExternalClip,
  loadExternalClip,
  resolveExternalClipConfig,
  EXTERNAL_CLIP_FORMAT,
  EXTERNAL_CLIP_CONFIG_FILE,
  OPENAI_CLIP_MEAN,
  OPENAI_CLIP_STD,
} from './external-clip';
export type {
  ExternalClipParts,
  ExternalClipSources,
  ExternalModelSource,
  ExternalClipConfig,
  ResolvedExternalClipConfig,
  ExternalImageTowerConfig,
  ExternalTextTowerConfig,
  ExternalTokenizerConfig,
  ExternalModelKind,
  ImageLayout,
  GraphModelLike,
  LayersModelLike,
  ExternalTowerModel,
} from './external-clip';
export { saveClip, loadClip, clipCheckpointConfig, CLIP_FAMILY } from './clip-checkpoint';
export type { SaveClipOptions, LoadedClip, ClipCheckpointTarget } from './clip-checkpoint';
export { trainClip, captionGroups } from './train-clip';
export type { TrainClipOptions, TrainClipResult, ClipTrainConfig } from './train-clip';
export { zeroShotAccuracy } from './zero-shot-accuracy';
export type { ZeroShotOptions, ZeroShotResult } from './zero-shot-accuracy';
export { clipGuidance, sphericalDistance, shiftImages, drawShifts, fitToClip, viewStatistics, evaluateClipGuidance, checkTarget, checkReferenceImage, targetEmbedding, evaluateReferenceVariations, redrawCopies, rmsDistances, DEFAULT_MAX_REDRAWS } from './guidance';
export type { ClipGuidanceOptions, ClipGuidance, ViewStatistics, ClipTarget, ReferenceImageCheck, EvaluateReferenceVariationsOptions, ReferenceVariationResult, EvaluateClipGuidanceOptions, ClipGuidanceEvaluation, ClipGuidedGenerator, ClipGuidedRequest, RedrawCopiesOptions, RedrawCopiesResult } from './guidance';
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
  ImageVariationsOutput,
  UnclipPipelineOptions,
  UnclipOutput,
  EvaluateUnclipOptions,
  UnclipEvaluation,
  UnclipVariationResult,
} from './unclip';
