// Public API of the losses module (explicit named exports only), exported from @gen/core
// as the `losses` namespace: `losses.hingeDiscriminatorLoss(real, fake)`.
export {
  nonSaturatingDiscriminatorLoss,
  nonSaturatingGeneratorLoss,
  hingeDiscriminatorLoss,
  hingeGeneratorLoss,
  wassersteinCriticLoss,
  wassersteinGeneratorLoss,
  leastSquaresDiscriminatorLoss,
  leastSquaresGeneratorLoss,
  gradientPenalty,
  r1Penalty,
} from './gan';
export type {
  GanLossOptions,
  LeastSquaresLossOptions,
  UniformSource,
  Critic,
  GradientPenaltyOptions,
  R1PenaltyOptions,
} from './gan';
export { bernoulliNll, gaussianNll, discretizedLogisticNll, klStandardNormal, klNormal } from './vae';
export type { VaeLossOptions, DiscretizedLogisticOptions } from './vae';
export { predictionTarget, snrFromAlphaBar, minSnrWeights, weightedMse, diffusionLoss } from './diffusion';
export type { PredictionType, WeightedMseOptions, DiffusionLossOptions } from './diffusion';
export { infoNce } from './contrastive';
export type { InfoNceOptions } from './contrastive';
export { registerSecondOrderGradients, secondOrderGradientKernels } from './second-order-gradients';
