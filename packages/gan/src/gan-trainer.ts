// One GAN update — critic steps, then a generator step — with everything around it that the
// objective needs. trainGan runs it inside @gen/core's trainLoop; it is usable on its own
// for a hand-written loop.
import * as tf from '@tensorflow/tfjs-core';
import { Adam, EMA, InvalidArgumentError, losses, type Generator, type LearningRateSchedule, type TrainState } from '@gen/core';
import { diffAugment, resolveDiffAugment, type DiffAugmentOptions } from './diff-augment';
import { checkGanLoss, clipWeights, discriminatorLoss, generatorLoss, objectiveDefaults, type GanLoss } from './objectives';
import { orthogonalRegularization } from './orthogonal-regularization';
import { rowDraws } from './row-draws';
import { withStandingStatistics } from './standing-statistics';
import type { GanDiscriminator, GanGenerator } from './types';
import { checkNonNegativeInteger, checkNonNegativeNumber, checkPositiveInteger, checkPositiveNumber } from './validate';

/** EMA of the generator's weights (the sampler BigGAN and most later GANs evaluate). */
export interface GanEmaOptions {
  /** Decay per generator step. Default 0.999. */
  decay?: number;
  /** Generator steps that just copy the weights before averaging starts. Default 0. */
  startStep?: number;
  /**
   * Decay warm-up (see @gen/core's EMA): `'power'` (default) averages over a window that grows
   * with the step (1 − (1 + s)^(−2/3), capped at `decay`), so early evaluations and samples are
   * not dominated by the random initial weights; `'none'` uses `decay` from the first step.
   */
  warmup?: 'none' | 'power';
}

export interface GanTrainerOptions {
  generator: GanGenerator;
  discriminator: GanDiscriminator;
  /** The objective (see {@link GanLoss}). Default 'non-saturating'. */
  loss?: GanLoss;
  /** Discriminator (critic) updates per generator update. Default: 5 for the Wasserstein losses, else 1. */
  criticSteps?: number;
  /** Generator learning rate (a number or a schedule of the generator step). Default per loss ({@link objectiveDefaults}). */
  lrG?: number | LearningRateSchedule;
  /** Discriminator learning rate: a different lrD is the two time-scale update rule (TTUR). Default per loss. */
  lrD?: number | LearningRateSchedule;
  /** Adam β₁ of both networks. Default per loss (0.5, or 0 for hinge). */
  beta1?: number;
  /** Adam β₂ of both networks. Default per loss (0.999, or 0.9 for hinge and WGAN). */
  beta2?: number;
  /** R1 penalty γ/2·E‖∇D(x)‖² on real images (Mescheder et al. 2018); 0 (default) turns it off. */
  r1Gamma?: number;
  /** WGAN-GP penalty weight λ. Default 10. Used by loss 'wgan-gp' only. */
  gpWeight?: number;
  /** WGAN weight-clipping bound c. Default 0.01. Used by loss 'wasserstein' only. */
  clipValue?: number;
  /** Weight of the class cross-entropy when the discriminator has an auxiliary classifier (ACGAN). Default 1. */
  acganWeight?: number;
  /**
   * Whether D's auxiliary classifier also learns to label fakes with their requested class (Odena
   * et al. 2017, eq. 2; default true). `false` trains it on real images only, so G must draw images
   * a real-data classifier accepts instead of images D learned to accept: higher class accuracy.
   */
  acganClassifyFakes?: boolean;
  /** BigGAN's orthogonal regularization β on the generator (1e-4 in the paper); 0 (default) turns it off. */
  orthogonalRegularization?: number;
  /** EMA of the generator weights; `false` turns it off. Default `{ decay: 0.999, warmup: 'power' }`. */
  ema?: GanEmaOptions | false;
  /** Batches measured for the EMA weights' batch-norm statistics in `withEmaWeights`. Default `{ batches: 16, batchSize: 64 }`. */
  standingStatistics?: { batches?: number; batchSize?: number };
  /** DiffAugment on every discriminator input; `true` = the default policy, `false` (default) off. */
  diffAugment?: DiffAugmentOptions | boolean;
  /** The source of every draw of training: latents, fake labels, augmentations, penalty interpolates. */
  rng: Generator;
}

