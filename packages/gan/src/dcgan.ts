// DCGAN (Radford et al. 2016): the unconditional generator and discriminator. With
// `spectralNorm` and the hinge loss this is SNGAN's standard CNN (Miyato et al. 2018);
// with `selfAttention` it gains SAGAN's attention block (Zhang et al. 2019).
import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, nn } from '@gen/core';
import { ScoreHead } from './blocks';
import { DiscriminatorTrunk } from './discriminator-trunk';
import { defaultWidths, GeneratorTrunk } from './generator-trunk';
import type { DiscriminatorOutput, GanDiscriminator, GanGenerator } from './types';
import { checkBoolean, checkOneOf, checkPositiveInteger, checkSelfAttention, checkWidths, checkDivisible } from './validate';

/** Serialisable configuration of {@link DCGANGenerator} (what `config` holds, with every default filled in). */
export interface DCGANGeneratorConfig {
  kind: 'dcgan-generator';
  /** Size of the latent vector z ~ N(0, I). Default 64. */
  latentDim: number;
  /** Output image height, width and channels. */
  height: number;
  width: number;
  channels: number;
  /**
   * Feature channels per stage, coarsest first; the resolution doubles between stages, so
   * height and width must be divisible by 2^(widths.length − 1). Default: `defaultWidths(height, width)` (32 channels at the finest stage, doubling per coarser one)
   * (e.g. [128, 64, 32] for 28×28: 7 → 14 → 28).
   */
  widths: number[];
  /** Spectrally normalise every layer (SAGAN / BigGAN do it in G too). Default false. */
  spectralNorm: boolean;
  /** Height of the stage after which a self-attention block runs (SAGAN), or null. Default null. */
  selfAttention: number | null;
}

/** Options of {@link DCGANGenerator}: the config fields (all but the image shape optional) and the init generator. */
export type DCGANGeneratorOptions = Partial<Omit<DCGANGeneratorConfig, 'kind'>> &
  Pick<DCGANGeneratorConfig, 'height' | 'width' | 'channels'> & {
    /** Draws the initial weights. */
    generator: Generator;
  };

/** Fills the defaults of a DCGAN generator config and validates it. */
export function dcganGeneratorConfig(options: Partial<DCGANGeneratorConfig> & Pick<DCGANGeneratorConfig, 'height' | 'width' | 'channels'>): DCGANGeneratorConfig {
  const { height, width, channels } = options;
  checkPositiveInteger('DCGANGenerator height', height);
  checkPositiveInteger('DCGANGenerator width', width);
  checkPositiveInteger('DCGANGenerator channels', channels);
  const {
    latentDim = 64,
    widths = defaultWidths(height, width),
    spectralNorm = false,
    selfAttention = null,
  } = options;
  return {
    kind: 'dcgan-generator',
    latentDim: checkPositiveInteger('DCGANGenerator latentDim', latentDim),
    height,
    width,
    channels,
    widths: checkWidths('DCGANGenerator widths', widths),
    spectralNorm: checkBoolean('DCGANGenerator spectralNorm', spectralNorm),
    selfAttention,
  };
}

/**
 * DCGAN generator: z `[batch, latentDim]` → Linear → `[h0, w0, widths[0]]` → BN, ReLU →
 * (4×4 stride-2 transposed conv → BN → ReLU) per stage → 3×3 conv → tanh, images in [-1, 1].
 */
export class DCGANGenerator extends nn.Module implements GanGenerator {
  readonly config: Readonly<DCGANGeneratorConfig>;
  readonly latentDim: number;
  readonly numClasses = 0;
  readonly imageShape: [number, number, number];
  readonly trunk: GeneratorTrunk;

  constructor(options: DCGANGeneratorOptions) {
    super();
    const { generator, ...rest } = options ?? ({} as DCGANGeneratorOptions);
    const config = dcganGeneratorConfig(rest);
    this.config = Object.freeze({ ...config, widths: [...config.widths] });
    this.latentDim = config.latentDim;
    this.imageShape = [config.height, config.width, config.channels];
    this.trunk = this.registerModule(
      'trunk',
      new GeneratorTrunk({
        ...config,
        inputDim: config.latentDim,
        norm: (numFeatures) => new nn.BatchNorm({ numFeatures }),
        owner: 'DCGANGenerator',
        generator,
      }),
    );
  }

  /** Builds a generator from a saved config (weights drawn from `generator`, default seed 0: load a state dict next). */
  static fromConfig(config: DCGANGeneratorConfig, generator: Generator = new Generator(0)): DCGANGenerator {
    if (config?.kind !== 'dcgan-generator') throw new InvalidArgumentError('config.kind', config?.kind, "must be 'dcgan-generator'");
    const { kind: _kind, ...options } = config;
    return new DCGANGenerator({ ...options, generator });
  }

  forward(latents: tf.Tensor, labels?: tf.Tensor): tf.Tensor4D {
    checkLatents('DCGANGenerator', latents, this.latentDim);
    if (labels !== undefined) {
      throw new InvalidArgumentError('labels', labels, 'must be omitted: DCGANGenerator is unconditional');
    }
    return this.trunk.forward(latents);
  }
}

/** Serialisable configuration of {@link DCGANDiscriminator}. */
export interface DCGANDiscriminatorConfig {
  kind: 'dcgan-discriminator';
  height: number;
  width: number;
  channels: number;
  /**
   * Output channels of each 4×4 stride-2 convolution, finest first (the resolution halves at
   * each). Default: one stage fewer than the generator's default, 64 channels doubling
   * (e.g. [64, 128] for 28×28: 28 → 14 → 7).
   */
  widths: number[];
  /** Spectrally normalise every layer (SNGAN). Default false. */
  spectralNorm: boolean;
  /** Height of the stage after which a self-attention block runs (SAGAN), or null. Default null. */
  selfAttention: number | null;
  /** 'flatten' the last feature map (DCGAN, default) or 'sum' it over positions (SNGAN's ResNet critic). */
  pooling: 'flatten' | 'sum';
}

