// AutoencoderKL: the KL-regularised autoencoder of latent diffusion (Rombach et al. 2022,
// "High-Resolution Image Synthesis with Latent Diffusion Models", §3.1 and appendix G), in
// the layout of diffusers' AutoencoderKL: a spatial latent (7×7×4 for 28×28 images) that
// keeps the image's layout, GroupNorm + SiLU residual blocks, and a KL term weighted so
// lightly (klWeight, default 1e-6) that the reconstruction stays sharp while the latent
// stays close to N(0, I) in shape. A diffusion model then runs on
// `latentDist.sample() · scalingFactor`.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, nn, type PixelRange } from '@gen/core';
import { DiagonalGaussian } from './diagonal-gaussian';
import { decoderChannels, LIKELIHOODS, logLikelihood, makeDecoderOutput, type DecoderOutput, type Likelihood } from './likelihood';
import { SpatialDecoder, SpatialEncoder } from './spatial-networks';
import type { ConditioningOptions, EncoderOutput, VariationalModel } from './types';
import { INITIAL_GAUSSIAN_LOG_VAR } from './vae';
import {
  checkBatch,
  checkDivisible,
  checkLabels,
  checkNonNegativeNumber,
  checkOneOf,
  checkPositiveInteger,
  checkPositiveNumber,
  checkWidths,
} from './validate';

/** Serialisable configuration of {@link AutoencoderKL}. */
export interface AutoencoderKLConfig {
  kind: 'autoencoder-kl';
  /** Image height, width, channels. Default 28×28×1. */
  height: number;
  width: number;
  channels: number;
  /** Channels of the spatial latent. Default 4. */
  latentChannels: number;
  /**
   * Channels of each resolution level, finest first; the resolution halves between levels, so
   * the latent is `[height / 2^(n−1), width / 2^(n−1), latentChannels]`. Default [32, 64, 64] (28 → 14 → 7).
   */
  blockChannels: number[];
  /** Residual blocks per level. Default 1. */
  layersPerBlock: number;
  /** GroupNorm groups; must divide every entry of blockChannels. Default 8. */
  normGroups: number;
  /** Decoder distribution. Default 'gaussian' (learned per-channel variance, like LDM's `logvar`). */
  likelihood: Likelihood;
  /** β of the KL term when trained with `trainVae` (LDM's kl_weight). Default 1e-6. */
  klWeight: number;
  /**
   * Factor a latent diffusion model multiplies the latents by (and divides by before
   * `decode`), so they have unit variance: 1 / std of `latentDist.sample()` over training
   * images (Rombach et al. 2022, appendix G; diffusers' `scaling_factor`). Set it with
   * `estimateScalingFactor` after training. Default 1.
   */
  scalingFactor: number;
}

export type AutoencoderKLOptions = Partial<Omit<AutoencoderKLConfig, 'kind'>> & { generator: Generator };

export function autoencoderKlConfig(options: Partial<Omit<AutoencoderKLConfig, 'kind'>> = {}): AutoencoderKLConfig {
  const {
    height = 28,
    width = 28,
    channels = 1,
    latentChannels = 4,
    blockChannels = [32, 64, 64],
    layersPerBlock = 1,
    normGroups = 8,
    likelihood = 'gaussian',
    klWeight = 1e-6,
    scalingFactor = 1,
  } = options;
  const owner = 'AutoencoderKL';
  checkPositiveInteger(`${owner} height`, height);
  checkPositiveInteger(`${owner} width`, width);
  checkPositiveInteger(`${owner} channels`, channels);
  checkPositiveInteger(`${owner} latentChannels`, latentChannels);
  checkWidths(`${owner} blockChannels`, blockChannels);
  checkDivisible(`${owner} height`, height, blockChannels.length - 1);
  checkDivisible(`${owner} width`, width, blockChannels.length - 1);
  checkPositiveInteger(`${owner} layersPerBlock`, layersPerBlock);
  checkPositiveInteger(`${owner} normGroups`, normGroups);
  const indivisible = blockChannels.find((c) => c % normGroups !== 0);
  if (indivisible !== undefined) {
    throw new InvalidArgumentError(`${owner} normGroups`, normGroups, `must divide every blockChannels entry (${indivisible} is not divisible)`);
  }
  if (likelihood === 'bernoulli') {
    throw new InvalidArgumentError(`${owner} likelihood`, likelihood, "must be 'gaussian' or 'logistic' (AutoencoderKL reads images in [-1, 1])");
  }
  checkOneOf(`${owner} likelihood`, likelihood, LIKELIHOODS);
  checkNonNegativeNumber(`${owner} klWeight`, klWeight);
  checkPositiveNumber(`${owner} scalingFactor`, scalingFactor);
  return { kind: 'autoencoder-kl', height, width, channels, latentChannels, blockChannels: [...blockChannels], layersPerBlock, normGroups, likelihood, klWeight, scalingFactor };
}

