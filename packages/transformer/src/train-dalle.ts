// trainDalle: teacher-forced next-token training of a DalleTransformer on (text row, image
// tokens) pairs — cross-entropy on the image tokens, optionally plus a weighted text loss —
// with @gen/core's AdamW, linear warm-up, gradient clipping and trainLoop (checkpoints,
// exact resume, NaN and leak guards).
import * as tf from '@tensorflow/tfjs-core';
import {
  AdamW,
  checkNonNegativeNumber,
  checkPositiveInteger,
  checkPositiveNumber,
  clipGradNorm as clipGradients,
  DataLoader,
  Generator,
  InvalidArgumentError,
  linearWarmupLr,
  trainLoop,
  type ImageDataset,
  type JsonValue,
  type LearningRateSchedule,
  type ProgressEvent,
  type TrainSummary,
  type TrainRunOptions,
  trainRunLoopOptions,
} from '@gen/core';
import { dalleCheckpointConfig } from './dalle-checkpoint';
import { DalleTransformer } from './model/dalle-transformer';
import { checkProbability, corruptTextRows } from './text/text-rows';

/** Training pairs: row i is `textIds[i·textLength …]` with `imageIds[i·imageLength …]` (raster order). */
export interface TokenPairs {
  textIds: Int32Array;
  imageIds: Int32Array;
  size: number;
}

export interface TrainDalleOptions extends TrainRunOptions {
  model: DalleTransformer;
  data: TokenPairs;
  steps: number;
  /** Pairs per step (default 32). */
  batchSize?: number;
  /** AdamW peak learning rate after linear warm-up (default 3e-4), or a schedule of the step (then warmupSteps is unused). */
  lr?: number | LearningRateSchedule;
  /** Linear warm-up updates (default min(100, steps)). */
  warmupSteps?: number;
  /** AdamW decoupled weight decay (default 0.01). */
  weightDecay?: number;
  /** Weight of the text next-token loss added to the image loss (default 0: image tokens only; DALL·E used 1/7). */
  textLossWeight?: number;
  /** Clip the global gradient norm (default 1; 0 turns it off). */
  clipGradNorm?: number;
  /**
   * Probability that a pair's caption is replaced by the empty caption (default 0): trains the
   * unconditional model that classifier-free guidance (`guidanceScale` of generateTokens) contrasts with.
   */
  textDropProb?: number;
  /** Probability that a caption token is replaced by a random token (default 0): robustness to unseen phrasings. */
  textNoiseProb?: number;
  /** Extra JSON saved in each checkpoint's config (the tokenizer, the VQ checkpoint it used…). */
  checkpointExtra?: Record<string, JsonValue>;
  /** Window means of `loss`, `imageLoss` and (with a text weight) `textLoss`, in nats per token. */
  onProgress?(event: ProgressEvent): void | Promise<void>;
}

export interface TrainDalleResult {
  model: DalleTransformer;
  optimizer: AdamW;
  summary: TrainSummary;
  /** Frees the optimizer's moments (the model stays the caller's). */
  dispose(): void;
}

/** Mean cross-entropy (nats) of int32 `labels` `[...]` under `logits` `[..., V]`. */
export function tokenCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const vocab = logits.shape[logits.rank - 1] as number;
    const logProbs = tf.logSoftmax(tf.reshape(logits, [-1, vocab]));
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.reshape(labels, [-1]), vocab)), -1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/** Throws unless `data` holds `size` rows of both lengths with ids inside the vocabularies. */
function checkPairs(data: TokenPairs, model: DalleTransformer): void {
  const { textLength, textVocabSize, imageVocabSize } = model.config;
  if (!data || !(data.textIds instanceof Int32Array) || !(data.imageIds instanceof Int32Array) || !Number.isSafeInteger(data.size) || data.size < 1) {
    throw new InvalidArgumentError('data', data, 'must be TokenPairs { textIds: Int32Array, imageIds: Int32Array, size ≥ 1 }');
  }
  if (data.textIds.length !== data.size * textLength || data.imageIds.length !== data.size * model.imageLength) {
    throw new InvalidArgumentError(
      'data',
      { size: data.size, textIds: data.textIds.length, imageIds: data.imageIds.length },
      `must hold size·${textLength} text ids and size·${model.imageLength} image ids`,
    );
  }
  const outside = (ids: Int32Array, vocab: number) => ids.findIndex((id) => id < 0 || id >= vocab);
  const badText = outside(data.textIds, textVocabSize);
  if (badText >= 0) throw new InvalidArgumentError(`data.textIds[${badText}]`, data.textIds[badText], `must be in [0, ${textVocabSize})`);
  const badImage = outside(data.imageIds, imageVocabSize);
  if (badImage >= 0) throw new InvalidArgumentError(`data.imageIds[${badImage}]`, data.imageIds[badImage], `must be in [0, ${imageVocabSize})`);
}