/** Real images `[B, H, W, C]` in [-1, 1] and their int32 labels `[B]` (ignored by unconditional models). */
export interface RealBatch {
  images: tf.Tensor4D;
  labels?: tf.Tensor1D;
}

/**
 * Rows `[start, end)` of a batch: the shard of data-parallel training whose gradients a call
 * computes. The step's random draws are still made for the whole batch and each row keeps its
 * share (so every replica's stream stays where one thread's is); only the shard's rows enter
 * the loss, a mean over the shard.
 */
export interface BatchRows {
  start: number;
  end: number;
  /**
   * Splits the generator too: it runs on the shard's rows only, inside this wrapper, which must
   * make its batch norm use the statistics of the whole batch over every replica (e.g.
   * `(forward) => nn.withCrossReplicaBatchNorm(generator, context.exchange, forward)`).
   * Without it the generator runs on the whole batch, so its batch norm sees the whole batch.
   */
  synchronizeBatchNorm?: <T>(forward: () => T) => T;
}

/** Gradients of a loss by stable parameter name, and the loss (tensors the caller disposes). */
export interface GanGradients {
  value: tf.Scalar;
  grads: Record<string, tf.Tensor>;
}

/** Trainable parameters by stable dotted name, and the same variables as a list. */
interface NamedVariables {
  names: string[];
  list: tf.Variable[];
  byName: Record<string, tf.Variable>;
}

function trainables(module: { namedParameters(): Array<[string, tf.Variable]> }): NamedVariables {
  const pairs = module.namedParameters().filter(([, variable]) => variable.trainable);
  return { names: pairs.map(([name]) => name), list: pairs.map(([, v]) => v), byName: Object.fromEntries(pairs) };
}

/** tf.variableGrads keyed by the stable names (tfjs keys by unique engine names). */
function namedGradients(f: () => tf.Scalar, variables: NamedVariables): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const { value, grads } = tf.variableGrads(f, variables.list);
  const named: Record<string, tf.Tensor> = {};
  variables.list.forEach((variable, i) => {
    const grad = grads[variable.name];
    if (grad) named[variables.names[i]] = grad;
  });
  return { value, grads: named };
}

/**
 * Holds the optimizers, the EMA and the settings of a GAN run, and performs its updates.
 *
 * ```ts
 * const trainer = new GanTrainer({ generator, discriminator, loss: 'hinge', rng: new Generator(0) });
 * const losses = trainer.step([{ images, labels }]);   // criticSteps real batches
 * ```
 */
export class GanTrainer {
  readonly generator: GanGenerator;
  private readonly standingStatistics: { batches?: number; batchSize?: number };
  readonly discriminator: GanDiscriminator;
  readonly loss: GanLoss;
  readonly criticSteps: number;
  readonly r1Gamma: number;
  readonly gpWeight: number;
  readonly clipValue: number;
  readonly acganWeight: number;
  readonly acganClassifyFakes: boolean;
  readonly orthogonalBeta: number;
  readonly optimizerG: Adam;
  readonly optimizerD: Adam;
  /** EMA of the generator's parameters, or null. */
  readonly ema: EMA | null;
  readonly rng: Generator;
  private readonly augment: Required<DiffAugmentOptions> | null;
  private readonly gVariables: NamedVariables;
  private readonly dVariables: NamedVariables;

