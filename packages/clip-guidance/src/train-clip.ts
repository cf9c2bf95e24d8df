// trainClip: captions the dataset from its pixels, learns a BPE tokenizer from the captions,
// and trains the dual encoder with @gen/core's symmetric InfoNCE, Adam and trainLoop
// (checkpoints, exact resume, NaN and leak guards).
import * as tf from '@tensorflow/tfjs-core';
import {
  Adam,
  checkPositiveInteger,
  checkPositiveNumber,
  clipGradNorm as clipGradients,
  DataLoader,
  Generator,
  InvalidArgumentError,
  losses,
  trainLoop,
  type ImageDataset,
  type JsonValue,
  type LearningRateSchedule,
  type ProgressEvent,
  type TrainSummary,
  type TrainRunOptions,
  trainRunLoopOptions,
} from '@gen/core';
import { CaptionCorpus, type AttributeKind } from './captions/caption-corpus';
import { TRAINING_TEMPLATES } from './captions/caption-templates';
import { Clip, tokenTensors } from './clip';
import { clipCheckpointConfig } from './clip-checkpoint';
import { ClipModel, type PartialClipModelConfig } from './model/clip-model';
import type { TextEncoderConfig } from './model/text-encoder';
import { BpeTokenizer } from './tokenizer/bpe-tokenizer';

/** The model config without the vocabulary and image shape, which come from the tokenizer and the dataset. */
export type ClipTrainConfig = Omit<PartialClipModelConfig, 'text'> & { text?: Partial<Omit<TextEncoderConfig, 'vocabSize' | 'contextLength'>> };

export interface TrainClipOptions extends TrainRunOptions {
  /** Training images in [0, 1] with labels and class names (MNIST, Fashion-MNIST, any ImageDataset). */
  dataset: ImageDataset;
  /** Model sizes (defaults: embedDim 128, text width 128 × 3 layers, image widths [32, 64, 128]). */
  config?: ClipTrainConfig;
  /** Tokenizer: vocabulary size (default 1024), row length (default 32), captions it is learned from (default 20,000). */
  tokenizer?: { vocabSize?: number; maxLength?: number; corpusSize?: number };
  /** Caption corpus: attribute groups, probability of mentioning each, quantiles (defaults: per dataset, 0.5, 0.2 / 0.8). */
  captions?: { attributes?: AttributeKind[]; attributeProbability?: number; low?: number; high?: number; templates?: readonly string[] };
  steps: number;
  /** Image–caption pairs per step (default 128). */
  batchSize?: number;
  /** Adam learning rate, a number or a schedule of the step (default 1e-3). */
  lr?: number | LearningRateSchedule;
  /** Clip the global gradient norm (default 1; 0 turns it off). */
  clipGradNorm?: number;
  /** Window means of `loss` (InfoNCE) and `logitScale`. */
  onProgress?(event: ProgressEvent): void | Promise<void>;
}

export interface TrainClipResult {
  clip: Clip;
  corpus: CaptionCorpus;
  optimizer: Adam;
  summary: TrainSummary;
  /** Frees the model and the optimizer's moments. */
  dispose(): void;
}

/** Group ids for InfoNCE: pairs with the same caption text are positives of each other. */
export function captionGroups(captions: readonly string[]): Int32Array {
  const ids = new Map<string, number>();
  return Int32Array.from(captions, (caption) => {
    if (!ids.has(caption)) ids.set(caption, ids.size);
    return ids.get(caption)!;
  });
}

/**
 * Trains a CLIP-style dual encoder. Everything random is a function of (seed, step): the
 * tokenizer corpus (`fork('tokenizer')`), batch s of a seeded DataLoader and its captions
 * (`fork('captions').fork('step/s')`), so a resumed run is bit-identical.
 *
 * ```ts
 * import '@gen/core/node';
 * const train = await loadMnist({ split: 'train' });
 * const { clip, summary } = await trainClip({ dataset: train, steps: 5000, checkpointDir: 'runs/clip/checkpoints' });
 * ```
 */
