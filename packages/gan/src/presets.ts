// Named architectures: complete generator + discriminator configs for an image size.
import { InvalidArgumentError } from '@gen/core';
import { conditionalGeneratorConfig } from './conditional-gan';
import { dcganGeneratorConfig, defaultDiscriminatorWidths, discriminatorBaseConfig } from './dcgan';
import type { GanConfig } from './types';
import { checkNonNegativeInteger, checkOneOf } from './validate';

/**
 * - `'dcgan'`: DCGAN generator and discriminator (Radford et al. 2016), no spectral norm;
 * - `'sngan'`: DCGAN with a spectrally normalised discriminator (Miyato et al. 2018; pair with loss 'hinge');
 * - `'sagan'`: spectral norm in both networks and a self-attention block at the middle resolution (Zhang et al. 2019);
 * - `'conditional'`: class-conditional BN generator and spectrally normalised projection discriminator (Miyato & Koyama 2018);
 * - `'acgan'`: class-conditional BN generator and a discriminator with an auxiliary classifier instead of the projection (Odena et al. 2017);
 * - `'biggan'`: BigGAN's generator tricks at small scale: shared class embedding, hierarchical latents,
 *   spectral norm and self-attention in both networks, projection discriminator (Brock et al. 2019;
 *   train with loss 'hinge' and orthogonalRegularization 1e-4).
 */
export type GanArchitecture = 'dcgan' | 'sngan' | 'sagan' | 'conditional' | 'acgan' | 'biggan';
export const GAN_ARCHITECTURES: readonly GanArchitecture[] = ['dcgan', 'sngan', 'sagan', 'conditional', 'acgan', 'biggan'];
const CONDITIONAL: readonly GanArchitecture[] = ['conditional', 'acgan', 'biggan'];

export interface GanConfigOptions {
  /** Default: 'conditional' when numClasses > 0, else 'dcgan'. */
  architecture?: GanArchitecture;
  height: number;
  width: number;
  channels: number;
  /** Classes of a conditional architecture (e.g. dataset.classNames.length). Default 0. */
  numClasses?: number;
  /** Latent size. Default 64 (BigGAN: 80, split over the stages). */
  latentDim?: number;
  /** Generator widths, coarsest first (default from the image size). */
  generatorWidths?: number[];
  /** Discriminator widths, finest first (default from the image size). */
  discriminatorWidths?: number[];
}

/** The generator and discriminator configs of a named architecture for an image size. */
export function ganConfig(options: GanConfigOptions): GanConfig {
  const { height, width, channels, numClasses = 0, generatorWidths, discriminatorWidths } = options ?? ({} as GanConfigOptions);
  checkNonNegativeInteger('numClasses', numClasses);
  const architecture = checkOneOf('architecture', options?.architecture ?? (numClasses > 0 ? 'conditional' : 'dcgan'), GAN_ARCHITECTURES);
  const conditional = CONDITIONAL.includes(architecture);
  if (conditional && numClasses < 1) {
    throw new InvalidArgumentError('numClasses', numClasses, `must be at least 1 for the '${architecture}' architecture`);
  }
  if (!conditional && numClasses > 0) {
    throw new InvalidArgumentError('architecture', architecture, `is unconditional; use 'conditional', 'acgan' or 'biggan' for ${numClasses} classes (or numClasses: 0)`);
  }
  const image = { height, width, channels };
  const generatorBase = dcganGeneratorConfig({ ...image, latentDim: options?.latentDim ?? (architecture === 'biggan' ? 80 : 64), ...(generatorWidths ? { widths: generatorWidths } : {}) });
  const dWidths = discriminatorWidths ?? defaultDiscriminatorWidths(height, width);
  const gHeights = generatorBase.widths.map((_, i) => (height / 2 ** (generatorBase.widths.length - 1)) * 2 ** i);
  const dHeights = dWidths.map((_, i) => height / 2 ** (i + 1));
  const middle = (heights: number[]) => (heights.length > 1 ? heights[Math.floor(heights.length / 2)] : null);
  const attention = architecture === 'sagan' || architecture === 'biggan';
  const snG = architecture === 'sagan' || architecture === 'biggan';
  const snD = architecture !== 'dcgan' && architecture !== 'acgan';
  const { kind: _kind, ...generatorFields } = generatorBase;
  const generator = { ...generatorFields, spectralNorm: snG, selfAttention: attention ? middle(gHeights) : null };
  const discriminator = discriminatorBaseConfig('discriminator', {
    ...image,
    widths: dWidths,
    spectralNorm: snD,
    selfAttention: attention ? middle(dHeights) : null,
  });
  if (!conditional) {
    return { generator: { ...generator, kind: 'dcgan-generator' }, discriminator: { ...discriminator, kind: 'dcgan-discriminator' } };
  }
  const biggan = architecture === 'biggan';
  return {
    generator: conditionalGeneratorConfig({ ...generator, numClasses, sharedEmbeddingDim: biggan ? 32 : 0, hierarchicalLatents: biggan }),
    discriminator: {
      ...discriminator,
      kind: 'projection-discriminator',
      numClasses,
      projection: architecture !== 'acgan',
      auxiliaryClassifier: architecture === 'acgan',
    },
  };
}
