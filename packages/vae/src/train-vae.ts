// trainVae: fits a VAE / ConditionalVAE / AutoencoderKL on an ImageDataset with @gen/core's
// trainLoop (progress, checkpoints, exact resume, NaN and leak guards).
import * as tf from '@tensorflow/tfjs-core';
import {
  Adam,
  clipGradNorm as clipGradients,
  DataLoader,
  Generator,
  InvalidArgumentError,
  trainLoop,
  type BinarizeMode,
  type ImageDataset,
  type JsonValue,
  type LearningRateSchedule,
  type ProgressEvent,
  type TrainSummary,
  nn,
  type TrainRunOptions,
  trainRunLoopOptions,
} from '@gen/core';
import { AutoencoderKL } from './autoencoder-kl';
import { betaSchedule, type BetaSchedule, type BetaScheduleSpec } from './beta-schedule';
import { createVaeModel, type PartialVaeFamilyConfig } from './models';
import { checkK, vaeLoss, type Objective } from './objectives';
import type { VariationalModel } from './types';
import { checkArrayRange, checkOneOf, checkPositiveInteger, checkPositiveNumber } from './validate';

/** A trainable model: a VariationalModel that is also an nn.Module. */
export type TrainableVae = VariationalModel & nn.Module;

export interface TrainVaeOptions extends TrainRunOptions {
  /** The model to train (in place). Give `model` or `config`. */
  model?: TrainableVae;
  /** A config to build the model from (`{ kind: 'vae', latentDim: 32 }`; weights drawn from `seed`). */
  config?: PartialVaeFamilyConfig;
  /** Training images (values in [0, 1], as every ImageDataset) and labels; shape must match the model. */
  dataset: ImageDataset;
  /** `'elbo'` (default) or `'iwae'` (the k-sample bound of Burda et al. 2016). */
  objective?: Objective;
  /** Importance samples per image for `'iwae'` (default 5); must be 1 for `'elbo'`. */
  k?: number;
  /**
   * KL weight: a number, a pure function of the step, or a {@link BetaScheduleSpec}
   * (`{ kind: 'linear', warmupSteps: 5000 }` for KL warm-up). Default 1, or
   * `config.klWeight` for an AutoencoderKL. Only for `'elbo'`.
   */
  beta?: number | BetaSchedule | BetaScheduleSpec;
  /** Total optimisation steps (a resumed run continues up to it). */
  steps: number;
  /** Images per step. Default 128. */
  batchSize?: number;
  /** Adam learning rate, a number or a schedule of the step. Default 1e-3. */
  lr?: number | LearningRateSchedule;
  /** Clip the global gradient norm to this (default: no clipping). */
  clipGradNorm?: number;
  /**
   * Binarize each batch: `'dynamic'` (fresh Bernoulli draws per step, the standard for
   * binarized-MNIST likelihoods), `'threshold'`, or false. Default 'dynamic' for a Bernoulli
   * decoder, false otherwise.
   */
  binarize?: BinarizeMode | false;
  /** Losses (window means, nats per image) every `logEvery` steps: `loss`, and for 'elbo' `reconstruction`, `kl`, `negativeElbo`. */
  onProgress?(event: ProgressEvent): void | Promise<void>;
}

export interface TrainVaeResult {
  /** The trained model (the one given, or the one built from `config`). */
  model: TrainableVae;
  /** The optimizer (its moments; dispose it when done). */
  optimizer: Adam;
  summary: TrainSummary;
}

/**
 * Trains a @gen/vae model. Each step draws batch `step` of a seeded DataLoader and noise from
 * `Generator(seed).fork('vae/noise/step/<step>')`, so everything random is a function of
 * (seed, step) and a resumed run is bit-identical to an uninterrupted one.
 *
 * ```ts
 * import '@gen/core/node';
 * const train = await loadMnist({ split: 'train' });
 * const { model, summary } = await trainVae({ config: { kind: 'vae' }, dataset: train, steps: 10_000, checkpointDir: 'runs/vae' });
 * ```
 */
