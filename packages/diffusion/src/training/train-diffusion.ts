// DDPM training (Ho et al. 2020, Algorithm 1) of a UNet on an image dataset, on @gen/core's
// trainLoop: x₀ ~ data, t ~ U{0 … T−1}, ε ~ N(0, I), x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε, and a
// gradient step on ‖target − model(x_t, t, c)‖² — target ε, x₀ or v — with the options of
// current practice: min-SNR-γ weighting, offset noise, self-conditioning, condition dropout for
// classifier-free guidance, EMA weights, exact resume.
import * as tf from '@tensorflow/tfjs-core';
import {
  AdamW,
  DataLoader,
  DEFAULT_SCHEDULER_CONFIG,
  EMA,
  Generator,
  InvalidArgumentError,
  alphasCumprod,
  betasFromConfig,
  clipGradNorm,
  linearWarmupLr,
  trainLoop,
  validateSchedulerConfig,
} from '@gen/core';
import type {
  AugmentOptions,
  EMAOptions,
  ImageDataset,
  JsonValue,
  LearningRateSchedule,
  PredictionType,
  ProgressEvent,
  SchedulerConfig,
  CheckpointStore,
  TrainState,
  TrainSummary,
} from '@gen/core';
import { UNet2DModel, type UNet2DConfigInput } from '../models/unet';
import { denoisingLoss, drawStep } from './denoising-loss';
import { isHookRecipe, parallelDiffusionRunner, type HookRecipe, type ImageEncoderHook, type ParallelDiffusion, type TextEncoderHook } from './parallel-hook';

/** The forward-process fields of a scheduler config that training uses (the rest are sampling options). */
export type NoiseScheduleOptions = Partial<
  Pick<SchedulerConfig, 'numTrainTimesteps' | 'betaSchedule' | 'betaStart' | 'betaEnd' | 'trainedBetas' | 'rescaleBetasZeroSnr'>
>;

/** Text conditioning of a batch, for UNets with cross-attention. */
export interface TextConditioning {
  /** `[B, L, crossAttentionDim]` token embeddings. */
  encoderHiddenStates: tf.Tensor;
  /** `[B, L]` key mask (default all ones). */
  encoderMask?: tf.Tensor;
}

/**
 * What {@link TrainDiffusionOptions.encodeText} receives for each step's batch: enough to caption
 * every image (its dataset index, its label) deterministically (the step's own generator).
 */
export interface TextBatch {
  /** Dataset indices of the batch's images, in batch order. */
  indices: Int32Array;
  /** Their labels `[B]` int32 (valid during the call only). */
  labels: tf.Tensor1D;
  /**
   * This step's stream for the text: `new Generator(seed).fork('step/' + step).fork('text')`. It
   * depends only on (seed, step), never on what was drawn before, so a resumed run captions
   * every step as the uninterrupted run did; drawing from it leaves the step's other draws unchanged.
   */
  generator: Generator;
  /** The step (0-based). */
  step: number;
}

/** What `onSample` receives. */
export interface SampleContext {
  /** Steps completed. */
  step: number;
  /** The model, holding the EMA weights during the call when EMA is on. Do not dispose it. */
  model: UNet2DModel;
  /** A scheduler config matching the training process: `DDIMScheduler.fromConfig(schedulerConfig)`. */
  schedulerConfig: SchedulerConfig;
}

