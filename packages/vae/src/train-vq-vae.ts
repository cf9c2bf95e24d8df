// trainVqVae: fits a VQVAE on an ImageDataset with @gen/core's trainLoop (progress,
// checkpoints, exact resume, NaN and leak guards), the sibling of trainVae. Each step:
// reconstruction MSE + β·commitment (+ the codebook loss for a 'gradient' codebook) through
// Adam, then the quantizer's EMA codebook update and dead-code restarts from the same batch.
import * as tf from '@tensorflow/tfjs-core';
import {
  Adam,
  clipGradNorm as clipGradients,
  DataLoader,
  Generator,
  InvalidArgumentError,
  trainLoop,
  type ImageDataset,
  type JsonValue,
  type LearningRateSchedule,
  type ProgressEvent,
  type TrainSummary,
  type TrainRunOptions,
  trainRunLoopOptions,
} from '@gen/core';
import { VQVAE, type VQVAEConfig } from './vq-vae';
import { checkPositiveInteger, checkPositiveNumber } from './validate';

export interface TrainVqVaeOptions extends TrainRunOptions {
  /** The model to train (in place). Give `model` or `config`. */
  model?: VQVAE;
  /** A config to build the model from (`{ codebookSize: 256, codeDim: 32 }`; weights drawn from `seed`). */
  config?: Partial<VQVAEConfig>;
  /** Training images (values in [0, 1]); shape must match the model. */
  dataset: ImageDataset;
  /** Total optimisation steps (a resumed run continues up to it). */
  steps: number;
  /** Images per step. Default 128. */
  batchSize?: number;
  /** Adam learning rate, a number or a schedule of the step. Default 1e-3. */
  lr?: number | LearningRateSchedule;
  /** Clip the global gradient norm to this (default: no clipping). */
  clipGradNorm?: number;
  /**
   * Window means every `logEvery` steps: `loss`, `reconstruction` (MSE per subpixel, pixels
   * in [0, 1]), `commitment`, `perplexity` (of the batch's codes), `usedCodes` (codes chosen
   * in the batch) and `restartedCodes` (dead codes restarted per step).
   */
  onProgress?(event: ProgressEvent): void | Promise<void>;
}

export interface TrainVqVaeResult {
  model: VQVAE;
  /** The optimizer (its moments; dispose it when done). */
  optimizer: Adam;
  summary: TrainSummary;
}

/**
 * Trains a VQVAE. Batch `step` of a seeded DataLoader and the restart draws of
 * `Generator(seed).fork('vq/restarts/step/<step>')` make everything random a function of
 * (seed, step); the quantizer's EMA statistics are model buffers, saved with each checkpoint,
 * so a resumed run is bit-identical to an uninterrupted one.
 *
 * ```ts
 * import '@gen/core/node';
 * const train = await loadMnist({ split: 'train' });
 * const { model } = await trainVqVae({ config: { codebookSize: 256, codeDim: 32 }, dataset: train, steps: 5000, checkpointDir: 'runs/vq' });
 * const tokens = model.encodeToTokens(images); // int32 [B, 7, 7]
 * ```
 */
export async function trainVqVae(options: TrainVqVaeOptions): Promise<TrainVqVaeResult> {
  const {
    model: given,
    config,
    dataset,
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
  } = options ?? ({} as TrainVqVaeOptions);

  // 1. Arguments.
  if ((given === undefined) === (config === undefined)) throw new InvalidArgumentError('model', given, 'give exactly one of model or config');
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
  if (given !== undefined && !(given instanceof VQVAE)) throw new InvalidArgumentError('model', given, 'must be a VQVAE');
  const generator = new Generator(seed);
  const { kind: _kind, ...modelOptions } = (config ?? {}) as Partial<VQVAEConfig>;
  const model = given ?? new VQVAE({ ...modelOptions, generator: generator.fork('init') });
  const [height, width, channels] = model.imageShape;
  if (!dataset || dataset.height !== height || dataset.width !== width || dataset.channels !== channels) {
    throw new InvalidArgumentError(
      'dataset',
      dataset ? `${dataset.height}×${dataset.width}×${dataset.channels} images` : dataset,
      `must hold ${height}×${width}×${channels} images like the model`,
    );
  }

  // 2. Data, optimizer, the named parameters the gradients are keyed by.
  const loader = new DataLoader(dataset, { batchSize, generator: generator.fork('data'), range: model.range, binarize: false, dropLast: dataset.size >= batchSize });
  const optimizer = new Adam({ learningRate: lr });
  const named = model.namedParameters().filter(([, variable]) => variable.trainable);
  const params: Record<string, tf.Variable> = Object.fromEntries(named);
  const nameOf = new Map(named.map(([name, variable]) => [variable.name, name]));
  const variables = named.map(([, variable]) => variable);
  const restarts = generator.fork('vq/restarts');

  // 3. One update: gradients of the loss, the optimizer, then the quantizer's own update.
  const step = ({ step: index }: { step: number }) => {
    const batch = loader.batchAt(index);
    const kept: Record<string, tf.Tensor> = {};
    try {
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(batch.images);
        const reconstruction = tf.mean(tf.square(tf.sub(out.reconstruction, batch.images))) as tf.Scalar;
        kept.latents = tf.keep(out.latents);
        kept.indices = tf.keep(out.indices);
        kept.reconstruction = tf.keep(reconstruction);
        kept.commitment = tf.keep(out.commitmentLoss);
        kept.perplexity = tf.keep(out.perplexity);
        kept.usedCodes = tf.keep(out.usedCodes);
        return tf.add(reconstruction, out.loss) as tf.Scalar;
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
      const { restartedCodes } = model.quantizer.update(kept.latents, kept.indices, { generator: restarts.fork(`step/${index}`) });
      return {
        loss: value,
        reconstruction: kept.reconstruction as tf.Scalar,
        commitment: kept.commitment as tf.Scalar,
        perplexity: kept.perplexity as tf.Scalar,
        usedCodes: kept.usedCodes as tf.Scalar,
        restartedCodes,
      };
    } catch (error) {
      tf.dispose(Object.values(kept));
      throw error;
    } finally {
      tf.dispose([batch.images, batch.labels, kept.latents, kept.indices].filter((t): t is tf.Tensor => t !== undefined));
    }
  };

  // 4. The loop.
  const checkpointConfig: JsonValue = {
    family: 'vae',
    model: model.getConfig() as unknown as JsonValue,
    training: { objective: 'vq', batchSize, seed, lr: typeof lr === 'function' ? 'custom schedule' : lr, dataset: dataset.name },
  };
  const summary = await trainLoop({
    totalSteps: steps,
    step,
    state: { model, optimizer },
    ...trainRunLoopOptions({ checkpointDir, checkpointHandler, checkpointEvery, keep, checkpointConfig, resume, signal, onProgress, logEvery, metricsFile, onMetrics }),
  });
  return { model, optimizer, summary };
}
