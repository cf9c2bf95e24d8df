// Public API of the captions module (explicit named exports only).
export { measureImage, INK_THRESHOLD, ATTRIBUTE_NAMES } from './image-attributes';
export type { ImageAttributes, AttributeName } from './image-attributes';
export { measureDataset, quantile, attributeThresholds, classifyAttributes } from './attribute-thresholds';
export type { AttributeThresholds, AttributeThresholdOptions, AttributeClasses } from './attribute-thresholds';
export { classPhrases, fillPhrase, canonicalPhrase } from './class-phrases';
export { TRAINING_TEMPLATES, HELD_OUT_TEMPLATES, applyTemplate } from './caption-templates';
export { CaptionCorpus, ATTRIBUTE_KINDS, ATTRIBUTE_WORDS, attributePhrase, defaultAttributeKinds, checkTemplates } from './caption-corpus';
export type { AttributeKind, CaptionCorpusOptions, CaptionOptions } from './caption-corpus';