/** Options of {@link trainDiffusion}. */
export interface TrainDiffusionOptions {
  /** The UNet to train (trained in place). Give this or `config`. */
  model?: UNet2DModel;
  /** Builds a fresh UNet (weights from the `seed`'s 'init' stream) when `model` is omitted. */
  config?: UNet2DConfigInput;
  /** Images in [0, 1] (mapped to [−1, 1]) with labels; shape must match the model's. */
  dataset: ImageDataset;
  /** Total optimisation steps (a resumed run continues up to the same total). */
  steps: number;
  /** Images per step (default 64). */
  batchSize?: number;
  /** Forward-process noise schedule (default DDPM's: 1000 linear betas 1e-4 … 0.02). */
  noiseSchedule?: NoiseScheduleOptions;
  /** What the model learns to predict (default 'epsilon'). */
  predictionType?: PredictionType;
  /** Min-SNR-γ loss weighting (Hang et al. 2023; 5 is their choice); plain MSE when omitted. */
  snrGamma?: number;
  /**
   * Offset noise strength (Guttenberg 2023): ε += offsetNoise·N(0, 1) per sample and channel,
   * so the model can change the overall brightness. Default 0 (off); 0.1 is common.
   */
  offsetNoise?: number;
  /**
   * Self-conditioning (Chen et al. 2023, "Analog Bits" §3.2): on half the steps the model
   * first predicts x̂₀ (no gradient) and then reads it as an extra input. Needs a UNet built
   * with `selfConditioning: true`; default: that config flag.
   */
  selfConditioning?: boolean;
  /**
   * Probability of replacing a sample's condition with the null condition, for classifier-free
   * guidance (Ho & Salimans 2022 use 0.1–0.2). Default 0.1 for class / text models, 0 otherwise.
   */
  conditionDropProb?: number;
  /**
   * Latent diffusion (Rombach et al. 2022): maps each batch (images in [−1, 1]) to the latents the
   * UNet learns, e.g. `(x, g) => tf.mul(autoencoder.encode(x).latentDist.sample({ generator: g }), scalingFactor)`
   * with @gen/vae's AutoencoderKL. Called inside the step with the step's generator (after its other
   * draws); the model's height × width × inChannels must match the encoded shape.
   *
   * Or a {@link HookRecipe} `{ module, exportName, options }` (Node, `import '@gen/diffusion/node'`):
   * every thread imports the module and builds the encoder itself, which data-parallel training
   * (`workers` > 1) needs, e.g. `latentEncoderRecipe({ autoencoder: dir, scalingFactor })` of
   * @gen/vae/node (each thread loads the AutoencoderKL from `dir`). Its factory returns an
   * {@link ImageEncoderHook}.
   */
  encodeImages?: ((images: tf.Tensor4D, generator: Generator) => tf.Tensor4D) | HookRecipe;
  /**
   * Text conditioning for cross-attention UNets: maps each step's batch (image indices, labels,
   * the step's text generator) to token embeddings, e.g. captions of each image encoded by a
   * frozen text encoder (@gen/clip-guidance's `trainTextToImage`). Called inside the step's
   * `tf.tidy`; rows dropped for classifier-free guidance get a zero mask afterwards.
   *
   * Or a {@link HookRecipe} (Node, `import '@gen/diffusion/node'`): every thread imports the module
   * and builds the hook itself from the options and the training set, which data-parallel training
   * (`workers` > 1) needs, e.g. `textEncoderRecipe({ clip: dir })` of @gen/clip-guidance/node (each
   * thread loads the CLIP from `dir`). Its factory returns a {@link TextEncoderHook}.
   */
  encodeText?: ((batch: TextBatch) => TextConditioning) | HookRecipe;
  /** @deprecated Use `encodeText` (it also gets the image indices and a generator). Maps a batch's labels to token embeddings. */
  encodeLabels?: (labels: tf.Tensor1D) => TextConditioning;
  /**
   * Extra fields of every checkpoint's config (e.g. where the text encoder or the autoencoder
   * came from); `family`, `model`, `scheduler` and `training` cannot be overridden.
   */
  extraConfig?: Record<string, JsonValue>;
  /** EMA of the weights (default `{ decay: 0.999, warmup: 'power' }`); false to turn off. */
  ema?: EMAOptions | false;
  /** Learning rate: a peak for linear warm-up then constant (default 1e-3), or a schedule of the step. */
  lr?: number | LearningRateSchedule;
  /** Warm-up steps of a numeric `lr` (default min(200, steps / 10)). */
  warmupSteps?: number;
  /** AdamW's decoupled weight decay (default 0). */
  weightDecay?: number;
  /** Global gradient-norm clip (default 1; 0 turns it off). */
  maxGradNorm?: number;
  /** Random flips / shifts of the batches (see @gen/core `augment`); default off. */
  augment?: Omit<AugmentOptions, 'generator' | 'padValue'> | false;
  /** Seed of every random draw: init, data order, noise, timesteps, condition dropout (default 0). */
  seed?: number;
  /** A folder of step-numbered checkpoints (Node; `import '@gen/core/node'` first). */
  checkpointDir?: string;
  /** Or one tf.io handler / URL ('indexeddb://run'), overwritten at each checkpoint. */
  checkpointHandler?: tf.io.IOHandler | string;
  /** Or any CheckpointStore. */
  checkpointStore?: CheckpointStore;
  /** Steps between checkpoints (default 500; a final one is written at the end). */
  checkpointEvery?: number;
  /** Newest checkpoints kept (default 3). */
  checkpointKeep?: number;
  /** Continue from the latest checkpoint when there is one (default false). */
  resume?: boolean;
  /** Stop after the current step and write a final checkpoint. */
  signal?: AbortSignal;
  /** Called every `logEvery` steps with the mean loss over the window. */
  onProgress?: (event: ProgressEvent) => void | Promise<void>;
  /** Steps between loss reads (default 10). */
  logEvery?: number;
  /** Steps between `onSample` calls. */
  sampleEvery?: number;
  /** Preview hook, e.g. a sample grid through a pipeline; runs with the EMA weights swapped in. */
  onSample?: (context: SampleContext) => void | Promise<void>;
  /**
   * Data-parallel training over worker threads (Node; `import '@gen/diffusion/node'` first):
   * `n` replicas of the UNet (this thread's and `n − 1` workers), each computing the gradients
   * of a slice of every batch, averaged before one AdamW update that every replica applies
   * (docs/parallel-training.md). The result agrees with `workers: 1` up to float rounding
   * (the UNet normalises per sample: GroupNorm), checkpoints are the same (a run resumes with
   * any worker count), and EMA, clipping, warm-up, `onSample` and NaN checks run as usual.
   * `'auto'`: one replica per core on the wasm / cpu backends with at least 8 images per
   * replica, else 1 (also when parallel training is unavailable: no '@gen/diffusion/node', a
   * schedule-function `lr`, an `encodeImages` or `encodeText` function (recipes work), `encodeLabels`).
   * Default 1: this thread only.
   */
  workers?: number | 'auto';
}