export async function trainClip(options: TrainClipOptions): Promise<TrainClipResult> {
  const {
    dataset,
    config = {},
    tokenizer: tokenizerOptions = {},
    captions: captionOptions = {},
    steps,
    batchSize = 128,
    lr = 1e-3,
    clipGradNorm = 1,
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
  } = options ?? ({} as TrainClipOptions);
  if (!dataset || !(dataset.images instanceof Float32Array) || !(dataset.labels instanceof Int32Array) || !Array.isArray(dataset.classNames)) {
    throw new InvalidArgumentError('dataset', dataset, 'must be an ImageDataset (images, labels, classNames)');
  }
  checkPositiveInteger('steps', steps);
  checkPositiveInteger('batchSize', batchSize);
  if (batchSize < 2) throw new InvalidArgumentError('batchSize', batchSize, 'must be at least 2 (InfoNCE contrasts pairs within a batch)');
  if (batchSize > dataset.size) throw new InvalidArgumentError('batchSize', batchSize, `must be at most the dataset size (${dataset.size})`);
  if (clipGradNorm !== 0) checkPositiveNumber('clipGradNorm', clipGradNorm);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError('seed', seed, 'must be a non-negative integer');
  if (checkpointDir !== undefined && checkpointHandler !== undefined) throw new InvalidArgumentError('checkpointHandler', checkpointHandler, 'must not be given together with checkpointDir');
  if (resume && checkpointDir === undefined && checkpointHandler === undefined) throw new InvalidArgumentError('resume', resume, 'needs checkpointDir or checkpointHandler (where to resume from)');
  const { vocabSize = 1024, maxLength = 32, corpusSize = 20_000 } = tokenizerOptions;
  checkPositiveInteger('tokenizer.corpusSize', corpusSize);
  const templates = captionOptions.templates ?? TRAINING_TEMPLATES;

  // 1. Captions and tokenizer (deterministic in seed, so a resumed run rebuilds the same ones).
  const generator = new Generator(seed);
  const corpus = CaptionCorpus.fromDataset(dataset, captionOptions);
  const labelsOf = (indices: ArrayLike<number>) => Int32Array.from(indices as ArrayLike<number>, (i) => dataset.labels[i]);
  const corpusOrder = generator.fork('tokenizer').permutation(dataset.size).subarray(0, Math.min(corpusSize, dataset.size));
  const tokenizerTexts = corpus.captions(corpusOrder, labelsOf(corpusOrder), generator.fork('tokenizer/captions'), { templates });
  const tokenizer = BpeTokenizer.train(tokenizerTexts, { vocabSize, maxLength });

  // 2. Model, data, optimizer.
  const model = ClipModel.fromConfig(
    {
      ...config,
      text: { ...(config.text ?? {}), vocabSize: tokenizer.vocabSize, contextLength: maxLength },
      image: { ...(config.image ?? {}), height: dataset.height, width: dataset.width, channels: dataset.channels },
    },
    generator.fork('init'),
  );
  const clip = new Clip(model, tokenizer);
  const loader = new DataLoader(dataset, { batchSize, generator: generator.fork('data'), range: [0, 1], dropLast: true });
  const optimizer = new Adam({ learningRate: lr });
  const named = model.namedParameters().filter(([, variable]) => variable.trainable);
  const params: Record<string, tf.Variable> = Object.fromEntries(named);
  const nameOf = new Map(named.map(([name, variable]) => [variable.name, name]));
  const variables = named.map(([, variable]) => variable);
  const captionStream = generator.fork('captions');

  // 3. One update: symmetric InfoNCE over the batch's image–caption pairs.
  const step = ({ step: index }: { step: number }) => {
    const batch = loader.batchAt(index);
    const captions = corpus.captions(batch.indices, labelsOf(batch.indices), captionStream.fork(`step/${index}`), { templates });
    const tokens = tokenTensors(tokenizer.encodeBatch(captions));
    const groups = tf.tensor1d(captionGroups(captions), 'int32');
    try {
      const { value, grads } = tf.variableGrads(() => {
        const images = model.encodeImages(batch.images);
        const texts = model.encodeTokens(tokens);
        return losses.infoNce(images, texts, model.logitScale(), { labels: groups, normalize: false }) as tf.Scalar;
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
      return { loss: value, logitScale: model.logitScale() };
    } finally {
      tf.dispose([batch.images, batch.labels, tokens.ids, tokens.mask, tokens.eosIndex, groups]);
    }
  };

  // 4. The loop; each checkpoint's config holds the model config, tokenizer and caption thresholds.
  const checkpointConfig = clipCheckpointConfig(clip, {
    captions: corpus.toJSON(),
    training: { dataset: dataset.name, batchSize, seed, lr: typeof lr === 'function' ? 'custom schedule' : lr, clipGradNorm, templates: [...templates] } as JsonValue,
  });
  try {
    const summary = await trainLoop({
      totalSteps: steps,
      step,
      state: { model, optimizer },
      ...trainRunLoopOptions({ checkpointDir, checkpointHandler, checkpointEvery, keep, checkpointConfig, resume, signal, onProgress, logEvery, metricsFile, onMetrics }),
    });
    return {
      clip,
      corpus,
      optimizer,
      summary,
      dispose: () => {
        clip.dispose();
        optimizer.dispose();
      },
    };
  } catch (error) {
    clip.dispose();
    optimizer.dispose();
    throw error;
  }
}