  constructor(options: GanTrainerOptions) {
    const { generator, discriminator, loss = 'non-saturating', rng } = options ?? ({} as GanTrainerOptions);
    if (!generator || typeof generator.forward !== 'function' || typeof generator.latentDim !== 'number') {
      throw new InvalidArgumentError('generator', generator, 'must be a GAN generator model (e.g. new ConditionalGenerator(…))');
    }
    if (!discriminator || typeof discriminator.forward !== 'function' || !Array.isArray(discriminator.imageShape)) {
      throw new InvalidArgumentError('discriminator', discriminator, 'must be a GAN discriminator model (e.g. new ProjectionDiscriminator(…))');
    }
    if (!tf.util.arraysEqual(generator.imageShape, discriminator.imageShape)) {
      throw new InvalidArgumentError('discriminator', discriminator.imageShape, `must take the generator's images [${generator.imageShape.join(', ')}]`);
    }
    if (discriminator.numClasses > 0 && generator.numClasses !== discriminator.numClasses) {
      throw new InvalidArgumentError('discriminator.numClasses', discriminator.numClasses, `must equal the generator's numClasses (${generator.numClasses})`);
    }
    if (!rng || typeof rng.normalArray !== 'function') throw new InvalidArgumentError('rng', rng, 'must be a Generator from @gen/core');
    this.generator = generator;
    this.standingStatistics = { ...options.standingStatistics };
    this.discriminator = discriminator;
    this.loss = checkGanLoss(loss);
    const defaults = objectiveDefaults(this.loss);
    const {
      criticSteps = defaults.criticSteps,
      lrG = defaults.lrG,
      lrD = defaults.lrD,
      beta1 = defaults.beta1,
      beta2 = defaults.beta2,
      r1Gamma = 0,
      gpWeight = 10,
      clipValue = 0.01,
      acganWeight = 1,
      acganClassifyFakes = true,
      orthogonalRegularization: orthogonalBeta = 0,
      ema = {},
      diffAugment: augment = false,
    } = options;
    this.criticSteps = checkPositiveInteger('criticSteps', criticSteps);
    this.r1Gamma = checkNonNegativeNumber('r1Gamma', r1Gamma);
    this.gpWeight = checkNonNegativeNumber('gpWeight', gpWeight);
    this.clipValue = checkPositiveNumber('clipValue', clipValue);
    this.acganWeight = checkNonNegativeNumber('acganWeight', acganWeight);
    if (typeof acganClassifyFakes !== 'boolean') throw new InvalidArgumentError('acganClassifyFakes', acganClassifyFakes, 'must be true or false');
    this.acganClassifyFakes = acganClassifyFakes;
    this.orthogonalBeta = checkNonNegativeNumber('orthogonalRegularization', orthogonalBeta);
    if (typeof lrG === 'number') checkNonNegativeNumber('lrG', lrG);
    if (typeof lrD === 'number') checkNonNegativeNumber('lrD', lrD);
    this.augment = augment === false ? null : resolveDiffAugment(augment === true ? {} : augment);
    this.rng = rng;
    this.optimizerG = new Adam({ learningRate: lrG, beta1, beta2 });
    this.optimizerD = new Adam({ learningRate: lrD, beta1, beta2 });
    this.gVariables = trainables(generator);
    this.dVariables = trainables(discriminator);
    if (ema === false) {
      this.ema = null;
    } else {
      const { decay = 0.999, startStep = 0, warmup = 'power' } = ema ?? {};
      checkNonNegativeInteger('ema.startStep', startStep);
      if (warmup !== 'none' && warmup !== 'power') throw new InvalidArgumentError('ema.warmup', warmup, "must be 'none' or 'power'");
      this.ema = new EMA(this.gVariables.byName, { decay, updateAfterStep: startStep, warmup });
    }
  }

  /** Draws `batchSize` latents and (for a conditional generator) uniform labels from `rng`. */
  drawLatents(batchSize: number): { latents: tf.Tensor2D; labels: tf.Tensor1D | undefined } {
    const latents = this.rng.normal([batchSize, this.generator.latentDim]) as tf.Tensor2D;
    const labels = this.generator.numClasses > 0 ? (this.rng.randint([batchSize], 0, this.generator.numClasses) as tf.Tensor1D) : undefined;
    return { latents, labels };
  }

