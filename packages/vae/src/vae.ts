// The convolutional VAE (Kingma & Welling 2014) with a Bernoulli, Gaussian or discretized
// logistic decoder. β-VAE (Higgins et al. 2017) is this model trained with a β schedule,
// IWAE (Burda et al. 2016) this model trained with the k-sample bound (see train-vae.ts).
import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, nn, type PixelRange } from '@gen/core';
import { ConvDecoder, ConvEncoder } from './conv-networks';
import { DiagonalGaussian } from './diagonal-gaussian';
import { decoderChannels, LIKELIHOODS, logLikelihood, makeDecoderOutput, type DecoderOutput, type Likelihood } from './likelihood';
import type { ConditioningOptions, EncoderOutput, VariationalModel } from './types';
import { checkBatch, checkDivisible, checkLabels, checkOneOf, checkPositiveInteger, checkWidths } from './validate';

/** Serialisable configuration of {@link VAE} (every default filled in). */
export interface VAEConfig {
  kind: 'vae';
  /** Image height, width and channels. Height and width must be divisible by 2^widths.length. Default 28×28×1. */
  height: number;
  width: number;
  channels: number;
  /** Size of the latent vector z. Default 32 (2 for a latent grid). */
  latentDim: number;
  /** Channels of the 4×4 stride-2 convolutions, finest first. Default [32, 64] (28 → 14 → 7). */
  widths: number[];
  /** Width of the fully connected layer between the convolutions and the latent. Default 256. */
  hiddenDim: number;
  /** Hidden activation. Default 'relu'. */
  activation: nn.ActivationName;
  /** Decoder distribution p(x|z). Default 'bernoulli' (binarized MNIST). */
  likelihood: Likelihood;
}

/** Options of {@link VAE}: any config field (all optional) and the generator that draws the initial weights. */
export type VAEOptions = Partial<Omit<VAEConfig, 'kind'>> & { generator: Generator };

/** Validates shared conv-VAE fields and fills their defaults. */
export function convVaeFields(owner: string, options: Partial<Omit<VAEConfig, 'kind'>>): Omit<VAEConfig, 'kind'> {
  const {
    height = 28,
    width = 28,
    channels = 1,
    latentDim = 32,
    widths = [32, 64],
    hiddenDim = 256,
    activation = 'relu',
    likelihood = 'bernoulli',
  } = options;
  checkPositiveInteger(`${owner} height`, height);
  checkPositiveInteger(`${owner} width`, width);
  checkPositiveInteger(`${owner} channels`, channels);
  checkPositiveInteger(`${owner} latentDim`, latentDim);
  checkWidths(`${owner} widths`, widths);
  checkDivisible(`${owner} height`, height, widths.length);
  checkDivisible(`${owner} width`, width, widths.length);
  checkPositiveInteger(`${owner} hiddenDim`, hiddenDim);
  checkOneOf(`${owner} activation`, activation, nn.ACTIVATION_NAMES);
  checkOneOf(`${owner} likelihood`, likelihood, LIKELIHOODS);
  return { height, width, channels, latentDim, widths: [...widths], hiddenDim, activation, likelihood };
}

/** Fills the defaults of a VAE config and validates it. */
export function vaeConfig(options: Partial<Omit<VAEConfig, 'kind'>> = {}): VAEConfig {
  return { kind: 'vae', ...convVaeFields('VAE', options) };
}

/** Initial value of the Gaussian decoder's per-channel log-variance (σ ≈ 0.14). */
export const INITIAL_GAUSSIAN_LOG_VAR = -4;

/**
 * Convolutional VAE: images `[B, H, W, C]` in [0, 1] → q(z|x) = N(μ, σ²) over
 * `[B, latentDim]` → p(x|z). Prior N(0, I).
 *
 * ```ts
 * const vae = new VAE({ latentDim: 32, likelihood: 'bernoulli', generator: new Generator(0) });
 * const { latentDist } = vae.encode(images);
 * const { sample } = vae.decode(latentDist.sample({ generator }));  // mean image in [0, 1]
 * ```
 */
export class VAE extends nn.Module implements VariationalModel {
  readonly config: Readonly<VAEConfig>;
  readonly imageShape: [number, number, number];
  readonly latentShape: [number];
  readonly range: PixelRange = [0, 1];
  readonly likelihood: Likelihood;
  readonly numClasses = 0;
  readonly encoder: ConvEncoder;
  readonly decoder: ConvDecoder;
  /** Learned per-channel log-variance of the `'gaussian'` decoder, else null. */
  readonly decoderLogVar: tf.Variable | null;

  constructor(options: VAEOptions) {
    super();
    const { generator, ...rest } = options ?? ({} as VAEOptions);
    const config = vaeConfig(rest);
    this.config = Object.freeze({ ...config, widths: Object.freeze([...config.widths]) as number[] });
    this.imageShape = [config.height, config.width, config.channels];
    this.latentShape = [config.latentDim];
    this.likelihood = config.likelihood;
    const networks = { ...config, conditionDim: 0, generator };
    this.encoder = this.registerModule('encoder', new ConvEncoder(networks));
    this.decoder = this.registerModule('decoder', new ConvDecoder({ ...networks, outChannels: decoderChannels(config.likelihood, config.channels) }));
    this.decoderLogVar =
      config.likelihood === 'gaussian' ? this.registerParameter('decoderLogVar', tf.fill([config.channels], INITIAL_GAUSSIAN_LOG_VAR)) : null;
  }

  /** Rebuilds a VAE from its config (weights drawn from `generator`, default seed 0: load a state dict next). */
  static fromConfig(config: VAEConfig, generator: Generator = new Generator(0)): VAE {
    if (config?.kind !== 'vae') throw new InvalidArgumentError('config.kind', config?.kind, "must be 'vae'");
    const { kind: _kind, ...options } = config;
    return new VAE({ ...options, generator });
  }

  encode(images: tf.Tensor, options: ConditioningOptions = {}): EncoderOutput {
    checkBatch('VAE images', images, this.imageShape);
    checkLabels('VAE', options.labels, 0, images.shape[0]);
    const [mean, logVar] = this.encoder.forward(images);
    return { latentDist: new DiagonalGaussian(mean, logVar) };
  }

  decode(latents: tf.Tensor, options: ConditioningOptions = {}): DecoderOutput {
    checkBatch('VAE latents', latents, this.latentShape, 'latents');
    checkLabels('VAE', options.labels, 0, latents.shape[0]);
    return makeDecoderOutput(this.likelihood, this.decoder.forward(latents), this.range);
  }

  logLikelihood(images: tf.Tensor, params: tf.Tensor): tf.Tensor1D {
    return logLikelihood(this.likelihood, images, params, { range: this.range, logVar: this.decoderLogVar ?? undefined });
  }
}