export async function trainVae(options: TrainVaeOptions): Promise<TrainVaeResult> {
  const {
    model: given,
    config,
    dataset,
    objective = 'elbo',
    k = objective === 'iwae' ? 5 : 1,
    beta,
    steps,
    batchSize = 128,
    lr = 1e-3,
    clipGradNorm,
    seed = 0,
    checkpointDir,
    checkpointHandler,
    checkpointEvery = 1000,
    keep = 3,
    resume = false,
    signal,
    onProgress,
    logEvery = 10,
    metricsFile,
    onMetrics,
  } = options ?? ({} as TrainVaeOptions);

  // 1. Arguments.
  if ((given === undefined) === (config === undefined)) throw new InvalidArgumentError('model', given, 'give exactly one of model or config');
  checkOneOf('objective', objective, ['elbo', 'iwae'] as const);
  checkK(k);
  if (objective === 'elbo' && k !== 1) throw new InvalidArgumentError('k', k, "must be 1 for objective 'elbo' (use objective 'iwae' for k > 1)");
  if (objective === 'iwae' && beta !== undefined) throw new InvalidArgumentError('beta', beta, "must be omitted for objective 'iwae' (the bound has no KL weight)");
  checkPositiveInteger('steps', steps);
  checkPositiveInteger('batchSize', batchSize);
  if (clipGradNorm !== undefined) checkPositiveNumber('clipGradNorm', clipGradNorm);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError('seed', seed, 'must be a non-negative integer');
  if (checkpointDir !== undefined && checkpointHandler !== undefined) {
    throw new InvalidArgumentError('checkpointHandler', checkpointHandler, 'must not be given together with checkpointDir');
  }
  if (resume && checkpointDir === undefined && checkpointHandler === undefined) {
    throw new InvalidArgumentError('resume', resume, 'needs checkpointDir or checkpointHandler (where to resume from)');
  }
  const generator = new Generator(seed);
  const model: TrainableVae = given ?? (createVaeModel(config!, generator.fork('init')) as TrainableVae);
  if (!(model instanceof nn.Module) || typeof model.encode !== 'function') {
    throw new InvalidArgumentError('model', model, 'must be a VAE, ConditionalVAE or AutoencoderKL');
  }
  const [height, width, channels] = model.imageShape;
  if (!dataset || dataset.height !== height || dataset.width !== width || dataset.channels !== channels) {
    throw new InvalidArgumentError(
      'dataset',
      dataset ? `${dataset.height}×${dataset.width}×${dataset.channels} images` : dataset,
      `must hold ${height}×${width}×${channels} images like the model`,
    );
  }
  if (model.likelihood === 'bernoulli') checkArrayRange('dataset.images', dataset.images, 0, 1, 'for a bernoulli decoder');
  if (model.numClasses > 0) checkArrayRange('dataset.labels', dataset.labels, 0, model.numClasses - 1, `(the model has ${model.numClasses} classes)`);
  const binarize = options.binarize ?? (model.likelihood === 'bernoulli' ? 'dynamic' : false);
  const schedule = betaSchedule(beta ?? (model instanceof AutoencoderKL ? model.config.klWeight : 1));

  // 2. Data, optimizer, and the named parameters the gradients are keyed by.
  const loader = new DataLoader(dataset, { batchSize, generator: generator.fork('data'), range: model.range, binarize, dropLast: dataset.size >= batchSize });
  const optimizer = new Adam({ learningRate: lr });
  const named = model.namedParameters().filter(([, variable]) => variable.trainable);
  const params: Record<string, tf.Variable> = Object.fromEntries(named);
  const nameOf = new Map(named.map(([name, variable]) => [variable.name, name]));
  const variables = named.map(([, variable]) => variable);
  const noise = generator.fork('noise');

  // 3. One update.
  const step = ({ step: index }: { step: number }) => {
    const batch = loader.batchAt(index);
    try {
      const stepBeta = schedule(index);
      const labels = model.numClasses > 0 ? batch.labels : undefined;
      const kept: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        const terms = vaeLoss(model, batch.images, { generator: noise.fork(`step/${index}`), labels, objective, k, beta: stepBeta });
        if (terms.reconstruction && terms.kl) {
          kept.reconstruction = tf.keep(terms.reconstruction);
          kept.kl = tf.keep(terms.kl);
          kept.negativeElbo = tf.keep(tf.neg(terms.bound));
        }
        return terms.loss;
      }, variables);
      const byName: Record<string, tf.Tensor> = {};
      for (const [engineName, grad] of Object.entries(grads)) byName[nameOf.get(engineName)!] = grad;
      if (clipGradNorm !== undefined) {
        const clipped = clipGradients(byName, clipGradNorm);
        optimizer.step(params, clipped.grads);
        tf.dispose([...Object.values(clipped.grads), clipped.norm]);
      } else {
        optimizer.step(params, byName);
      }
      tf.dispose(Object.values(grads));
      return { loss: value, ...kept };
    } finally {
      tf.dispose([batch.images, batch.labels]);
    }
  };

  // 4. The loop.
  const checkpointConfig: JsonValue = {
    family: 'vae',
    model: model.config as unknown as JsonValue,
    training: {
      objective,
      k,
      batchSize,
      seed,
      binarize,
      beta: typeof beta === 'function' ? 'custom function' : ((beta ?? null) as JsonValue),
      lr: typeof lr === 'function' ? 'custom schedule' : lr,
      dataset: dataset.name,
    },
  };
  const summary = await trainLoop({
    totalSteps: steps,
    step,
    state: { model, optimizer },
    ...trainRunLoopOptions({ checkpointDir, checkpointHandler, checkpointEvery, keep, checkpointConfig, resume, signal, onProgress, logEvery, metricsFile, onMetrics }),
  });
  return { model, optimizer, summary };
}