  /**
   * One discriminator update on `real`; returns its loss (penalties included). Fakes use the
   * real batch's labels, so conditional penalties interpolate within a class.
   */
  discriminatorStep(real: RealBatch): tf.Scalar {
    return tf.tidy(() => {
      const { value, grads } = this.discriminatorGradients(real);
      this.applyDiscriminator(grads);
      return value;
    });
  }

  /**
   * The discriminator update's loss and gradients on `real` without applying them (what
   * {@link discriminatorStep} applies), over rows `rows` of the batch (default all): see
   * {@link BatchRows}. Draws from `rng` as `discriminatorStep` does, whatever the rows.
   */
  discriminatorGradients(real: RealBatch, rows?: BatchRows): GanGradients {
    const { images, labels } = this.checkBatch(real);
    const batch = images.shape[0];
    const { start, end, synchronizeBatchNorm } = checkRows(rows, batch);
    const whole = start === 0 && end === batch;
    const G = this.generator;
    const D = this.discriminator;
    return tf.tidy(() => {
      // 1. Fakes (no gradient to G needed: made outside the tape); latents drawn for the whole batch.
      const latents = this.rng.normal([batch, G.latentDim]);
      const mine = whole ? labels : labels && rowsOf(labels, start, end);
      // 2. One discriminator pass over [real; fake] (D has no batch norm, so this equals two passes).
      let both: tf.Tensor4D;
      if (whole || !synchronizeBatchNorm) {
        const fake = G.forward(latents, G.numClasses > 0 ? labels : undefined);
        const augmented = this.maybeAugment(tf.concat([images, fake]) as tf.Tensor4D);
        both = whole ? augmented : (tf.concat([rowsOf(augmented, start, end), rowsOf(augmented, batch + start, batch + end)]) as tf.Tensor4D);
      } else {
        const fake = synchronizeBatchNorm(() => G.forward(rowsOf(latents, start, end), G.numClasses > 0 ? mine : undefined));
        both = this.augmentRows(tf.concat([rowsOf(images, start, end), fake]) as tf.Tensor4D, 2 * batch, [
          [start, end],
          [batch + start, batch + end],
        ]);
      }
      const [augmentedReal, augmentedFake] = tf.split(both, 2);
      const dLabels = D.conditional ? (tf.concat([mine!, mine!]) as tf.Tensor1D) : undefined;
      // The penalty's interpolation weights: drawn for the whole batch, this shard's rows kept.
      const penaltyDraws = whole ? this.rng : rowDraws(this.rng, batch, [[start, end]]);
      return namedGradients(() => {
        const { logits, classLogits } = D.forward(both, dLabels);
        const [realLogits, fakeLogits] = tf.split(logits, 2);
        let loss: tf.Tensor = discriminatorLoss(this.loss, realLogits, fakeLogits);
        const critic = (x: tf.Tensor) => D.forward(x, D.conditional ? mine : undefined).logits;
        if (this.loss === 'wgan-gp' && this.gpWeight > 0) {
          loss = tf.add(loss, losses.gradientPenalty({ critic, real: augmentedReal, fake: augmentedFake, generator: penaltyDraws as Generator, weight: this.gpWeight }));
        }
        if (this.r1Gamma > 0) loss = tf.add(loss, losses.r1Penalty({ critic, real: augmentedReal, gamma: this.r1Gamma }));
        if (classLogits && this.acganWeight > 0) {
          // ACGAN: D classifies both real and fake images (Odena et al. 2017, eq. 2), or real only.
          const classLoss = this.acganClassifyFakes
            ? classCrossEntropy(classLogits, tf.concat([mine!, mine!]) as tf.Tensor1D)
            : classCrossEntropy(tf.split(classLogits, 2)[0], mine!);
          loss = tf.add(loss, tf.mul(this.acganWeight, classLoss));
        }
        return loss as tf.Scalar;
      }, this.dVariables);
    });
  }

