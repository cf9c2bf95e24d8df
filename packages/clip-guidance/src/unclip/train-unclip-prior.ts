// trainUnclipPrior: pairs (caption's CLIP text embedding, image's CLIP image embedding) of a
// captioned dataset — the captions CLIP and the text-to-image UNet were trained on — and a prior
// (prior.ts) fitted to map one to the other, with Adam and @gen/core's trainLoop (checkpoints,
// exact resume, NaN and leak guards). The CLIP is frozen.
import * as tf from '@tensorflow/tfjs-core';
import {
  Adam,
  checkPositiveInteger,
  clipGradNorm as clipGradients,
  DataLoader,
  Generator,
  InvalidArgumentError,
  trainLoop,
  trainRunLoopOptions,
  type ImageDataset,
  type JsonValue,
  type LearningRateSchedule,
  type ProgressEvent,
  type TrainRunOptions,
  type TrainSummary,
} from '@gen/core';
import { measureDataset } from '../captions/attribute-thresholds';
import { CaptionCorpus, checkTemplates } from '../captions/caption-corpus';
import { TRAINING_TEMPLATES } from '../captions/caption-templates';
import { Clip } from '../clip';
import { captionSettings } from '../text-to-image/train-text-to-image';
import { priorCheckpointConfig } from './prior-checkpoint';
import { createPrior, type EmbeddingPrior, type PriorConfig } from './prior';
import { clipImageShape } from './image-conditioning';

export interface TrainUnclipPriorOptions extends TrainRunOptions {
  /** Images in [0, 1] with labels and class names: what is captioned. */
  dataset: ImageDataset;
  /** The frozen CLIP whose text and image embeddings are paired. Never disposed here. */
  clip: Clip;
  /** Where the CLIP came from, recorded as `config.clip` in every checkpoint. */
  clipLocation?: string;
  /** Architecture: kind ('regression' default, or 'diffusion'), hidden width, layers…; embedDim is the CLIP's. */
  config?: Partial<Omit<PriorConfig, 'embedDim'>>;
  steps: number;
  /** Pairs per step (default 256). */
  batchSize?: number;
  /** Adam learning rate (default 1e-3). */
  lr?: number | LearningRateSchedule;
  /** Global gradient-norm clip (default 1; 0 turns it off). */
  clipGradNorm?: number;
  /** Diffusion prior: share of conditions replaced by the null condition (default 0.1). */
  conditionDropProb?: number;
  /** Templates training captions draw from (default TRAINING_TEMPLATES). */
  templates?: readonly string[];
  onProgress?(event: ProgressEvent): void | Promise<void>;
}

export interface TrainUnclipPriorResult {
  prior: EmbeddingPrior;
  corpus: CaptionCorpus;
  optimizer: Adam;
  summary: TrainSummary;
  /** Frees the prior and the optimizer's moments. */
  dispose(): void;
}

/**
 * Trains a prior. Batch s, its captions (`fork('captions').fork('step/s')`) and its diffusion
 * draws (`fork('noise').fork('step/s')`) are functions of (seed, step): a resumed run is
 * bit-identical.
 *
 * ```ts
 * const clip = await loadPretrainedClip('mnist');
 * const { prior } = await trainUnclipPrior({ dataset, clip, clipLocation: 'pretrained:mnist', config: { kind: 'diffusion' }, steps: 3000 });
 * ```
 */