/** What {@link trainDiffusion} returns. The caller owns model, ema and optimizer (dispose them). */
export interface TrainDiffusionResult {
  model: UNet2DModel;
  /** The EMA of the weights (`ema.copyTo(Object.fromEntries(model.namedParameters()))` to sample with it), or null. */
  ema: EMA | null;
  optimizer: AdamW;
  summary: TrainSummary;
  /** The scheduler config of the trained process (betas, T, predictionType): `DDIMScheduler.fromConfig(schedulerConfig)`. */
  schedulerConfig: SchedulerConfig;
  /** Replicas that trained (1: this thread only; see `workers`). */
  workers: number;
  /** Frees model, EMA and optimizer. */
  dispose(): void;
}

const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'sample', 'v_prediction'];

/**
 * Trains a diffusion UNet; see {@link TrainDiffusionOptions}. Every random draw of step s comes
 * from `new Generator(seed).fork('step/' + s)` (whole-batch draws) and the data order from the
 * same seed, so a resumed run is bit-identical to an uninterrupted one on the same backend.
 *
 * ```ts
 * const { model, ema, schedulerConfig } = await trainDiffusion({
 *   config: { ...DEFAULT_UNET_CONFIG, numClasses: 10 }, dataset, steps: 5000, checkpointDir: 'runs/mnist', resume: true,
 * });
 * ```
 */
