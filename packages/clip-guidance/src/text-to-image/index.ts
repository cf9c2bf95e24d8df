// Public API of the text-to-image module (explicit named exports only): a UNet conditioned on the
// token states of a frozen CLIP text encoder, trained, sampled and evaluated.
export { trainTextToImage } from './train-text-to-image';
export type { TrainTextToImageOptions, TrainTextToImageResult } from './train-text-to-image';
export { generateFromPrompts } from './generate-from-prompts';
export type { GenerateFromPromptsOptions } from './generate-from-prompts';
export { evaluateTextToImage, classPrompt, ATTRIBUTE_PAIRS } from './evaluate-text-to-image';
export type { EvaluateTextToImageOptions, TextToImageEvaluation, AttributePairResult, AttributePairKind } from './evaluate-text-to-image';
export { encodePrompts, checkPrompt, checkClipFitsUNet, checkClipMatchesRecord, textEncoderRecordOf, TEXT_ENCODER_CONFIG_KEY } from './text-conditioning';
export type { TextEncoderRecord, CaptionSettings } from './text-conditioning';
