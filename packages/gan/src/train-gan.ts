// trainGan: a GAN run on an ImageDataset, built on @gen/core's trainLoop (progress, exact
// resume, NaN and leak guards, checkpoints), plus a collapse detector, periodic sample grids
// and an evaluation hook with keep-best checkpoints.
import * as tf from '@tensorflow/tfjs-core';
import {
  DataLoader,
  Generator,
  InvalidArgumentError,
  makeGrid,
  trainLoop,
  type CheckpointInfo,
  type ImageDataset,
  type JsonValue,
  type LearningRateSchedule,
  type ProgressEvent,
  type TrainSummary,
} from '@gen/core';
import { createDiscriminator, createGenerator, saveGan, type CheckpointTarget } from './checkpoint';
import type { DiffAugmentOptions } from './diff-augment';
import { defaultDivergence, DivergenceDetector, type DivergenceOptions } from './divergence';
import { generate, type LabelsInput } from './generate';
import { GanTrainer, type GanEmaOptions } from './gan-trainer';
import { checkGanLoss, type GanLoss } from './objectives';
import { ganConfig } from './presets';
import type { GanConfig, GanDiscriminator, GanGenerator } from './types';
import { checkPositiveInteger } from './validate';
import { parallelGanRunner, type ParallelGan } from './parallel/parallel-hook';

/** A periodic sample grid (fixed latents, so grids of successive steps are comparable). */
export interface GanSamples {
  /** Steps completed. */
  step: number;
  /** `[n, H, W, C]` in [0, 1], from the EMA generator when there is one. Freed after the callback returns. */
  images: tf.Tensor4D;
  /** `makeGrid(images)` (columns = numClasses for conditional models, so each column is one class). Freed after the callback. */
  grid: tf.Tensor3D;
  /** The class of each image, or null (unconditional). */
  labels: Int32Array | null;
}

export interface GanSampleOptions {
  /** Every this many steps (and never at step 0). */
  every: number;
  /** Images per grid. Default 64 (100 for 10 classes: 10 per class). */
  n?: number;
  /** Truncation of the grid's latents. Default Infinity. */
  truncation?: number;
  /** Receives the grid; write it with `writePng(path, grid)` from '@gen/core/node'. */
  onSamples(samples: GanSamples): void | Promise<void>;
}

/** What an evaluation hook is given. */
export interface GanEvaluationContext {
  step: number;
  /** The generator to score, holding the EMA weights when there is an EMA (restored after the hook). */
  generator: GanGenerator;
  /** `generate({ generator, …options })` for this generator; pass your own rng for comparable scores. */
  sample(options: { n: number; labels?: LabelsInput; truncation?: number; rng: Generator }): tf.Tensor4D;
}

export interface GanEvaluationOptions {
  /** Every this many steps. */
  every: number;
  /** A score where lower is better, e.g. FID (or FID / floor) from @gen/core's metrics. */
  score(context: GanEvaluationContext): number | Promise<number>;
  /** Where the best-scoring generator (and discriminator) is written with `saveGan` whenever the score improves. */
  bestCheckpoint?: CheckpointTarget;
  onScore?(event: { step: number; score: number; bestScore: number; bestStep: number; improved: boolean }): void | Promise<void>;
}

/** A progress read, as trainLoop's with the GAN losses named. */
export interface GanProgressEvent extends ProgressEvent {
  losses: { discriminator: number; generator: number } & Record<string, number>;
}