export async function trainDiffusion(options: TrainDiffusionOptions): Promise<TrainDiffusionResult> {
  const {
    dataset,
    steps,
    batchSize = 64,
    noiseSchedule = {},
    predictionType = 'epsilon',
    snrGamma,
    offsetNoise = 0,
    encodeImages: encodeImagesOption,
    encodeLabels,
    extraConfig = {},
    ema: emaOptions = { decay: 0.999, warmup: 'power' },
    lr = 1e-3,
    weightDecay = 0,
    maxGradNorm = 1,
    augment = false,
    seed = 0,
    checkpointDir,
    checkpointHandler,
    checkpointStore,
    checkpointEvery = 500,
    checkpointKeep = 3,
    resume = false,
    signal,
    onProgress,
    logEvery = 10,
    sampleEvery,
    onSample,
    workers = 1,
  } = options ?? ({} as TrainDiffusionOptions);

  // 1. Validate everything before building anything.
  if (!Number.isSafeInteger(steps) || steps < 0) throw new InvalidArgumentError('steps', steps, 'must be an integer >= 0');
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError('batchSize', batchSize, 'must be a positive integer');
  if (!PREDICTION_TYPES.includes(predictionType)) {
    throw new InvalidArgumentError('predictionType', predictionType, "must be one of 'epsilon', 'sample', 'v_prediction'");
  }
  if (snrGamma !== undefined && !(typeof snrGamma === 'number' && snrGamma > 0 && Number.isFinite(snrGamma))) {
    throw new InvalidArgumentError('snrGamma', snrGamma, 'must be a finite number > 0 (or omitted for plain MSE)');
  }
  if (typeof offsetNoise !== 'number' || !(offsetNoise >= 0) || !Number.isFinite(offsetNoise)) {
    throw new InvalidArgumentError('offsetNoise', offsetNoise, 'must be a finite number >= 0');
  }
  if (typeof maxGradNorm !== 'number' || !(maxGradNorm >= 0)) throw new InvalidArgumentError('maxGradNorm', maxGradNorm, 'must be a number >= 0 (0 = no clipping)');
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError('seed', seed, 'must be a non-negative integer');
  if (workers !== 'auto' && !(Number.isSafeInteger(workers) && workers >= 1 && workers <= 256)) {
    throw new InvalidArgumentError('workers', workers, "must be 'auto' or an integer from 1 to 256");
  }
  if (sampleEvery !== undefined && (!Number.isSafeInteger(sampleEvery) || sampleEvery < 1)) {
    throw new InvalidArgumentError('sampleEvery', sampleEvery, 'must be a positive integer');
  }
  if (options.model === undefined && options.config === undefined) throw new InvalidArgumentError('model', undefined, 'or config is required');
  if (encodeImagesOption !== undefined && typeof encodeImagesOption !== 'function' && !isHookRecipe(encodeImagesOption)) {
    throw new InvalidArgumentError('encodeImages', encodeImagesOption, 'must be a function (images, generator) => latents or a recipe { module, exportName?, options? }');
  }
  // A recipe: this thread builds its own encoder from it (the workers build theirs).
  const encoderRecipe = isHookRecipe(encodeImagesOption) ? encodeImagesOption : null;
  let encoderHook: ImageEncoderHook | null = null;
  if (encoderRecipe !== null) {
    const hookRunner = parallelDiffusionRunner();
    if (hookRunner === null) throw new InvalidArgumentError('encodeImages', encoderRecipe.module, "is a recipe: import '@gen/diffusion/node' first (Node)");
    encoderHook = await hookRunner.loadImageEncoder(encoderRecipe);
  }
  const disposeEncoder = () => {
    encoderHook?.dispose?.();
    encoderHook = null;
    textHook?.dispose?.();
    textHook = null;
  };
  // A text recipe: likewise, built with the training set (e.g. the captions of its images).
  const textRecipe = isHookRecipe(options.encodeText) ? options.encodeText : null;
  let textHook: TextEncoderHook | null = null;
  if (textRecipe !== null) {
    const hookRunner = parallelDiffusionRunner();
    if (hookRunner === null) {
      disposeEncoder();
      throw new InvalidArgumentError('encodeText', textRecipe.module, "is a recipe: import '@gen/diffusion/node' first (Node)");
    }
    try {
      textHook = await hookRunner.loadTextEncoder(textRecipe, { dataset });
    } catch (error) {
      disposeEncoder();
      throw error;
    }
  }
  const hook = encoderHook as ImageEncoderHook | null;
  const encodeImages: ((images: tf.Tensor4D, generator: Generator) => tf.Tensor4D) | undefined =
    hook !== null ? (images, generator) => hook.encode(images, generator) : (encodeImagesOption as ((images: tf.Tensor4D, generator: Generator) => tf.Tensor4D) | undefined);
  if (options.model !== undefined && !(options.model instanceof UNet2DModel)) throw new InvalidArgumentError('model', options.model, 'must be a UNet2DModel');
  // Latents are not bounded like [-1, 1] pixels: samplers must not clip their x̂₀ estimates.
  const schedulerConfig: SchedulerConfig = { ...DEFAULT_SCHEDULER_CONFIG, ...(encodeImages ? { clipSample: false } : {}), ...definedFields(noiseSchedule), predictionType };
  try {
    validateSchedulerConfig(schedulerConfig);
  } catch (error) {
    disposeEncoder();
    throw error;
  }
  const rng = new Generator(seed);
  const model = options.model ?? new UNet2DModel({ ...(options.config as UNet2DConfigInput), generator: rng.fork('init') });
  const { height, width, inChannels, numClasses, crossAttentionDim } = model.config;
  if (!dataset || (encodeImages === undefined && (dataset.height !== height || dataset.width !== width || dataset.channels !== inChannels))) {
    if (options.model === undefined) model.dispose();
    disposeEncoder();
    throw new InvalidArgumentError(
      'dataset',
      dataset ? `${dataset.name} ${dataset.height}×${dataset.width}×${dataset.channels}` : dataset,
      `must hold ${height}×${width}×${inChannels} images to match the model`,
    );
  }
  if (encodeImages !== undefined) {
    if (typeof encodeImages !== 'function') {
      if (options.model === undefined) model.dispose();
      disposeEncoder();
      throw new InvalidArgumentError('encodeImages', encodeImages, 'must be a function (images, generator) => latents');
    }
    // The UNet sees the encoded shape: probe the encoder with one blank image (its own generator).
    const blank = (): tf.Tensor4D => tf.zeros([1, dataset.height, dataset.width, dataset.channels]);
    const [, h, w, c] = tf.tidy(() => encodeImages(blank(), new Generator(seed).fork('encode-probe')).shape);
    if (h !== height || w !== width || c !== inChannels) {
      if (options.model === undefined) model.dispose();
      disposeEncoder();
      throw new InvalidArgumentError('encodeImages', `${h}×${w}×${c} latents`, `must match the model's ${height}×${width}×${inChannels} input`);
    }
  }
  const conditional = numClasses !== null || crossAttentionDim !== null;
  const conditionDropProb = options.conditionDropProb ?? (conditional ? 0.1 : 0);
  if (typeof conditionDropProb !== 'number' || !(conditionDropProb >= 0 && conditionDropProb <= 1)) {
    throw new InvalidArgumentError('conditionDropProb', conditionDropProb, 'must be a number in [0, 1]');
  }
  const selfConditioning = options.selfConditioning ?? model.config.selfConditioning;
  if (selfConditioning && !model.config.selfConditioning) {
    throw new InvalidArgumentError('selfConditioning', selfConditioning, 'needs a UNet built with selfConditioning: true (it reads x̂₀ as extra input channels)');
  }
  const fail = (error: Error): never => {
    if (options.model === undefined) model.dispose();
    disposeEncoder();
    throw error;
  };
  if (options.encodeText !== undefined && encodeLabels !== undefined) {
    fail(new InvalidArgumentError('encodeLabels', encodeLabels, 'cannot be combined with encodeText: give one (encodeText gets the labels too)'));
  }
  const builtText = textHook as TextEncoderHook | null;
  const encodeText: ((batch: TextBatch) => TextConditioning) | undefined =
    builtText !== null
      ? (batch) => builtText.encode(batch)
      : ((options.encodeText as ((batch: TextBatch) => TextConditioning) | undefined) ?? (encodeLabels ? ({ labels }: TextBatch) => encodeLabels(labels) : undefined));
  if (encodeText !== undefined && typeof encodeText !== 'function') {
    fail(
      new InvalidArgumentError('encodeText', encodeText, 'must be a function ({ indices, labels, generator, step }) => { encoderHiddenStates, encoderMask? } or a recipe { module, exportName?, options? }'),
    );
  }
  if (crossAttentionDim !== null && encodeText === undefined) {
    fail(new InvalidArgumentError('encodeText', encodeText, 'is required to train a UNet with cross-attention (config.crossAttentionDim is set)'));
  }
  if (crossAttentionDim === null && encodeText !== undefined) {
    const [name, value] = options.encodeText !== undefined ? ['encodeText', options.encodeText] : ['encodeLabels', encodeLabels];
    fail(new InvalidArgumentError(name, value, 'must be omitted: the UNet has no cross-attention (config.crossAttentionDim is null)'));
  }
  if (builtText !== null && crossAttentionDim !== null) {
    // A recipe's encoder must fit the UNet: probe it with the first image (its own generator).
    const width = tf.tidy(() => {
      const probe = { indices: Int32Array.of(0), labels: tf.tensor1d([dataset.labels[0]], 'int32'), generator: new Generator(seed).fork('text-probe'), step: 0 };
      return builtText.encode(probe).encoderHiddenStates.shape[2];
    });
    if (width !== crossAttentionDim) fail(new InvalidArgumentError('encodeText', `${width}-wide token states`, `must match the model's crossAttentionDim (${crossAttentionDim})`));
  }
  if (typeof extraConfig !== 'object' || extraConfig === null || Array.isArray(extraConfig)) {
    fail(new InvalidArgumentError('extraConfig', extraConfig, 'must be an object of JSON config fields'));
  }
  if (numClasses !== null) {
    const bad = dataset.labels.findIndex((label) => label < 0 || label >= numClasses);
    if (bad >= 0) {
      if (options.model === undefined) model.dispose();
      disposeEncoder();
      throw new InvalidArgumentError(`dataset.labels[${bad}]`, dataset.labels[bad], `is not a class label of this model: use integers in [0, ${numClasses - 1}]`);
    }
  }
  const numTrainTimesteps = schedulerConfig.numTrainTimesteps;
  const warmupSteps = options.warmupSteps ?? Math.min(200, Math.floor(steps / 10));

  const stores = [checkpointDir, checkpointHandler, checkpointStore].filter((value) => value !== undefined).length;
  if (stores > 1) fail(new InvalidArgumentError('checkpointDir', checkpointDir, 'cannot be combined with checkpointHandler or checkpointStore: give one'));

  // Data-parallel training (worker threads) when asked and possible.
  const globalBatchSize = Math.min(batchSize, dataset.size);
  const runner = parallelDiffusionRunner();
  const unavailable =
    runner === null
      ? "needs Node's worker threads: import '@gen/diffusion/node' first"
      : typeof lr !== 'number'
        ? 'needs a numeric lr (the peak of the linear warm-up): a schedule function cannot reach worker threads'
        : encodeImages !== undefined && encoderRecipe === null
          ? 'needs encodeImages as a recipe { module, exportName, options } that every worker thread builds its encoder from (e.g. latentEncoderRecipe of @gen/vae/node): a function cannot reach worker threads'
          : encodeText !== undefined && textRecipe === null
            ? 'needs encodeText as a recipe { module, exportName, options } that every worker thread builds its text encoder from (e.g. textEncoderRecipe of @gen/clip-guidance/node): a function cannot reach worker threads'
            : null;
  let replicas = 1;
  if (workers === 'auto') replicas = unavailable === null ? runner!.autoWorkers(tf.getBackend(), globalBatchSize) : 1;
  else if (workers > 1) {
    if (unavailable !== null) fail(new InvalidArgumentError('workers', workers, unavailable));
    replicas = workers;
  }
  let parallel: ParallelDiffusion | null = null;
  if (replicas > 1) {
    try {
      parallel = await runner!.create({
        options: {
          config: model.getConfig(),
          schedulerConfig,
          predictionType,
          snrGamma: snrGamma ?? null,
          offsetNoise,
          selfConditioning,
          conditionDropProb,
          batchSize,
          seed,
          augment,
          lr: lr as number,
          warmupSteps,
          weightDecay,
          maxGradNorm,
        },
        dataset,
        workers: replicas,
        backend: tf.getBackend(),
        globalBatchSize,
        ...(encoderRecipe !== null ? { encodeImages: encoderRecipe } : {}),
        ...(textRecipe !== null ? { encodeText: textRecipe } : {}),
      });
    } catch (error) {
      fail(error as Error);
    }
    // Replica 0 (this thread) is the model trained; a given model's weights go to every replica
    // (syncFromMain before the first step), and back into it at the end.
    if (options.model !== undefined) parallel!.model.loadStateDict(options.model.stateDict());
    else model.dispose();
    // Every replica (this thread's too) built its own encoders from the recipes.
    disposeEncoder();
  }
  // The UNet this thread trains: `model`, or replica 0's in parallel training.
  const trained = parallel ? parallel.model : model;
  const alphaBarTable = tf.keep(tf.tensor1d(Float32Array.from(alphasCumprod(betasFromConfig(schedulerConfig)))));

  // 2. Data, optimiser, EMA and the checkpointed state.
  const loader = new DataLoader(dataset, { batchSize, generator: rng, range: [-1, 1], dropLast: dataset.size >= batchSize, augment });
  const learningRate = typeof lr === 'number' ? (warmupSteps > 0 ? linearWarmupLr({ peak: lr, warmupSteps }) : lr) : lr;
  const optimizer = parallel ? parallel.optimizer : new AdamW({ learningRate, weightDecay });
  const params = (): Record<string, tf.Variable> => Object.fromEntries(trained.namedParameters().filter(([, variable]) => variable.trainable));
  const trainable = params();
  const engineNames = new Map(Object.entries(trainable).map(([name, variable]) => [variable.name, name]));
  const ema = emaOptions === false ? null : new EMA(trainable, emaOptions);
  const state: TrainState = {
    model: trained,
    optimizer,
    rng: { getState: () => rng.getState() as unknown as JsonValue, setState: (value) => rng.setState(value as never) },
  };
  if (ema) state.ema = ema;
  const setup = { model: trained, alphaBarTable, predictionType, snrGamma, offsetNoise, selfConditioning, conditionDropProb };
  const shape = { height, width, inChannels, numTrainTimesteps };

  // 3. One step of Algorithm 1, all draws from this step's fork of the generator.
  const step = ({ step: index }: { step: number }): { loss: tf.Scalar } => {
    const batch = loader.batchAt(index);
    try {
      const draw = rng.fork(`step/${index}`);
      const size = batch.indices.length;
      // Whole-batch draws in a fixed order: timesteps, noise, offset noise, condition dropout, self-conditioning coin.
      const draws = drawStep(draw, size, shape, offsetNoise, selfConditioning);

      const loss = tf.tidy(() => {
        // Latent diffusion: x₀ is the encoded batch, drawn after the step's other draws.
        const x0 = encodeImages ? encodeImages(batch.images as tf.Tensor4D, draw) : batch.images;
        const labels = numClasses !== null ? Array.from(batch.indices, (index) => dataset.labels[index]) : undefined;
        const text =
          crossAttentionDim !== null && encodeText
            ? encodeText({ indices: batch.indices, labels: batch.labels, generator: draw.fork('text'), step: index })
            : undefined;
        const { value, grads } = tf.variableGrads(denoisingLoss(setup, { x0, draws, labels, text }), Object.values(trainable));
        const named: Record<string, tf.Tensor> = {};
        for (const [engineName, grad] of Object.entries(grads)) named[engineNames.get(engineName) as string] = grad;
        const clipped = maxGradNorm > 0 ? clipGradNorm(named, maxGradNorm).grads : named;
        optimizer.step(trainable, clipped);
        return value;
      });
      tf.dispose([draws.timesteps, draws.noiseDraw, ...(draws.offsetDraw ? [draws.offsetDraw] : [])]);
      ema?.update(trainable);
      return { loss };
    } finally {
      tf.dispose([batch.images, batch.labels]);
    }
  };
  // The same step over every replica: each computes its slice of the batch, the averaged
  // gradients are clipped and applied in every replica; EMA follows replica 0 here.
  let synced = false;
  const parallelStep = async ({ step: index }: { step: number }): Promise<{ loss: tf.Scalar }> => {
    if (!synced) {
      // After a resume (trainLoop restored replica 0) or a given model: every replica starts alike.
      await parallel!.syncFromMain(rng.getState().seed);
      synced = true;
    }
    const loss = await parallel!.step(index);
    ema?.update(trainable);
    return { loss: tf.scalar(loss) };
  };

  // 4. The loop: checkpoints, resume, progress, previews with the EMA weights.
  const checkpointConfig = {
    ...extraConfig,
    family: 'diffusion',
    model: trained.getConfig(),
    scheduler: schedulerConfig,
    training: { predictionType, snrGamma: snrGamma ?? null, offsetNoise, selfConditioning, conditionDropProb, batchSize, seed },
  } as unknown as JsonValue;
  const periodic =
    sampleEvery !== undefined && onSample
      ? [
          {
            every: sampleEvery,
            run: async ({ step: done }: { step: number }) => {
              const current = params();
              if (ema) ema.swap(current);
              try {
                await onSample({ step: done, model: trained, schedulerConfig });
              } finally {
                if (ema) ema.swap(current);
              }
            },
          },
        ]
      : [];
  let summary: TrainSummary;
  try {
    summary = await trainLoop({
      totalSteps: steps,
      step: parallel ? parallelStep : step,
      state,
      checkpoint:
        stores === 1
          ? { dir: checkpointDir, handler: checkpointHandler, store: checkpointStore, every: checkpointEvery, keep: checkpointKeep, config: checkpointConfig }
          : undefined,
      resume,
      signal,
      onProgress,
      logEvery,
      callbacks: { periodic },
    });
  } finally {
    alphaBarTable.dispose();
    disposeEncoder();
    await parallel?.dispose();
  }
  if (parallel && options.model !== undefined) {
    // Trained in place: the given model gets replica 0's weights.
    model.loadStateDict(trained.stateDict());
    trained.dispose();
  }
  const result = options.model ?? trained;
  return {
    model: result,
    ema,
    optimizer,
    summary,
    schedulerConfig,
    workers: replicas,
    dispose() {
      result.dispose();
      ema?.dispose();
      optimizer.dispose();
    },
  };
}

function definedFields<T extends object>(value: T): Partial<T> {
  if (typeof value !== 'object' || value === null) throw new InvalidArgumentError('noiseSchedule', value, 'must be an object of scheduler config fields');
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