export async function trainUnclipPrior(options: TrainUnclipPriorOptions): Promise<TrainUnclipPriorResult> {
  const {
    dataset,
    clip,
    clipLocation,
    config = {},
    steps,
    batchSize = 256,
    lr = 1e-3,
    clipGradNorm = 1,
    conditionDropProb = 0.1,
    templates = TRAINING_TEMPLATES,
    seed = 0,
    checkpointDir,
    checkpointHandler,
    checkpointEvery = 500,
    keep = 3,
    resume = false,
    signal,
    onProgress,
    logEvery = 10,
    metricsFile,
    onMetrics,
  } = options ?? ({} as TrainUnclipPriorOptions);
  if (!(clip instanceof Clip)) throw new InvalidArgumentError('clip', clip, 'must be a Clip (loadClip(dir) or trainClip(…).clip)');
  if (clipLocation !== undefined && (typeof clipLocation !== 'string' || clipLocation === '')) {
    throw new InvalidArgumentError('clipLocation', clipLocation, 'must be a non-empty string (where the CLIP checkpoint is)');
  }
  if (!dataset || !(dataset.images instanceof Float32Array) || !(dataset.labels instanceof Int32Array) || !Array.isArray(dataset.classNames)) {
    throw new InvalidArgumentError('dataset', dataset, 'must be an ImageDataset (images, labels, classNames)');
  }
  const imageShape = clipImageShape(clip);
  if (!tf.util.arraysEqual([dataset.height, dataset.width, dataset.channels], imageShape)) {
    throw new InvalidArgumentError('dataset', `${dataset.height}×${dataset.width}×${dataset.channels} images`, `must have the CLIP's image shape (${imageShape.join('×')})`);
  }
  checkPositiveInteger('steps', steps);
  checkPositiveInteger('batchSize', batchSize);
  if (batchSize > dataset.size) throw new InvalidArgumentError('batchSize', batchSize, `must be at most the dataset size (${dataset.size})`);
  if (typeof conditionDropProb !== 'number' || !(conditionDropProb >= 0 && conditionDropProb < 1)) {
    throw new InvalidArgumentError('conditionDropProb', conditionDropProb, 'must be a number in [0, 1)');
  }
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError('seed', seed, 'must be a non-negative integer');
  checkTemplates(templates);
  if (typeof config !== 'object' || config === null || 'embedDim' in config) {
    throw new InvalidArgumentError('config', config, "must be an object of prior fields without embedDim (it is the CLIP's)");
  }

  // 1. Captioner (the CLIP's own caption settings), prior, data, optimizer.
  const measured = measureDataset(dataset);
  const corpus = new CaptionCorpus({ classNames: dataset.classNames, measured, ...captionSettings(clip, dataset, measured, {}) });
  const generator = new Generator(seed);
  const prior = createPrior({ ...config, embedDim: clip.embedDim }, generator.fork('init'));
  const loader = new DataLoader(dataset, { batchSize, generator: generator.fork('data'), range: [0, 1], dropLast: true });
  const optimizer = new Adam({ learningRate: lr });
  const named = prior.namedParameters().filter(([, variable]) => variable.trainable);
  const params: Record<string, tf.Variable> = Object.fromEntries(named);
  const nameOf = new Map(named.map(([name, variable]) => [variable.name, name]));
  const variables = named.map(([, variable]) => variable);
  const captionStream = generator.fork('captions');
  const noiseStream = generator.fork('noise');
  const imageEmbeddings = embedDatasetImages(clip, dataset);

  // 2. One update: embed the batch's captions and images with the frozen CLIP, fit the prior.
  const step = ({ step: index }: { step: number }) => {
    const indices = loader.batchIndices(index);
    const labels = Int32Array.from(indices, (i) => dataset.labels[i]);
    const captions = corpus.captions(indices, labels, captionStream.fork(`step/${index}`), { templates });
    return tf.tidy(() => {
      const text = clip.encodeText(captions);
      const image = tf.gather(imageEmbeddings, tf.tensor1d(indices, 'int32'));
      const { value, grads } = tf.variableGrads(prior.loss(text, image, noiseStream.fork(`step/${index}`), conditionDropProb), variables);
      const byName: Record<string, tf.Tensor> = {};
      for (const [engineName, grad] of Object.entries(grads)) byName[nameOf.get(engineName)!] = grad;
      optimizer.step(params, clipGradNorm > 0 ? clipGradients(byName, clipGradNorm).grads : byName);
      return { loss: value };
    });
  };

  // 3. The loop; each checkpoint's config holds the prior config, the CLIP and the caption settings.
  const checkpointConfig = priorCheckpointConfig(prior, {
    clip: clipLocation ?? null,
    embedDim: clip.embedDim,
    captions: corpus.toJSON(),
    training: { dataset: dataset.name, batchSize, seed, lr: typeof lr === 'function' ? 'custom schedule' : lr, clipGradNorm, conditionDropProb, templates: [...templates] } as JsonValue,
  });
  try {
    const summary = await trainLoop({
      totalSteps: steps,
      step,
      state: { model: prior, optimizer },
      ...trainRunLoopOptions({ checkpointDir, checkpointHandler, checkpointEvery, keep, checkpointConfig, resume, signal, onProgress, logEvery, metricsFile, onMetrics }),
    });
    return {
      prior,
      corpus,
      optimizer,
      summary,
      dispose: () => {
        prior.dispose();
        optimizer.dispose();
      },
    };
  } catch (error) {
    prior.dispose();
    optimizer.dispose();
    throw error;
  } finally {
    imageEmbeddings.dispose();
  }
}

/** Images embedded per CLIP call when the dataset is embedded once. */
const EMBED_CHUNK = 500;

/**
 * The CLIP image embedding of every dataset image, `[N, D]`. The CLIP is frozen and sees the
 * images unaugmented, so each image's embedding is the same at every step: computing them once
 * (in fixed chunks, so a resumed run gets the same numbers) takes the image tower out of the
 * training step.
 */
function embedDatasetImages(clip: Clip, dataset: ImageDataset): tf.Tensor2D {
  const { height, width, channels, size } = dataset;
  const pixels = height * width * channels;
  const chunks: tf.Tensor2D[] = [];
  for (let start = 0; start < size; start += EMBED_CHUNK) {
    const count = Math.min(EMBED_CHUNK, size - start);
    chunks.push(
      tf.tidy(() => clip.encodeImage(tf.tensor4d(dataset.images.subarray(start * pixels, (start + count) * pixels), [count, height, width, channels]))),
    );
  }
  const all = tf.concat(chunks) as tf.Tensor2D;
  tf.dispose(chunks);
  return all;
}
