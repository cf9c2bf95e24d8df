// @gen/vae — variational autoencoders on @gen/core: models, objectives, honest likelihoods,
// post-hoc samplers and latent-space tools (see README.md and docs/models/vae.md).
export { version } from './version';

// Models
export { VAE, vaeConfig, INITIAL_GAUSSIAN_LOG_VAR } from './vae';
export type { VAEConfig, VAEOptions } from './vae';
export { ConditionalVAE, conditionalVaeConfig } from './conditional-vae';
export type { ConditionalVAEConfig, ConditionalVAEOptions } from './conditional-vae';
export { AutoencoderKL, autoencoderKlConfig } from './autoencoder-kl';
export type { AutoencoderKLConfig, AutoencoderKLOptions } from './autoencoder-kl';
export { VQVAE, vqVaeConfig } from './vq-vae';
export type { VQVAEConfig, VQVAEOptions, VQVAEOutput } from './vq-vae';
export { VectorQuantizer, vectorQuantizerConfig, codePerplexity, CODEBOOK_UPDATES } from './vector-quantizer';
export type { VectorQuantizerConfig, VectorQuantizerOptions, QuantizerOutput, QuantizerUpdate, CodebookUpdate } from './vector-quantizer';
export { loadVqVae } from './load-vq-vae';
export type { LoadVqVaeOptions } from './load-vq-vae';
export { createVaeModel, loadVaeModel, saveVaeModel, MODEL_KINDS } from './models';
export type { VaeFamilyModel, VaeFamilyConfig, PartialVaeFamilyConfig, LoadVaeModelOptions, SaveVaeModelOptions } from './models';
export type { VariationalModel, EncoderOutput, ConditioningOptions } from './types';

// Distributions
export { DiagonalGaussian, standardNormalLogProb } from './diagonal-gaussian';
export type { DiagonalGaussianSampleOptions } from './diagonal-gaussian';
export { LIKELIHOODS, GAUSSIAN_LOG_VAR_RANGE, decoderChannels, logLikelihood, makeDecoderOutput } from './likelihood';
export type { Likelihood, DecoderOutput } from './likelihood';

// Objectives and training
export { elboTerms, iwaeBound, logImportanceWeights, vaeLoss } from './objectives';
export type { ElboTerms, ObjectiveOptions, Objective, VaeLoss } from './objectives';
export { constantBeta, linearBetaWarmup, cyclicalBeta, betaSchedule } from './beta-schedule';
export type { BetaSchedule, BetaScheduleSpec, LinearBetaWarmupOptions, CyclicalBetaOptions } from './beta-schedule';
export { trainVae } from './train-vae';
export type { TrainVaeOptions, TrainVaeResult, TrainableVae } from './train-vae';
export { trainVqVae } from './train-vq-vae';
export type { TrainVqVaeOptions, TrainVqVaeResult } from './train-vq-vae';

// Evaluation
export { estimateNll } from './estimate-nll';
export type { EstimateNllOptions, NllEstimate } from './estimate-nll';
export { reconstructionError } from './reconstruction-error';
export type { ReconstructionErrorOptions, ReconstructionError } from './reconstruction-error';
export { evaluateVqVae } from './evaluate-vq-vae';
export type { EvaluateVqVaeOptions, VqVaeEvaluation } from './evaluate-vq-vae';
export { estimateScalingFactor } from './scaling-factor';
export type { EstimateScalingFactorOptions } from './scaling-factor';

// Sampling
export { GaussianMixture, fitGaussianMixture } from './gaussian-mixture';
export type { GaussianMixtureJSON, FitGaussianMixtureOptions, GaussianMixtureFit } from './gaussian-mixture';
export { samplePrior, fitPosteriorMixture, sampleMixture } from './samplers';
export type { SamplePriorOptions, FitPosteriorMixtureOptions, SampleMixtureOptions } from './samplers';

// Latent-space tools
export { encode, decode, reconstruct, interpolate, attributeVector, applyAttribute, latentGrid, inverseNormalCdf } from './latent-tools';
export type {
  EncodeOptions,
  DecodeOptions,
  InterpolateOptions,
  AttributeVectorOptions,
  ApplyAttributeOptions,
  LatentGridOptions,
} from './latent-tools';