/**
 * Trains `model` in place. Batch s is a pure function of (seed, s) — a seeded DataLoader
 * order over the pairs — so a resumed run is bit-identical to an uninterrupted one.
 *
 * ```ts
 * const model = DalleTransformer.fromConfig({ textVocabSize: tokenizer.vocabSize, textLength: 16, imageVocabSize: 64, tokenShape: [7, 7] });
 * const { summary } = await trainDalle({ model, data, steps: 5000, checkpointDir: 'runs/dalle/checkpoints' });
 * ```
 */
export async function trainDalle(options: TrainDalleOptions): Promise<TrainDalleResult> {
  const {
    model,
    data,
    steps,
    batchSize = 32,
    lr = 3e-4,
    weightDecay = 0.01,
    textLossWeight = 0,
    clipGradNorm = 1,
    textDropProb = 0,
    textNoiseProb = 0,
    seed = 0,
    checkpointExtra = {},
    checkpointDir,
    checkpointHandler,
    checkpointEvery = 1000,
    keep,
    resume = false,
    signal,
    onProgress,
    logEvery = 10,
    metricsFile,
    onMetrics,
  } = options ?? ({} as TrainDalleOptions);
  if (!(model instanceof DalleTransformer)) throw new InvalidArgumentError('model', model, 'must be a DalleTransformer');
  checkPairs(data, model);
  checkPositiveInteger('steps', steps);
  checkPositiveInteger('batchSize', batchSize);
  if (batchSize > data.size) throw new InvalidArgumentError('batchSize', batchSize, `must be at most the number of pairs (${data.size})`);
  const warmupSteps = options.warmupSteps ?? Math.min(100, steps);
  checkPositiveInteger('warmupSteps', warmupSteps);
  if (typeof lr !== 'function') checkPositiveNumber('lr', lr);
  checkNonNegativeNumber('weightDecay', weightDecay);
  checkNonNegativeNumber('textLossWeight', textLossWeight);
  if (clipGradNorm !== 0) checkPositiveNumber('clipGradNorm', clipGradNorm);
  checkProbability('textDropProb', textDropProb);
  checkProbability('textNoiseProb', textNoiseProb);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError('seed', seed, 'must be a non-negative integer');
  if (checkpointDir !== undefined && checkpointHandler !== undefined) throw new InvalidArgumentError('checkpointHandler', checkpointHandler, 'must not be given together with checkpointDir');
  if (resume && checkpointDir === undefined && checkpointHandler === undefined) throw new InvalidArgumentError('resume', resume, 'needs checkpointDir or checkpointHandler (where to resume from)');

  const { textLength } = model.config;
  const imageLength = model.imageLength;
  // The DataLoader orders indices only: a one-pixel "image" per pair.
  const indexDataset: ImageDataset = {
    name: 'token-pairs',
    images: new Float32Array(data.size),
    labels: new Int32Array(data.size),
    size: data.size,
    height: 1,
    width: 1,
    channels: 1,
    classNames: [],
    skipped: 0,
  };
  const loader = new DataLoader(indexDataset, { batchSize, generator: new Generator(seed).fork('data'), dropLast: true });
  const schedule = typeof lr === 'function' ? lr : linearWarmupLr({ peak: lr, warmupSteps });
  const optimizer = new AdamW({ learningRate: schedule, weightDecay });
  const named = model.namedParameters().filter(([, variable]) => variable.trainable);
  const params: Record<string, tf.Variable> = Object.fromEntries(named);
  const nameOf = new Map(named.map(([name, variable]) => [variable.name, name]));
  const variables = named.map(([, variable]) => variable);

  const gather = (source: Int32Array, length: number, indices: ArrayLike<number>) => {
    const out = new Int32Array(indices.length * length);
    for (let i = 0; i < indices.length; i++) out.set(source.subarray(indices[i] * length, (indices[i] + 1) * length), i * length);
    return out;
  };
  const rows = (source: Int32Array, length: number, indices: ArrayLike<number>) => tf.tensor2d(gather(source, length, indices), [indices.length, length], 'int32');
  const corrupted = textDropProb > 0 || textNoiseProb > 0;
  // Step s's corruption draws from fork('text/<s>'): a pure function of (seed, s), as the batch order is.
  const textRows = (indices: ArrayLike<number>, index: number) => {
    if (!corrupted) return rows(data.textIds, textLength, indices);
    const clean = gather(data.textIds, textLength, indices);
    const out = corruptTextRows(clean, textLength, { dropProb: textDropProb, noiseProb: textNoiseProb, vocabSize: model.config.textVocabSize }, new Generator(seed).fork(`text/${index}`));
    return tf.tensor2d(out, [indices.length, textLength], 'int32');
  };

  const step = ({ step: index }: { step: number }) => {
    const batch = loader.batchAt(index);
    const text = textRows(batch.indices, index);
    const image = rows(data.imageIds, imageLength, batch.indices);
    tf.dispose([batch.images, batch.labels]);
    try {
      let imageLoss: tf.Scalar | null = null;
      let textLoss: tf.Scalar | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.forward(text, image, { textLogits: textLossWeight > 0 });
        imageLoss = tf.keep(tokenCrossEntropy(logits.image, image));
        if (logits.text === undefined) return imageLoss;
        textLoss = tf.keep(tokenCrossEntropy(logits.text, tf.slice(text, [0, 1], [-1, -1])));
        return tf.add(imageLoss, tf.mul(textLoss, textLossWeight)) as tf.Scalar;
      }, variables);
      const byName: Record<string, tf.Tensor> = {};
      for (const [engineName, grad] of Object.entries(grads)) byName[nameOf.get(engineName)!] = grad;
      if (clipGradNorm > 0) {
        const clipped = clipGradients(byName, clipGradNorm);
        optimizer.step(params, clipped.grads);
        tf.dispose([...Object.values(clipped.grads), clipped.norm]);
      } else {
        optimizer.step(params, byName);
      }
      tf.dispose(Object.values(grads));
      return { loss: value, imageLoss: imageLoss!, ...(textLoss ? { textLoss: textLoss as tf.Scalar } : {}) };
    } finally {
      tf.dispose([text, image]);
    }
  };

  const checkpointConfig = dalleCheckpointConfig(model, {
    ...checkpointExtra,
    training: { batchSize, seed, lr: typeof lr === 'function' ? 'custom schedule' : lr, warmupSteps, weightDecay, textLossWeight, clipGradNorm, textDropProb, textNoiseProb, pairs: data.size } as JsonValue,
  });
  try {
    const summary = await trainLoop({
      totalSteps: steps,
      step,
      state: { model, optimizer },
      ...trainRunLoopOptions({ checkpointDir, checkpointHandler, checkpointEvery, keep, checkpointConfig, resume, signal, onProgress, logEvery, metricsFile, onMetrics }),
    });
    return { model, optimizer, summary, dispose: () => optimizer.dispose() };
  } catch (error) {
    optimizer.dispose();
    throw error;
  }
}