export interface TrainGanOptions {
  /** Training images (values in [0, 1]; scaled to [-1, 1] for the models) with their labels. */
  dataset: ImageDataset;
  /** Model configs (e.g. from `ganConfig` or a checkpoint). Default: `ganConfig` for the dataset's shape, conditional on its classes. */
  config?: GanConfig;
  /** Objective. Default 'non-saturating'. */
  loss?: GanLoss;
  /** Generator steps (trainLoop's totalSteps). Each consumes criticSteps real batches. */
  steps: number;
  /** Images per batch. Default 64. */
  batchSize?: number;
  /** Seeds model init, data order and every draw. Default 0. */
  seed?: number;
  /** Critic updates per generator update. Default per loss (5 for the Wasserstein losses, else 1). */
  criticSteps?: number;
  /** Generator learning rate (TTUR: differs from lrD). Default per loss. */
  lrG?: number | LearningRateSchedule;
  /** Discriminator learning rate. Default per loss. */
  lrD?: number | LearningRateSchedule;
  beta1?: number;
  beta2?: number;
  /** R1 penalty γ on real images; 0 (default) off. */
  r1Gamma?: number;
  /** WGAN-GP penalty weight (loss 'wgan-gp'). Default 10. */
  gpWeight?: number;
  /** WGAN clipping bound (loss 'wasserstein'). Default 0.01. */
  clipValue?: number;
  /** ACGAN class-loss weight (discriminators with an auxiliary classifier). Default 1. */
  acganWeight?: number;
  /** Whether D's auxiliary classifier also learns from fakes (see GanTrainerOptions). Default true. */
  acganClassifyFakes?: boolean;
  /** BigGAN orthogonal regularization β on G; 0 (default) off. */
  orthogonalRegularization?: number;
  /** EMA of G; `false` off. Default `{ decay: 0.999, warmup: 'power' }` (see GanEmaOptions). */
  ema?: GanEmaOptions | false;
  /** Batches measured for the EMA weights' batch-norm statistics before samples and evaluations. Default `{ batches: 16, batchSize: 64 }`. */
  standingStatistics?: { batches?: number; batchSize?: number };
  /** DiffAugment on D's inputs (`true`: all of color, translation, cutout). Default false. */
  diffAugment?: DiffAugmentOptions | boolean;
  /** A folder of step checkpoints (Node: `import '@gen/core/node'` first). */
  checkpointDir?: string;
  /** A tf.io handler or URL ('indexeddb://run') overwritten at each checkpoint (browsers). */
  checkpointHandler?: tf.io.IOHandler | string;
  /** Checkpoint every this many steps (and at the end). Default max(1, round(steps / 10)). */
  checkpointEvery?: number;
  /** Keep only the newest N step checkpoints. Default: all. */
  keepCheckpoints?: number;
  /** Continue from the newest checkpoint in checkpointDir / checkpointHandler. Default false. */
  resume?: boolean;
  /** Stops after the current step (a final checkpoint is written). */
  signal?: AbortSignal;
  /** Losses are read (asynchronously) every this many steps. Default 10. */
  logEvery?: number;
  onProgress?(event: GanProgressEvent): void | Promise<void>;
  /** Append the progress records as JSON lines (Node). */
  metricsFile?: string;
  /** Periodic sample grids. */
  samples?: GanSampleOptions;
  /** Periodic scoring (FID…) with keep-best checkpoints. */
  evaluation?: GanEvaluationOptions;
  /** Collapse detector thresholds, or `false` to rely on the NaN guard only. Default per loss ({@link defaultDivergence}). */
  divergence?: DivergenceOptions | false;
  /**
   * Data-parallel training over worker threads (Node; `import '@gen/gan/node'` first): `n`
   * replicas of both networks (this thread's and `n − 1` workers). Every critic update and the
   * generator update average the replicas' gradients over their rows of the global batch before
   * every replica applies them (docs/parallel-training.md). Each replica runs both networks on
   * its rows, the generator's batch norm synchronised across replicas (see `splitGenerator`),
   * and every draw (latents, labels, DiffAugment, WGAN-GP interpolates) is made for the whole
   * batch, so the result equals `workers: 1` up to float rounding, batch norm included.
   * Checkpoints are the same (a run resumes with any worker count); EMA, samples,
   * evaluations and the collapse detector run in this thread. `'auto'`: one replica per core on
   * the wasm / cpu backends with at least 8 images per replica, else 1 (also when parallel
   * training is unavailable: no '@gen/gan/node', or a schedule-function `lrG` / `lrD`).
   * Default 1: this thread only.
   */
  workers?: number | 'auto';
  /**
   * With `workers` > 1: each replica runs the generator on its own rows, its batch norm using the
   * whole batch's statistics (per-channel sums exchanged between the threads in the forward and
   * the backward pass). Default true (faster); `false` runs the generator on the whole batch in
   * every replica and splits only the discriminator's work. Same result either way.
   */
  splitGenerator?: boolean;
}

export interface TrainGanSummary extends Omit<TrainSummary, 'stoppedBy'> {
  /** 'diverged': the collapse detector stopped the run (see `message`). */
  stoppedBy: TrainSummary['stoppedBy'] | 'diverged';
  /** For 'diverged': the newest checkpoint written before the collapse began (null if none). */
  lastGoodCheckpoint: CheckpointInfo | null;
  bestScore: number | null;
  bestStep: number | null;
}

export interface TrainGanResult {
  generator: GanGenerator;
  discriminator: GanDiscriminator;
  /** Optimizers, EMA, rng: `trainer.withEmaWeights(() => generate({ generator, … }))` samples with the EMA weights. */
  trainer: GanTrainer;
  config: GanConfig;
  summary: TrainGanSummary;
  /** Replicas that trained (1: this thread only; see `workers`). */
  workers: number;
  /** Frees models, optimizers and EMA. */
  dispose(): void;
}

