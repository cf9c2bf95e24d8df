// Class-conditional GAN: a generator with class-conditional batch norm (de Vries et al.
// 2017; Miyato & Koyama 2018) or BigGAN's shared class embedding with hierarchical latents
// (Brock et al. 2019, §3 and appendix B), and a projection discriminator (Miyato & Koyama
// 2018, eq. 3) with an optional auxiliary classifier head (ACGAN, Odena et al. 2017).
import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, nn } from '@gen/core';
import { ClassTable, isClassWeights, ScoreHead, spectral, type UnaryForward } from './blocks';
import { ConditionalBatchNorm } from './conditional-batch-norm';
import { checkImages, checkLatents, discriminatorBaseConfig, tidyOutput, type DCGANDiscriminatorConfig, type DCGANGeneratorConfig, dcganGeneratorConfig } from './dcgan';
import { DiscriminatorTrunk } from './discriminator-trunk';
import { GeneratorTrunk } from './generator-trunk';
import type { DiscriminatorOutput, GanDiscriminator, GanGenerator } from './types';
import { checkBoolean, checkNonNegativeInteger, checkPositiveInteger } from './validate';

/** Serialisable configuration of {@link ConditionalGenerator}. */
export interface ConditionalGeneratorConfig extends Omit<DCGANGeneratorConfig, 'kind'> {
  kind: 'conditional-generator';
  /** Number of classes (labels are integers in [0, numClasses)). */
  numClasses: number;
  /**
   * 0 (default): each batch norm has its own per-class gain and bias tables. > 0: BigGAN's
   * shared class embedding of this size, linearly projected to every batch norm's gain and bias.
   */
  sharedEmbeddingDim: number;
  /**
   * BigGAN's hierarchical latents: z is split into one chunk for the first linear layer and
   * one per batch norm, each concatenated with the shared embedding. Needs
   * `sharedEmbeddingDim > 0` and `latentDim ≥ widths.length + 1`. Default false.
   */
  hierarchicalLatents: boolean;
  /**
   * Also feed the class to the first linear layer: its one-hot vector (per-class tables) or the
   * shared embedding (BigGAN-deep's input), concatenated with z. Default true. Without it the
   * class reaches the generator only through the batch-norm gains and biases, which Adam moves
   * by at most ~lr per step from their near-zero start: in a few thousand steps the class
   * barely changes the image (measured on MNIST: 11% class accuracy after 500 steps without,
   * 80% after 250 with; docs/models/gan.md).
   */
  classInput: boolean;
}

export type ConditionalGeneratorOptions = Partial<Omit<ConditionalGeneratorConfig, 'kind'>> &
  Pick<ConditionalGeneratorConfig, 'height' | 'width' | 'channels' | 'numClasses'> & {
    /** Draws the initial weights. */
    generator: Generator;
  };

/** Sizes of BigGAN's latent chunks: `parts` near-equal pieces of `latentDim`, the first taking the remainder. */
export function latentChunks(latentDim: number, parts: number): number[] {
  const size = Math.floor(latentDim / parts);
  return Array.from({ length: parts }, (_, i) => (i === 0 ? latentDim - size * (parts - 1) : size));
}

/** Fills the defaults of a conditional generator config and validates it. */
export function conditionalGeneratorConfig(
  options: Partial<ConditionalGeneratorConfig> & Pick<ConditionalGeneratorConfig, 'height' | 'width' | 'channels' | 'numClasses'>,
): ConditionalGeneratorConfig {
  const { numClasses, sharedEmbeddingDim = 0, hierarchicalLatents = false, classInput = true, kind: _kind, ...rest } = options;
  const base = dcganGeneratorConfig(rest);
  checkPositiveInteger('ConditionalGenerator numClasses', numClasses);
  checkNonNegativeInteger('ConditionalGenerator sharedEmbeddingDim', sharedEmbeddingDim);
  checkBoolean('ConditionalGenerator hierarchicalLatents', hierarchicalLatents);
  checkBoolean('ConditionalGenerator classInput', classInput);
  if (hierarchicalLatents && sharedEmbeddingDim === 0) {
    throw new InvalidArgumentError('ConditionalGenerator hierarchicalLatents', hierarchicalLatents, 'needs sharedEmbeddingDim > 0 (BigGAN conditions every chunk on the shared embedding)');
  }
  if (hierarchicalLatents && base.latentDim < base.widths.length + 1) {
    throw new InvalidArgumentError('ConditionalGenerator latentDim', base.latentDim, `must be at least ${base.widths.length + 1} to split over the linear layer and ${base.widths.length} batch norms`);
  }
  return { ...base, kind: 'conditional-generator', numClasses, sharedEmbeddingDim, hierarchicalLatents, classInput };
}

/**
 * Conditional generator: the DCGAN generator with every batch norm replaced by a
 * class-conditional one. Per-class tables by default; with `sharedEmbeddingDim` the BigGAN
 * scheme (shared embedding e(y), gains and biases linear in [e(y), z_k]).
 */