export type DCGANDiscriminatorOptions = Partial<Omit<DCGANDiscriminatorConfig, 'kind'>> &
  Pick<DCGANDiscriminatorConfig, 'height' | 'width' | 'channels'> & { generator: Generator };

/** Default discriminator widths: one halving per generator upsampling, 64 channels doubling. */
export function defaultDiscriminatorWidths(height: number, width: number): number[] {
  const stages = Math.max(1, defaultWidths(height, width).length - 1);
  return Array.from({ length: stages }, (_, i) => 64 * 2 ** i);
}

/** Validates and fills the fields the two discriminator families share. */
export function discriminatorBaseConfig(
  owner: string,
  options: Partial<Omit<DCGANDiscriminatorConfig, 'kind'>> & Pick<DCGANDiscriminatorConfig, 'height' | 'width' | 'channels'>,
): Omit<DCGANDiscriminatorConfig, 'kind'> {
  const { height, width, channels } = options;
  checkPositiveInteger(`${owner} height`, height);
  checkPositiveInteger(`${owner} width`, width);
  checkPositiveInteger(`${owner} channels`, channels);
  const { widths = defaultDiscriminatorWidths(height, width), spectralNorm = false, selfAttention = null, pooling = 'flatten' } = options;
  checkWidths(`${owner} widths`, widths);
  checkDivisible(`${owner} height`, height, widths.length);
  checkDivisible(`${owner} width`, width, widths.length);
  const heights = widths.map((_, i) => height / 2 ** (i + 1));
  return {
    height,
    width,
    channels,
    widths: [...widths],
    spectralNorm: checkBoolean(`${owner} spectralNorm`, spectralNorm),
    selfAttention: checkSelfAttention(`${owner} selfAttention`, selfAttention, heights),
    pooling: checkOneOf(`${owner} pooling`, pooling, ['flatten', 'sum'] as const),
  };
}

/**
 * DCGAN discriminator without batch norm (so WGAN-GP / R1 penalties are valid): 4×4
 * stride-2 convolutions with LeakyReLU(0.2), then a linear score.
 */
export class DCGANDiscriminator extends nn.Module implements GanDiscriminator {
  readonly config: Readonly<DCGANDiscriminatorConfig>;
  readonly numClasses = 0;
  readonly conditional = false;
  readonly imageShape: [number, number, number];
  readonly trunk: DiscriminatorTrunk;
  readonly head: ScoreHead;

  constructor(options: DCGANDiscriminatorOptions) {
    super();
    const { generator, ...rest } = options ?? ({} as DCGANDiscriminatorOptions);
    const config: DCGANDiscriminatorConfig = { kind: 'dcgan-discriminator', ...discriminatorBaseConfig('DCGANDiscriminator', rest) };
    this.config = Object.freeze(config);
    this.imageShape = [config.height, config.width, config.channels];
    this.trunk = this.registerModule('trunk', new DiscriminatorTrunk({ ...config, generator }));
    this.head = this.registerModule('head', new ScoreHead({ inFeatures: this.trunk.featureDim, spectralNorm: config.spectralNorm, generator }));
  }

  static fromConfig(config: DCGANDiscriminatorConfig, generator: Generator = new Generator(0)): DCGANDiscriminator {
    if (config?.kind !== 'dcgan-discriminator') throw new InvalidArgumentError('config.kind', config?.kind, "must be 'dcgan-discriminator'");
    const { kind: _kind, ...options } = config;
    return new DCGANDiscriminator({ ...options, generator });
  }

  forward(images: tf.Tensor, labels?: tf.Tensor): DiscriminatorOutput {
    checkImages('DCGANDiscriminator', images, this.imageShape);
    if (labels !== undefined) {
      throw new InvalidArgumentError('labels', labels, 'must be omitted: DCGANDiscriminator is unconditional');
    }
    return tidyOutput(() => {
      const features = this.trunk.forward(images);
      return { logits: tf.reshape(this.head.forward(features), [-1]) as tf.Tensor1D, classLogits: null };
    });
  }
}

/** Checks a latent batch `[batch, latentDim]`. */
export function checkLatents(owner: string, latents: unknown, latentDim: number): void {
  if (!(latents instanceof tf.Tensor) || latents.rank !== 2 || latents.shape[1] !== latentDim || latents.dtype !== 'float32') {
    throw new InvalidArgumentError(`${owner} latents`, latents, `must be a float32 tensor [batch, ${latentDim}]`);
  }
}

/** Checks an image batch `[batch, H, W, C]`. */
export function checkImages(owner: string, images: unknown, [height, width, channels]: [number, number, number]): void {
  if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.shape[1] !== height || images.shape[2] !== width || images.shape[3] !== channels) {
    throw new InvalidArgumentError(`${owner} images`, images, `must be a tensor [batch, ${height}, ${width}, ${channels}]`);
  }
}

/** tf.tidy for a DiscriminatorOutput (whose `classLogits` may be null). */
export function tidyOutput(fn: () => DiscriminatorOutput): DiscriminatorOutput {
  const [logits, classLogits] = tf.tidy(() => {
    const output = fn();
    return output.classLogits ? [output.logits, output.classLogits] : [output.logits];
  });
  return { logits: logits as tf.Tensor1D, classLogits: (classLogits as tf.Tensor2D | undefined) ?? null };
}