/** The options trainGan hands to GanTrainer (JSON: they reach the worker threads). */
const TRAINER_FIELDS = [
  'criticSteps',
  'lrG',
  'lrD',
  'beta1',
  'beta2',
  'r1Gamma',
  'gpWeight',
  'clipValue',
  'acganWeight',
  'acganClassifyFakes',
  'orthogonalRegularization',
  'ema',
  'standingStatistics',
  'diffAugment',
] as const;

/** Raised inside trainLoop's progress callback to stop a collapsing run before any further checkpoint. */
class DivergenceStop extends Error {}

function checkDataset(dataset: unknown): asserts dataset is ImageDataset {
  const d = dataset as ImageDataset;
  if (!d || !(d.images instanceof Float32Array) || !(d.labels instanceof Int32Array) || !Number.isInteger(d.size)) {
    throw new InvalidArgumentError('dataset', dataset, "must be an ImageDataset (e.g. from loadDataset('mnist') in @gen/core/node)");
  }
}

/**
 * Trains a GAN on `dataset`. Resumable exactly (same backend ⇒ bit-identical to an
 * uninterrupted run); stops on NaN, on a collapsing discriminator, or on `signal`, with a
 * one-line `summary.message` naming the last good checkpoint.
 *
 * ```ts
 * import '@gen/core/node';
 * const mnist = await loadDataset('mnist', { split: 'train' });
 * const run = await trainGan({ dataset: mnist, loss: 'hinge', steps: 5000, checkpointDir: 'runs/cgan', resume: true });
 * ```
 */
