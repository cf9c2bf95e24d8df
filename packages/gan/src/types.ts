// The contracts every GAN model in this package meets, so training and sampling work with
// any of them (and with user-written models of the same shape).
import type * as tf from '@tensorflow/tfjs-core';
import type { nn } from '@gen/core';
import type { ConditionalGeneratorConfig, ProjectionDiscriminatorConfig } from './conditional-gan';
import type { DCGANDiscriminatorConfig, DCGANGeneratorConfig } from './dcgan';

/** Any generator config this package can build (`kind` selects the class). */
export type GeneratorConfig = DCGANGeneratorConfig | ConditionalGeneratorConfig;
/** Any discriminator config this package can build. */
export type DiscriminatorConfig = DCGANDiscriminatorConfig | ProjectionDiscriminatorConfig;

/** A generator and a discriminator that train together. */
export interface GanConfig {
  generator: GeneratorConfig;
  discriminator: DiscriminatorConfig;
}

/**
 * A generator: latents `[batch, latentDim]` (and labels when conditional) → images `[batch, H, W, C]`
 * in [-1, 1]. Labels are int32 `[batch]`; this package's conditional generator also takes float32
 * class weights `[batch, numClasses]` (a soft, differentiable class).
 */
export interface GanGenerator extends nn.Module {
  readonly config: GeneratorConfig;
  readonly latentDim: number;
  /** Number of classes it is conditioned on; 0 for an unconditional generator. */
  readonly numClasses: number;
  /** `[height, width, channels]` of the images it makes. */
  readonly imageShape: [number, number, number];
  forward(latents: tf.Tensor, labels?: tf.Tensor): tf.Tensor4D;
}

/** What a discriminator returns. */
export interface DiscriminatorOutput {
  /** Realness score per image `[batch]` (raw, no sigmoid). */
  logits: tf.Tensor1D;
  /** Class logits `[batch, numClasses]` of an auxiliary classifier (ACGAN), else null. */
  classLogits: tf.Tensor2D | null;
}

/** A discriminator (critic): images `[batch, H, W, C]` in [-1, 1] (and labels when conditional) → scores. */
export interface GanDiscriminator extends nn.Module {
  readonly config: DiscriminatorConfig;
  /** Classes it is conditioned on or classifies; 0 for an unconditional discriminator. */
  readonly numClasses: number;
  /** Whether `forward` needs the labels (projection discriminator). */
  readonly conditional: boolean;
  /** `[height, width, channels]` of the images it scores. */
  readonly imageShape: [number, number, number];
  forward(images: tf.Tensor, labels?: tf.Tensor): DiscriminatorOutput;
}