/**
 * KL-regularised autoencoder with a spatial latent. Images `[B, H, W, C]` in **[-1, 1]**
 * (as diffusers' AutoencoderKL and the diffusion models that use it).
 *
 * ```ts
 * const ae = new AutoencoderKL({ generator: new Generator(0) });         // 28×28×1 ↔ 7×7×4
 * const { latentDist } = ae.encode(images);                               // N(μ, σ²) per latent entry
 * const latents = tf.mul(latentDist.sample({ generator }), ae.scalingFactor); // for the diffusion model
 * const { sample } = ae.decode(tf.div(latents, ae.scalingFactor));       // back to images in [-1, 1]
 * ```
 */
export class AutoencoderKL extends nn.Module implements VariationalModel {
  config: Readonly<AutoencoderKLConfig>;
  readonly imageShape: [number, number, number];
  readonly latentShape: [number, number, number];
  readonly range: PixelRange = [-1, 1];
  readonly likelihood: Likelihood;
  readonly numClasses = 0;
  readonly encoder: SpatialEncoder;
  readonly decoder: SpatialDecoder;
  readonly decoderLogVar: tf.Variable | null;

  constructor(options: AutoencoderKLOptions) {
    super();
    const { generator, ...rest } = options ?? ({} as AutoencoderKLOptions);
    const config = autoencoderKlConfig(rest);
    this.config = Object.freeze({ ...config, blockChannels: Object.freeze([...config.blockChannels]) as number[] });
    const factor = 2 ** (config.blockChannels.length - 1);
    this.imageShape = [config.height, config.width, config.channels];
    this.latentShape = [config.height / factor, config.width / factor, config.latentChannels];
    this.likelihood = config.likelihood;
    const networks = { channels: config.channels, blockChannels: config.blockChannels, layersPerBlock: config.layersPerBlock, normGroups: config.normGroups, generator };
    this.encoder = this.registerModule('encoder', new SpatialEncoder({ ...networks, outChannels: 2 * config.latentChannels }));
    this.decoder = this.registerModule(
      'decoder',
      new SpatialDecoder({ ...networks, inChannels: config.latentChannels, outChannels: decoderChannels(config.likelihood, config.channels) }),
    );
    this.decoderLogVar =
      config.likelihood === 'gaussian' ? this.registerParameter('decoderLogVar', tf.fill([config.channels], INITIAL_GAUSSIAN_LOG_VAR)) : null;
  }

  static fromConfig(config: AutoencoderKLConfig, generator: Generator = new Generator(0)): AutoencoderKL {
    if (config?.kind !== 'autoencoder-kl') throw new InvalidArgumentError('config.kind', config?.kind, "must be 'autoencoder-kl'");
    const { kind: _kind, ...options } = config;
    return new AutoencoderKL({ ...options, generator });
  }

  /** The latent scaling factor for latent diffusion (see {@link AutoencoderKLConfig.scalingFactor}). */
  get scalingFactor(): number {
    return this.config.scalingFactor;
  }

  /** Sets `config.scalingFactor` (e.g. to the value `estimateScalingFactor` measured). */
  setScalingFactor(value: number): void {
    checkPositiveNumber('scalingFactor', value);
    this.config = Object.freeze({ ...this.config, scalingFactor: value });
  }

  encode(images: tf.Tensor, options: ConditioningOptions = {}): EncoderOutput {
    checkBatch('AutoencoderKL images', images, this.imageShape);
    checkLabels('AutoencoderKL', options.labels, 0, images.shape[0]);
    const [mean, logVar] = tf.tidy(() => {
      const moments = this.encoder.forward(images);
      const c = this.config.latentChannels;
      const [mu, rawLogVar] = tf.split(moments, [c, c], -1);
      // Clamped as diffusers' DiagonalGaussianDistribution (−30 … 20).
      return [mu, tf.clipByValue(rawLogVar, -30, 20)];
    });
    return { latentDist: new DiagonalGaussian(mean, logVar) };
  }

  decode(latents: tf.Tensor, options: ConditioningOptions = {}): DecoderOutput {
    checkBatch('AutoencoderKL latents', latents, this.latentShape, 'latents');
    checkLabels('AutoencoderKL', options.labels, 0, latents.shape[0]);
    return makeDecoderOutput(this.likelihood, this.decoder.forward(latents), this.range);
  }

  logLikelihood(images: tf.Tensor, params: tf.Tensor): tf.Tensor1D {
    return logLikelihood(this.likelihood, images, params, { range: this.range, logVar: this.decoderLogVar ?? undefined });
  }
}
