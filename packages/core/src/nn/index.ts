// Public API of the nn module (explicit named exports only), exported from @gen/core as `nn`.
// Layers are NHWC / channels-last and are called with `layer.forward(x, …)`; see module.ts.
export { Module } from './module';
export type { UnaryModule, LoadStateDictOptions } from './module';
export { Linear } from './linear';
export type { LinearOptions } from './linear';
export { Conv2d } from './conv2d';
export type { Conv2dOptions, Conv2dPadding } from './conv2d';
export { ConvTranspose2d } from './conv-transpose2d';
export type { ConvTranspose2dOptions } from './conv-transpose2d';
export { GroupNorm } from './group-norm';
export type { GroupNormOptions } from './group-norm';
export { groupNorm } from './fused-group-norm';
export { LayerNorm } from './layer-norm';
export type { LayerNormOptions } from './layer-norm';
export { BatchNorm } from './batch-norm';
export type { BatchNormOptions } from './batch-norm';
export { recomputeBatchNormStatistics } from './batch-norm-statistics';
export type { RecomputeBatchNormStatisticsOptions } from './batch-norm-statistics';
export { crossReplicaMoments } from './cross-replica-moments';
export type { CrossReplicaMoments, ReplicaGather } from './cross-replica-moments';
export { withCrossReplicaBatchNorm } from './cross-replica-batch-norm';
export { Embedding } from './embedding';
export type { EmbeddingOptions } from './embedding';
export { MultiHeadAttention, scaledDotProductAttention } from './attention';
export type { MultiHeadAttentionOptions, MultiHeadAttentionInputs, AttentionMaskOptions } from './attention';
export { cachedSelfAttention } from './cached-self-attention';
export type { KeyValue, CachedSelfAttentionResult } from './cached-self-attention';
export { SpectralNorm } from './spectral-norm';
export type { SpectralNormOptions } from './spectral-norm';
export { Dropout } from './dropout';
export type { DropoutOptions } from './dropout';
export { stopGradient } from './stop-gradient';
export { Sequential } from './sequential';
export type { SequentialItem } from './sequential';
export {
  relu,
  leakyRelu,
  silu,
  gelu,
  mish,
  tanh,
  sigmoid,
  linear,
  activation,
  ACTIVATION_NAMES,
} from './activations';
export type { ActivationName, ActivationFunction } from './activations';
export { kaimingUniform, xavierUniform, uniformBias } from './init';
