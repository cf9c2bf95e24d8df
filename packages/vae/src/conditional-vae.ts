// Conditional VAE (Sohn et al. 2015, "CVAE"): q(z|x, y) and p(x|z, y) both see a learned
// embedding of the class label y; the prior stays N(0, I). Fixing z and changing y moves
// the class while z keeps the style.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, nn, type PixelRange } from '@gen/core';
import { ConvDecoder, ConvEncoder } from './conv-networks';
import { DiagonalGaussian } from './diagonal-gaussian';
import { decoderChannels, logLikelihood, makeDecoderOutput, type DecoderOutput, type Likelihood } from './likelihood';
import type { ConditioningOptions, EncoderOutput, VariationalModel } from './types';
import { convVaeFields, INITIAL_GAUSSIAN_LOG_VAR, type VAEConfig } from './vae';
import { checkBatch, checkLabels, checkPositiveInteger } from './validate';

/** Serialisable configuration of {@link ConditionalVAE}: the VAE fields plus the label embedding. */
export interface ConditionalVAEConfig extends Omit<VAEConfig, 'kind'> {
  kind: 'conditional-vae';
  /** Number of classes (labels are int32 in [0, numClasses)). Default 10. */
  numClasses: number;
  /** Size of the label embedding fed to the encoder's hidden layer and to the decoder. Default 16. */
  embeddingDim: number;
}

export type ConditionalVAEOptions = Partial<Omit<ConditionalVAEConfig, 'kind'>> & { generator: Generator };

export function conditionalVaeConfig(options: Partial<Omit<ConditionalVAEConfig, 'kind'>> = {}): ConditionalVAEConfig {
  const { numClasses = 10, embeddingDim = 16, ...rest } = options;
  return {
    kind: 'conditional-vae',
    ...convVaeFields('ConditionalVAE', rest),
    numClasses: checkPositiveInteger('ConditionalVAE numClasses', numClasses),
    embeddingDim: checkPositiveInteger('ConditionalVAE embeddingDim', embeddingDim),
  };
}

/**
 * Class-conditional convolutional VAE. `encode(images, { labels })`, `decode(z, { labels })`;
 * labels are int32 `[batch]`.
 */
export class ConditionalVAE extends nn.Module implements VariationalModel {
  readonly config: Readonly<ConditionalVAEConfig>;
  readonly imageShape: [number, number, number];
  readonly latentShape: [number];
  readonly range: PixelRange = [0, 1];
  readonly likelihood: Likelihood;
  readonly numClasses: number;
  readonly labelEmbedding: nn.Embedding;
  readonly encoder: ConvEncoder;
  readonly decoder: ConvDecoder;
  readonly decoderLogVar: tf.Variable | null;

  constructor(options: ConditionalVAEOptions) {
    super();
    const { generator, ...rest } = options ?? ({} as ConditionalVAEOptions);
    const config = conditionalVaeConfig(rest);
    this.config = Object.freeze({ ...config, widths: Object.freeze([...config.widths]) as number[] });
    this.imageShape = [config.height, config.width, config.channels];
    this.latentShape = [config.latentDim];
    this.likelihood = config.likelihood;
    this.numClasses = config.numClasses;
    this.labelEmbedding = this.registerModule(
      'labelEmbedding',
      new nn.Embedding({ numEmbeddings: config.numClasses, embeddingDim: config.embeddingDim, generator }),
    );
    const networks = { ...config, conditionDim: config.embeddingDim, generator };
    this.encoder = this.registerModule('encoder', new ConvEncoder(networks));
    this.decoder = this.registerModule('decoder', new ConvDecoder({ ...networks, outChannels: decoderChannels(config.likelihood, config.channels) }));
    this.decoderLogVar =
      config.likelihood === 'gaussian' ? this.registerParameter('decoderLogVar', tf.fill([config.channels], INITIAL_GAUSSIAN_LOG_VAR)) : null;
  }

  static fromConfig(config: ConditionalVAEConfig, generator: Generator = new Generator(0)): ConditionalVAE {
    if (config?.kind !== 'conditional-vae') throw new InvalidArgumentError('config.kind', config?.kind, "must be 'conditional-vae'");
    const { kind: _kind, ...options } = config;
    return new ConditionalVAE({ ...options, generator });
  }

  encode(images: tf.Tensor, options: ConditioningOptions = {}): EncoderOutput {
    checkBatch('ConditionalVAE images', images, this.imageShape);
    checkLabels('ConditionalVAE', options.labels, this.numClasses, images.shape[0]);
    const [mean, logVar] = tf.tidy(() => this.encoder.forward(images, this.labelEmbedding.forward(options.labels!)));
    return { latentDist: new DiagonalGaussian(mean, logVar) };
  }

  decode(latents: tf.Tensor, options: ConditioningOptions = {}): DecoderOutput {
    checkBatch('ConditionalVAE latents', latents, this.latentShape, 'latents');
    checkLabels('ConditionalVAE', options.labels, this.numClasses, latents.shape[0]);
    const params = tf.tidy(() => this.decoder.forward(latents, this.labelEmbedding.forward(options.labels!)));
    return makeDecoderOutput(this.likelihood, params, this.range);
  }

  logLikelihood(images: tf.Tensor, params: tf.Tensor): tf.Tensor1D {
    return logLikelihood(this.likelihood, images, params, { range: this.range, logVar: this.decoderLogVar ?? undefined });
  }
}
