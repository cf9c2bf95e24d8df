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