export class ConditionalGenerator extends nn.Module implements GanGenerator {
  readonly config: Readonly<ConditionalGeneratorConfig>;
  readonly latentDim: number;
  readonly numClasses: number;
  readonly imageShape: [number, number, number];
  readonly trunk: GeneratorTrunk;
  /** BigGAN's shared class embedding (null with per-class tables). */
  readonly shared: ClassTable | null;
  private readonly chunks: number[];

  constructor(options: ConditionalGeneratorOptions) {
    super();
    const { generator, ...rest } = options ?? ({} as ConditionalGeneratorOptions);
    const config = conditionalGeneratorConfig(rest);
    this.config = Object.freeze({ ...config, widths: [...config.widths] });
    this.latentDim = config.latentDim;
    this.numClasses = config.numClasses;
    this.imageShape = [config.height, config.width, config.channels];
    const stages = config.widths.length;
    // Chunk 0 feeds the linear layer; chunk k + 1 conditions the batch norm of stage k.
    this.chunks = config.hierarchicalLatents ? latentChunks(config.latentDim, stages + 1) : [config.latentDim];
    const shared = config.sharedEmbeddingDim > 0;
    this.shared = shared
      ? this.registerModule('shared', new ClassTable({ numClasses: config.numClasses, dim: config.sharedEmbeddingDim, init: { constant: 0, noise: 1 }, generator }))
      : null;
    this.trunk = this.registerModule(
      'trunk',
      new GeneratorTrunk({
        ...config,
        inputDim: this.chunks[0] + (config.classInput ? (shared ? config.sharedEmbeddingDim : config.numClasses) : 0),
        norm: (numFeatures, stage) =>
          new ConditionalBatchNorm({
            numFeatures,
            condition: shared
              ? { conditionDim: config.sharedEmbeddingDim + (config.hierarchicalLatents ? this.chunks[stage + 1] : 0) }
              : { numClasses: config.numClasses },
            spectralNorm: config.spectralNorm,
            generator,
          }),
        owner: 'ConditionalGenerator',
        generator,
      }),
    );
  }

  static fromConfig(config: ConditionalGeneratorConfig, generator: Generator = new Generator(0)): ConditionalGenerator {
    if (config?.kind !== 'conditional-generator') throw new InvalidArgumentError('config.kind', config?.kind, "must be 'conditional-generator'");
    const { kind: _kind, ...options } = config;
    return new ConditionalGenerator({ ...options, generator });
  }

  /**
   * `latents` `[batch, latentDim]` float32; `labels` `[batch]` int32 in [0, numClasses), or
   * float32 class weights `[batch, numClasses]`: every place the class enters (the one-hot input,
   * the per-class gains and biases, the shared embedding) takes the weighted sum over classes
   * instead. A one-hot row is exactly that class; a softmax of learnable logits makes the class
   * differentiable (CLIP steering of the class, @gen/clip-guidance's steerGanLatents).
   */
  forward(latents: tf.Tensor, labels?: tf.Tensor): tf.Tensor4D {
    checkLatents('ConditionalGenerator', latents, this.latentDim);
    checkLabels('ConditionalGenerator', labels, latents.shape[0], this.numClasses);
    return tf.tidy(() => {
      const stages = this.config.widths.length;
      const withClass = (z: tf.Tensor, classVector: () => tf.Tensor) => (this.config.classInput ? tf.concat([z, classVector()], 1) : z);
      if (!this.shared) {
        const input = withClass(latents, () => (labels.dtype === 'float32' ? labels : tf.cast(tf.oneHot(labels as tf.Tensor1D, this.numClasses), 'float32')));
        return this.trunk.forward(input, Array.from({ length: stages }, () => labels));
      }
      const embedding = this.shared.forward(labels);
      if (!this.config.hierarchicalLatents) return this.trunk.forward(withClass(latents, () => embedding), Array.from({ length: stages }, () => embedding));
      const pieces = tf.split(latents, this.chunks, 1);
      const conditions = pieces.slice(1).map((piece) => tf.concat([embedding, piece], 1));
      return this.trunk.forward(withClass(pieces[0], () => embedding), conditions);
    });
  }
}

/** Serialisable configuration of {@link ProjectionDiscriminator}. */
export interface ProjectionDiscriminatorConfig extends Omit<DCGANDiscriminatorConfig, 'kind'> {
  kind: 'projection-discriminator';
  numClasses: number;
  /** Add the projection term ⟨e(y), φ(x)⟩ (Miyato & Koyama 2018). Default true. */
  projection: boolean;
  /** Add an auxiliary classifier head (ACGAN); trained with the class cross-entropy. Default false. */
  auxiliaryClassifier: boolean;
}

export type ProjectionDiscriminatorOptions = Partial<Omit<ProjectionDiscriminatorConfig, 'kind'>> &
  Pick<ProjectionDiscriminatorConfig, 'height' | 'width' | 'channels' | 'numClasses'> & { generator: Generator };