  /** Applies discriminator gradients (Adam, then WGAN's weight clipping): the second half of {@link discriminatorStep}. */
  applyDiscriminator(grads: Record<string, tf.Tensor>): void {
    tf.tidy(() => {
      this.optimizerD.step(this.dVariables.byName, grads);
      if (this.loss === 'wasserstein') clipWeights(this.discriminator, this.clipValue);
    });
  }

  /** One generator update on a fresh batch of `batchSize` latents (and labels); returns its loss. */
  generatorStep(batchSize: number): tf.Scalar {
    const loss = tf.tidy(() => {
      const { value, grads } = this.generatorGradients(batchSize);
      this.optimizerG.step(this.gVariables.byName, grads);
      return value;
    });
    this.ema?.update(this.gVariables.byName);
    return loss;
  }

  /**
   * The generator update's loss and gradients without applying them (what
   * {@link generatorStep} applies, before its EMA update), over rows `rows` of the batch
   * (default all): D and the loss on the rows, G on the whole batch or, with
   * `rows.synchronizeBatchNorm`, on the rows too (see {@link BatchRows}).
   */
  generatorGradients(batchSize: number, rows?: BatchRows): GanGradients {
    checkPositiveInteger('batchSize', batchSize);
    const { start, end, synchronizeBatchNorm } = checkRows(rows, batchSize);
    const whole = start === 0 && end === batchSize;
    const G = this.generator;
    const D = this.discriminator;
    return tf.tidy(() => {
      const { latents, labels } = this.drawLatents(batchSize);
      const mine = whole ? labels : labels && rowsOf(labels, start, end);
      return namedGradients(() => {
        let fake: tf.Tensor4D;
        if (whole || !synchronizeBatchNorm) {
          const augmented = this.maybeAugment(G.forward(latents, labels));
          fake = whole ? augmented : rowsOf(augmented, start, end);
        } else {
          const generated = synchronizeBatchNorm(() => G.forward(rowsOf(latents, start, end), mine));
          fake = this.augmentRows(generated, batchSize, [[start, end]]);
        }
        const { logits, classLogits } = D.forward(fake, D.conditional ? mine : undefined);
        let loss: tf.Tensor = generatorLoss(this.loss, logits);
        if (classLogits && this.acganWeight > 0) loss = tf.add(loss, tf.mul(this.acganWeight, classCrossEntropy(classLogits, mine!)));
        // A penalty on the weights: in every shard's loss, so the size-weighted average keeps it once.
        if (this.orthogonalBeta > 0) loss = tf.add(loss, orthogonalRegularization(G, this.orthogonalBeta));
        return loss as tf.Scalar;
      }, this.gVariables);
    });
  }

  /** Updates the EMA of the generator's weights (what {@link generatorStep} does after its update); nothing without an EMA. */
  updateEma(): void {
    this.ema?.update(this.gVariables.byName);
  }

  /**
   * One GAN step: `criticSteps` discriminator updates (one per batch in `batches`), then a
   * generator update with the batch size of the first. Returns `{ discriminator, generator }`
   * losses (the discriminator's averaged over its updates), as scalars the caller disposes.
   */
  step(batches: RealBatch[]): { discriminator: tf.Scalar; generator: tf.Scalar } {
    if (!Array.isArray(batches) || batches.length !== this.criticSteps) {
      throw new InvalidArgumentError('batches', batches, `must be an array of criticSteps (${this.criticSteps}) real batches`);
    }
    const dLosses = batches.map((batch) => this.discriminatorStep(batch));
    const discriminator = tf.tidy(() => tf.mean(tf.stack(dLosses)) as tf.Scalar);
    tf.dispose(dLosses);
    const generator = this.generatorStep(batches[0].images.shape[0]);
    return { discriminator, generator };
  }

  /** Everything a checkpoint must hold to resume exactly (trainLoop's `state`). */
  state(): TrainState {
    return {
      generator: this.generator,
      discriminator: this.discriminator,
      optimizerG: this.optimizerG,
      optimizerD: this.optimizerD,
      ...(this.ema ? { ema: this.ema } : {}),
      rng: this.rng,
    };
  }

