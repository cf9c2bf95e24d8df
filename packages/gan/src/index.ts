// @gen/gan: generative adversarial networks on @gen/core — models (DCGAN, conditional GAN
// with projection discriminator, ACGAN, SNGAN, SAGAN, BigGAN tricks), objectives,
// training (trainGan on core's trainLoop) and sampling. See docs/models/gan.md.
export { version } from './version';

// Models
export { DCGANGenerator, DCGANDiscriminator, dcganGeneratorConfig } from './dcgan';
export type { DCGANGeneratorConfig, DCGANGeneratorOptions, DCGANDiscriminatorConfig, DCGANDiscriminatorOptions } from './dcgan';
export { ConditionalGenerator, ProjectionDiscriminator, conditionalGeneratorConfig, latentChunks } from './conditional-gan';
export type {
  ConditionalGeneratorConfig,
  ConditionalGeneratorOptions,
  ProjectionDiscriminatorConfig,
  ProjectionDiscriminatorOptions,
} from './conditional-gan';
export { ConditionalBatchNorm } from './conditional-batch-norm';
export type { ConditionalBatchNormOptions } from './conditional-batch-norm';
export { SelfAttention } from './self-attention';
export type { SelfAttentionOptions } from './self-attention';
export { ganConfig, GAN_ARCHITECTURES } from './presets';
export type { GanArchitecture, GanConfigOptions } from './presets';
export type {
  GanConfig,
  GeneratorConfig,
  DiscriminatorConfig,
  GanGenerator,
  GanDiscriminator,
  DiscriminatorOutput,
} from './types';

// Objectives and regularisers
export { GAN_LOSSES, discriminatorLoss, generatorLoss, objectiveDefaults, clipWeights } from './objectives';
export type { GanLoss, ObjectiveDefaults } from './objectives';
export { orthogonalRegularization, orthogonalWeights } from './orthogonal-regularization';
export { diffAugment, DIFF_AUGMENT_POLICIES } from './diff-augment';
export type { DiffAugmentOptions, DiffAugmentPolicy } from './diff-augment';

// Training
export { GanTrainer } from './gan-trainer';
export type { GanTrainerOptions, GanEmaOptions, RealBatch, BatchRows, GanGradients } from './gan-trainer';
export { trainGan } from './train-gan';
export type {
  TrainGanOptions,
  TrainGanResult,
  TrainGanSummary,
  GanProgressEvent,
  GanSampleOptions,
  GanSamples,
  GanEvaluationOptions,
  GanEvaluationContext,
} from './train-gan';
export { DivergenceDetector, defaultDivergence } from './divergence';
export type { DivergenceOptions } from './divergence';

// Sampling
export { generate, latentInterpolation, truncationSweep, resolveLabels } from './generate';
export type { GenerateOptions, LatentInterpolationOptions, TruncationSweepOptions, LabelsInput } from './generate';
export { sampleLatents, truncateLatents, truncateValues, normalCdf, normalQuantile } from './truncation';
export type { SampleLatentsOptions } from './truncation';
export { standingStatistics, withStandingStatistics } from './standing-statistics';
export type { StandingStatisticsOptions } from './standing-statistics';

// Checkpoints
export { saveGan, loadGan, createGenerator, createDiscriminator, GAN_FAMILY } from './checkpoint';
export type { SaveGanOptions, LoadGanOptions, LoadedGan, CheckpointTarget } from './checkpoint';