export async function trainGan(options: TrainGanOptions): Promise<TrainGanResult> {
  const {
    dataset,
    loss: lossOption = 'non-saturating',
    steps,
    batchSize = 64,
    seed = 0,
    checkpointDir,
    checkpointHandler,
    keepCheckpoints,
    resume = false,
    signal,
    logEvery = 10,
    onProgress,
    metricsFile,
    samples,
    evaluation,
    workers = 1,
    splitGenerator = true,
  } = options ?? ({} as TrainGanOptions);
  checkDataset(dataset);
  const loss = checkGanLoss(lossOption);
  if (typeof steps !== 'number' || !Number.isSafeInteger(steps) || steps < 0) {
    throw new InvalidArgumentError('steps', steps, 'must be a non-negative integer');
  }
  checkPositiveInteger('batchSize', batchSize);
  if (batchSize > dataset.size) throw new InvalidArgumentError('batchSize', batchSize, `must not exceed the dataset size (${dataset.size})`);
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError('seed', seed, 'must be a non-negative integer');
  const numClasses = dataset.classNames.length;
  const config = options.config ?? ganConfig({ height: dataset.height, width: dataset.width, channels: dataset.channels, numClasses });
  const imageShape = [config.generator?.height, config.generator?.width, config.generator?.channels];
  if (!tf.util.arraysEqual(imageShape, [dataset.height, dataset.width, dataset.channels])) {
    throw new InvalidArgumentError(
      'dataset',
      `${dataset.height}×${dataset.width}×${dataset.channels} images`,
      `must match config.generator's output ${imageShape.join('×')}`,
    );
  }
  const modelClasses = Math.max((config.generator as { numClasses?: number }).numClasses ?? 0, (config.discriminator as { numClasses?: number }).numClasses ?? 0);
  if (modelClasses > 0 && modelClasses < numClasses) {
    throw new InvalidArgumentError('config numClasses', modelClasses, `must cover the dataset's ${numClasses} classes (${dataset.name})`);
  }
  if ((checkpointDir === undefined) === (checkpointHandler === undefined) && resume) {
    throw new InvalidArgumentError('resume', resume, 'needs exactly one of checkpointDir or checkpointHandler');
  }
  if (checkpointDir !== undefined && checkpointHandler !== undefined) {
    throw new InvalidArgumentError('checkpointHandler', checkpointHandler, 'cannot be combined with checkpointDir (give one)');
  }
  const checkpointEvery = options.checkpointEvery ?? Math.max(1, Math.round(steps / 10));
  checkPositiveInteger('checkpointEvery', checkpointEvery);
  const divergenceSettings = options.divergence === false ? null : { ...defaultDivergence(loss), ...(options.divergence ?? {}) };
  const detector =
    divergenceSettings && divergenceSettings.discriminatorLossBelow !== undefined && divergenceSettings.generatorLossAbove !== undefined
      ? new DivergenceDetector({ patience: 5, ...divergenceSettings } as Required<DivergenceOptions>)
      : null;
  if (workers !== 'auto' && !(typeof workers === 'number' && Number.isSafeInteger(workers) && workers >= 1 && workers <= 256)) {
    throw new InvalidArgumentError('workers', workers, "must be 'auto' or an integer from 1 to 256");
  }
  if (typeof splitGenerator !== 'boolean') throw new InvalidArgumentError('splitGenerator', splitGenerator, 'must be true or false');
  const runner = parallelGanRunner();
  const unavailable =
    runner === null
      ? "needs Node's worker threads: import '@gen/gan/node' first"
      : typeof options.lrG === 'function' || typeof options.lrD === 'function'
        ? 'needs numeric lrG and lrD: a schedule function cannot reach worker threads'
        : null;
  let replicas = 1;
  if (workers === 'auto') replicas = unavailable === null ? runner!.autoWorkers(tf.getBackend(), batchSize) : 1;
  else if (workers > 1) {
    if (unavailable !== null) throw new InvalidArgumentError('workers', workers, unavailable);
    replicas = workers;
  }
  if (samples !== undefined) checkPositiveInteger('samples.every', samples?.every);
  if (evaluation !== undefined) checkPositiveInteger('evaluation.every', evaluation?.every);

  const started = globalThis.performance ? globalThis.performance.now() : Date.now();
  // 1. Models and trainer, each drawing from its own fork of the seed.
  const root = new Generator(seed);
  let parallel: ParallelGan | null = null;
  let generator: GanGenerator;
  let discriminator: GanDiscriminator | null = null;
  let trainer: GanTrainer | null = null;
  if (replicas > 1) {
    // Replica 0 (this thread) builds what the lines below build, from the same seed; so does every worker.
    const trainerFields = Object.fromEntries(TRAINER_FIELDS.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]));
    parallel = await runner!.create({
      options: { config, seed, batchSize, splitGenerator, trainer: { ...trainerFields, loss } as never },
      dataset,
      workers: replicas,
      backend: tf.getBackend(),
      globalBatchSize: batchSize,
    });
    generator = parallel.generator;
    discriminator = parallel.discriminator;
    trainer = parallel.trainer;
  } else {
    generator = createGenerator(config.generator, root.fork('init/generator'));
    try {
      discriminator = createDiscriminator(config.discriminator, root.fork('init/discriminator'));
      trainer = new GanTrainer({ ...options, generator, discriminator, loss, rng: root.fork('train') });
    } catch (error) {
      generator.dispose();
      discriminator?.dispose();
      throw error;
    }
  }
  const G = generator;
  const D = discriminator;
  const T = trainer;
  const dispose = () => {
    T.dispose();
    G.dispose();
    D.dispose();
  };

  // 2. Data: batch k of the run is loader.batchAt(k), a pure function of (seed, k).
  const loader = new DataLoader(dataset, { batchSize, generator: root.fork('data'), range: [-1, 1], dropLast: true });
  const conditional = G.numClasses > 0 || D.numClasses > 0;

  // 3. Best evaluation score, saved with each checkpoint so a resumed run keeps it.
  const best = { score: null as number | null, step: null as number | null };
  const evaluationState = {
    getState: (): JsonValue => ({ score: best.score, step: best.step }),
    setState: (state: JsonValue) => {
      const saved = (state ?? {}) as { score?: number | null; step?: number | null };
      best.score = saved.score ?? null;
      best.step = saved.step ?? null;
    },
  };

  const checkpoints: CheckpointInfo[] = [];
  const periodic = [];
  if (samples) {
    const sampleCount = samples.n ?? (G.numClasses > 0 ? G.numClasses * Math.max(1, Math.floor(64 / G.numClasses)) : 64);
    checkPositiveInteger('samples.n', sampleCount);
    periodic.push({
      every: samples.every,
      run: async ({ step }: { step: number }) => {
        const labels = G.numClasses > 0 ? Int32Array.from({ length: sampleCount }, (_, i) => i % G.numClasses) : undefined;
        const images = T.withEmaWeights(() =>
          generate({ generator: G, n: sampleCount, labels, truncation: samples.truncation, rng: new Generator(seed).fork('samples') }),
        );
        const grid = makeGrid(images, G.numClasses > 0 ? { columns: G.numClasses } : {});
        try {
          await samples.onSamples({ step, images, grid, labels: labels ?? null });
        } finally {
          tf.dispose([images, grid]);
        }
      },
    });
  }
  if (evaluation) {
    periodic.push({
      every: evaluation.every,
      run: async ({ step }: { step: number }) => {
        await T.withEmaWeightsAsync(async () => {
          const score = await evaluation.score({ step, generator: G, sample: (sampleOptions) => generate({ ...sampleOptions, generator: G }) });
          if (typeof score !== 'number' || Number.isNaN(score)) throw new InvalidArgumentError('evaluation.score() result', score, 'must be a number');
          const improved = best.score === null || score < best.score;
          if (improved) {
            best.score = score;
            best.step = step;
            if (evaluation.bestCheckpoint !== undefined) {
              await saveGan(evaluation.bestCheckpoint, { generator: G, discriminator: D, metadata: { step, score, loss } });
            }
          }
          await evaluation.onScore?.({ step, score, bestScore: best.score!, bestStep: best.step!, improved });
        });
      },
    });
  }

  // 4. The run.
  let divergedMessage: string | null = null;
  let stepsDone = 0;
  const trainingConfig: JsonValue = { loss, batchSize, seed, criticSteps: T.criticSteps, dataset: dataset.name };
  const hasCheckpoint = checkpointDir !== undefined || checkpointHandler !== undefined;
  let summary: TrainSummary;
  let synced = false;
  try {
    summary = await trainLoop({
      totalSteps: steps,
      state: { ...T.state(), evaluation: evaluationState },
      step: parallel
        ? async ({ step }) => {
            const P = parallel!;
            if (!synced) {
              // After a resume (trainLoop restored replica 0): every replica continues from the same state.
              await P.syncFromMain();
              synced = true;
            }
            const dLosses: number[] = [];
            for (let k = 0; k < T.criticSteps; k++) dLosses.push(await P.critic(step * T.criticSteps + k));
            const generatorLoss = await P.generatorUpdate(step);
            T.updateEma();
            return { discriminator: tf.scalar(dLosses.reduce((a, b) => a + b, 0) / dLosses.length), generator: tf.scalar(generatorLoss) };
          }
        : ({ step }) => {
        const batches = Array.from({ length: T.criticSteps }, (_, i) => loader.batchAt(step * T.criticSteps + i));
        try {
          return T.step(batches.map(({ images, labels }) => ({ images, labels: conditional ? labels : undefined })));
        } finally {
          for (const batch of batches) tf.dispose([batch.images, batch.labels]);
        }
      },
      checkpoint: hasCheckpoint
        ? {
            ...(checkpointDir !== undefined ? { dir: checkpointDir } : { handler: checkpointHandler }),
            every: checkpointEvery,
            ...(keepCheckpoints !== undefined ? { keep: keepCheckpoints } : {}),
            config: { family: 'gan', generator: G.config, discriminator: D.config, training: trainingConfig } as unknown as JsonValue,
          }
        : undefined,
      resume,
      signal,
      logEvery,
      metricsFile,
      onProgress: async (event) => {
        stepsDone = event.step;
        await onProgress?.(event as GanProgressEvent);
        const collapse = detector?.observe(event.step, event.losses);
        if (collapse) {
          divergedMessage = collapse;
          throw new DivergenceStop(collapse);
        }
      },
      callbacks: {
        onCheckpoint: (info) => {
          checkpoints.push(info);
        },
        periodic,
      },
    });
  } catch (error) {
    await parallel?.dispose();
    if (!(error instanceof DivergenceStop)) {
      dispose();
      throw error;
    }
    // The streak began at detector.streakStart's read; the last good checkpoint predates the window that read covers.
    const firstBad = (detector!.streakStart ?? stepsDone) - logEvery;
    const lastGood = [...checkpoints].reverse().find((info) => info.step <= firstBad) ?? null;
    const where = lastGood ? `the last good checkpoint is step ${lastGood.step} at ${lastGood.location}` : 'no good checkpoint was written';
    const lastCheckpoint = checkpoints.at(-1) ?? null;
    return {
      generator: G,
      discriminator: D,
      trainer: T,
      config,
      dispose,
      workers: replicas,
      summary: {
        steps: stepsDone,
        stoppedBy: 'diverged',
        message: `trainGan: ${divergedMessage}; stopped after step ${stepsDone}, ${where}`,
        lastCheckpoint,
        lastGoodCheckpoint: lastGood,
        seconds: ((globalThis.performance ? globalThis.performance.now() : Date.now()) - started) / 1000,
        bestScore: best.score,
        bestStep: best.step,
      },
    };
  }
  await parallel?.dispose();
  return {
    generator: G,
    discriminator: D,
    trainer: T,
    config,
    dispose,
    workers: replicas,
    summary: { ...summary, lastGoodCheckpoint: summary.lastCheckpoint, bestScore: best.score, bestStep: best.step },
  };
}