  /**
   * Runs `fn` with the EMA weights in the generator and batch-norm statistics measured for them
   * (standing statistics; the model is unchanged afterwards); plain `fn()` without an EMA.
   */
  withEmaWeights<T>(fn: () => T): T {
    if (!this.ema) return fn();
    this.ema.swap(this.gVariables.byName);
    try {
      return withStandingStatistics(this.generator, fn, this.standingStatistics);
    } finally {
      this.ema.swap(this.gVariables.byName);
    }
  }

  /** Async variant of {@link withEmaWeights}. */
  async withEmaWeightsAsync<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.ema) return fn();
    this.ema.swap(this.gVariables.byName);
    try {
      return await withStandingStatistics(this.generator, fn, this.standingStatistics);
    } finally {
      this.ema.swap(this.gVariables.byName);
    }
  }

  /** Frees the optimizer moments and the EMA (not the models: the caller owns them). */
  dispose(): void {
    this.optimizerG.dispose();
    this.optimizerD.dispose();
    this.ema?.dispose();
  }

  private maybeAugment(images: tf.Tensor4D): tf.Tensor4D {
    return this.augment ? diffAugment(images, { ...this.augment, rng: this.rng }) : images;
  }

  /** DiffAugment of some rows of a batch of `total`: the whole batch's draws, these rows' share (DiffAugment treats images independently). */
  private augmentRows(images: tf.Tensor4D, total: number, rows: Array<[number, number]>): tf.Tensor4D {
    return this.augment ? diffAugment(images, { ...this.augment, rng: rowDraws(this.rng, total, rows) as Generator }) : images;
  }

  private checkBatch(real: RealBatch): { images: tf.Tensor4D; labels: tf.Tensor1D | undefined } {
    const images = real?.images;
    const [height, width, channels] = this.generator.imageShape;
    if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.shape[1] !== height || images.shape[2] !== width || images.shape[3] !== channels) {
      throw new InvalidArgumentError('real images', images, `must be a tensor [batch, ${height}, ${width}, ${channels}] (the generator's image shape)`);
    }
    const needsLabels = this.generator.numClasses > 0 || this.discriminator.numClasses > 0;
    if (needsLabels && (!(real.labels instanceof tf.Tensor) || real.labels.dtype !== 'int32' || real.labels.shape[0] !== images.shape[0])) {
      throw new InvalidArgumentError('real labels', real.labels, `must be int32 [${images.shape[0]}]: the models are conditional`);
    }
    return { images, labels: needsLabels ? real.labels : undefined };
  }
}

/** Rows `[start, end)` of a tensor (a new tensor). */
function rowsOf<T extends tf.Tensor>(tensor: T, start: number, end: number): T {
  return tf.slice(tensor, [start, ...tensor.shape.slice(1).map(() => 0)], [end - start, ...tensor.shape.slice(1)]) as T;
}

function checkRows(rows: BatchRows | undefined, batch: number): BatchRows {
  if (rows === undefined) return { start: 0, end: batch };
  const { start, end, synchronizeBatchNorm } = rows;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > batch || end <= start) {
    throw new InvalidArgumentError('rows', rows, `must be { start, end } with 0 <= start < end <= ${batch}`);
  }
  if (synchronizeBatchNorm !== undefined && typeof synchronizeBatchNorm !== 'function') {
    throw new InvalidArgumentError('rows.synchronizeBatchNorm', synchronizeBatchNorm, 'must be a function (forward) => forward() or undefined');
  }
  return { start, end, synchronizeBatchNorm };
}

/** Mean softmax cross-entropy of class logits `[B, K]` against int32 labels `[B]`. */
function classCrossEntropy(classLogits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logProbabilities = tf.logSoftmax(classLogits);
    const picked = tf.sum(tf.mul(logProbabilities, tf.oneHot(labels, classLogits.shape[1] as number)), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}