/**
 * Projection discriminator: D(x, y) = ψ(φ(x)) + ⟨e(y), φ(x)⟩ with φ the DCGAN
 * discriminator's features, ψ linear and e a learned class embedding (Miyato & Koyama 2018,
 * eq. 3). With `auxiliaryClassifier` it also returns class logits (ACGAN); with
 * `projection: false` and the auxiliary head it is a plain ACGAN discriminator, which
 * ignores the labels.
 */
export class ProjectionDiscriminator extends nn.Module implements GanDiscriminator {
  readonly config: Readonly<ProjectionDiscriminatorConfig>;
  readonly numClasses: number;
  readonly conditional: boolean;
  readonly imageShape: [number, number, number];
  readonly trunk: DiscriminatorTrunk;
  readonly head: ScoreHead;
  private readonly embedding: UnaryForward | null;
  private readonly classifier: UnaryForward | null;

  constructor(options: ProjectionDiscriminatorOptions) {
    super();
    const { generator, numClasses, projection = true, auxiliaryClassifier = false, ...rest } = options ?? ({} as ProjectionDiscriminatorOptions);
    const base = discriminatorBaseConfig('ProjectionDiscriminator', rest);
    checkPositiveInteger('ProjectionDiscriminator numClasses', numClasses);
    checkBoolean('ProjectionDiscriminator projection', projection);
    checkBoolean('ProjectionDiscriminator auxiliaryClassifier', auxiliaryClassifier);
    if (!projection && !auxiliaryClassifier) {
      throw new InvalidArgumentError('ProjectionDiscriminator projection', projection, 'may be false only with auxiliaryClassifier: true (else the labels are unused; use DCGANDiscriminator)');
    }
    const config: ProjectionDiscriminatorConfig = { kind: 'projection-discriminator', ...base, numClasses, projection, auxiliaryClassifier };
    this.config = Object.freeze(config);
    this.numClasses = numClasses;
    this.conditional = projection;
    this.imageShape = [config.height, config.width, config.channels];
    this.trunk = this.registerModule('trunk', new DiscriminatorTrunk({ ...config, generator }));
    const featureDim = this.trunk.featureDim;
    const sn = <M extends UnaryForward>(module: M) => spectral(module, config.spectralNorm, generator);
    this.head = this.registerModule('head', new ScoreHead({ inFeatures: featureDim, spectralNorm: config.spectralNorm, generator }));
    // e(y) starts like a row of a linear layer on φ: U(±1/√featureDim).
    this.embedding = projection
      ? this.registerModule('embedding', sn(new ClassTable({ numClasses, dim: featureDim, init: { uniform: 1 / Math.sqrt(featureDim) }, generator })))
      : null;
    this.classifier = auxiliaryClassifier
      ? this.registerModule('classifier', sn(new nn.Linear({ inFeatures: featureDim, outFeatures: numClasses, generator })))
      : null;
  }

  static fromConfig(config: ProjectionDiscriminatorConfig, generator: Generator = new Generator(0)): ProjectionDiscriminator {
    if (config?.kind !== 'projection-discriminator') {
      throw new InvalidArgumentError('config.kind', config?.kind, "must be 'projection-discriminator'");
    }
    const { kind: _kind, ...options } = config;
    return new ProjectionDiscriminator({ ...options, generator });
  }

  forward(images: tf.Tensor, labels?: tf.Tensor): DiscriminatorOutput {
    checkImages('ProjectionDiscriminator', images, this.imageShape);
    if (this.embedding) checkLabels('ProjectionDiscriminator', labels, images.shape[0]);
    return tidyOutput(() => {
      const features = this.trunk.forward(images);
      let logits = tf.reshape(this.head.forward(features), [-1]);
      if (this.embedding) logits = tf.add(logits, tf.sum(tf.mul(this.embedding.forward(labels as tf.Tensor), features), 1));
      const classLogits = this.classifier ? (this.classifier.forward(features) as tf.Tensor2D) : null;
      return { logits: logits as tf.Tensor1D, classLogits };
    });
  }
}

/**
 * Checks a label batch: int32 `[batch]` (values are not read back; `generate` checks them), or,
 * when `numClasses` is given (generators), also float32 class weights `[batch, numClasses]`.
 */
export function checkLabels(owner: string, labels: unknown, batch: number, numClasses?: number): asserts labels is tf.Tensor {
  const indices = labels instanceof tf.Tensor && labels.dtype === 'int32' && labels.rank === 1 && labels.shape[0] === batch;
  const weights = numClasses !== undefined && isClassWeights(labels, numClasses) && labels.shape[0] === batch;
  if (!indices && !weights) {
    const what = numClasses === undefined ? `an int32 tensor [${batch}] of class indices` : `an int32 tensor [${batch}] of class indices or float32 class weights [${batch}, ${numClasses}]`;
    throw new InvalidArgumentError(`${owner} labels`, labels, `must be ${what} (the model is conditional)`);
  }
}
