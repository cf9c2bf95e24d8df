// Public API of the metrics module (explicit named exports only); @gen/core exports it as `metrics`.
export { classAccuracy } from './class-accuracy';
export type { LabelInput } from './class-accuracy';
export { readFeatures } from './features';
export type { FeatureInput, FeatureMatrix } from './features';
export {
  featureStatistics,
  fidFloor,
  fidWithFloor,
  frechetDistance,
  frechetDistanceFromStatistics,
  statisticsOf,
} from './frechet-distance';
export type { FeatureStatistics, FidFloorOptions, FidWithFloor } from './frechet-distance';
export { kernelInceptionDistance } from './kernel-inception-distance';
export type { KernelInceptionDistance, KernelInceptionDistanceOptions } from './kernel-inception-distance';
export { sqrtmPsd, symmetricEigen } from './symmetric-eigen';
export type { SymmetricEigen, SymmetricEigenOptions } from './symmetric-eigen';
export { FeatureClassifier } from './feature-classifier';
export type { FeatureClassifierConfig, FeatureClassifierOutput } from './feature-classifier';
export { classifierOutputs } from './classifier-outputs';
export type { ClassifierOutputs, ClassifierOutputsOptions, ImageInput } from './classifier-outputs';
export { trainFeatureClassifier, classifierAccuracy } from './train-feature-classifier';
export type {
  FeatureClassifierAugment,
  TrainFeatureClassifierOptions,
  TrainFeatureClassifierResult,
} from './train-feature-classifier';
export {
  FEATURE_CLASSIFIER_FAMILY,
  saveFeatureClassifier,
  loadFeatureClassifier,
  loadFeatureClassifierFrom,
} from './feature-classifier-io';
export type { FeatureClassifierSource, LoadedFeatureClassifier } from './feature-classifier-io';
export { evaluateSamples, SAMPLE_RANGE_TOLERANCE } from './evaluate-samples';
export type { EvaluateSamplesOptions, SampleEvaluation } from './evaluate-samples';
