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
  losses,
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
import { originalSampleFromPrediction } from '../models/prediction-type';

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
   */
  encodeImages?: (images: tf.Tensor4D, generator: Generator) => tf.Tensor4D;
  /**
   * Text conditioning for cross-attention UNets: maps each step's batch (image indices, labels,
   * the step's text generator) to token embeddings, e.g. captions of each image encoded by a
   * frozen text encoder (@gen/clip-guidance's `trainTextToImage`). Called inside the step's
   * `tf.tidy`; rows dropped for classifier-free guidance get a zero mask afterwards.
   */
  encodeText?: (batch: TextBatch) => TextConditioning;
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
    encodeImages,
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
  if (sampleEvery !== undefined && (!Number.isSafeInteger(sampleEvery) || sampleEvery < 1)) {
    throw new InvalidArgumentError('sampleEvery', sampleEvery, 'must be a positive integer');
  }
  if (options.model === undefined && options.config === undefined) throw new InvalidArgumentError('model', undefined, 'or config is required');
  if (options.model !== undefined && !(options.model instanceof UNet2DModel)) throw new InvalidArgumentError('model', options.model, 'must be a UNet2DModel');
  // Latents are not bounded like [-1, 1] pixels: samplers must not clip their x̂₀ estimates.
  const schedulerConfig: SchedulerConfig = { ...DEFAULT_SCHEDULER_CONFIG, ...(encodeImages ? { clipSample: false } : {}), ...definedFields(noiseSchedule), predictionType };
  validateSchedulerConfig(schedulerConfig);
  const rng = new Generator(seed);
  const model = options.model ?? new UNet2DModel({ ...(options.config as UNet2DConfigInput), generator: rng.fork('init') });
  const { height, width, inChannels, numClasses, crossAttentionDim } = model.config;
  if (!dataset || (encodeImages === undefined && (dataset.height !== height || dataset.width !== width || dataset.channels !== inChannels))) {
    throw new InvalidArgumentError(
      'dataset',
      dataset ? `${dataset.name} ${dataset.height}×${dataset.width}×${dataset.channels}` : dataset,
      `must hold ${height}×${width}×${inChannels} images to match the model`,
    );
  }
  if (encodeImages !== undefined) {
    if (typeof encodeImages !== 'function') {
      if (options.model === undefined) model.dispose();
      throw new InvalidArgumentError('encodeImages', encodeImages, 'must be a function (images, generator) => latents');
    }
    // The UNet sees the encoded shape: probe the encoder with one blank image (its own generator).
    const blank = (): tf.Tensor4D => tf.zeros([1, dataset.height, dataset.width, dataset.channels]);
    const [, h, w, c] = tf.tidy(() => encodeImages(blank(), new Generator(seed).fork('encode-probe')).shape);
    if (h !== height || w !== width || c !== inChannels) {
      if (options.model === undefined) model.dispose();
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
    throw error;
  };
  if (options.encodeText !== undefined && encodeLabels !== undefined) {
    fail(new InvalidArgumentError('encodeLabels', encodeLabels, 'cannot be combined with encodeText: give one (encodeText gets the labels too)'));
  }
  const encodeText = options.encodeText ?? (encodeLabels ? ({ labels }: TextBatch) => encodeLabels(labels) : undefined);
  if (encodeText !== undefined && typeof encodeText !== 'function') {
    fail(new InvalidArgumentError('encodeText', encodeText, 'must be a function ({ indices, labels, generator, step }) => { encoderHiddenStates, encoderMask? }'));
  }
  if (crossAttentionDim !== null && encodeText === undefined) {
    fail(new InvalidArgumentError('encodeText', encodeText, 'is required to train a UNet with cross-attention (config.crossAttentionDim is set)'));
  }
  if (crossAttentionDim === null && encodeText !== undefined) {
    const [name, value] = options.encodeText !== undefined ? ['encodeText', options.encodeText] : ['encodeLabels', encodeLabels];
    fail(new InvalidArgumentError(name, value, 'must be omitted: the UNet has no cross-attention (config.crossAttentionDim is null)'));
  }
  if (typeof extraConfig !== 'object' || extraConfig === null || Array.isArray(extraConfig)) {
    fail(new InvalidArgumentError('extraConfig', extraConfig, 'must be an object of JSON config fields'));
  }
  if (numClasses !== null) {
    const bad = dataset.labels.findIndex((label) => label < 0 || label >= numClasses);
    if (bad >= 0) {
      throw new InvalidArgumentError(`dataset.labels[${bad}]`, dataset.labels[bad], `is not a class label of this model: use integers in [0, ${numClasses - 1}]`);
    }
  }
  const numTrainTimesteps = schedulerConfig.numTrainTimesteps;
  const alphaBarTable = tf.keep(tf.tensor1d(Float32Array.from(alphasCumprod(betasFromConfig(schedulerConfig)))));

  // 2. Data, optimiser, EMA and the checkpointed state.
  const loader = new DataLoader(dataset, { batchSize, generator: rng, range: [-1, 1], dropLast: dataset.size >= batchSize, augment });
  const warmupSteps = options.warmupSteps ?? Math.min(200, Math.floor(steps / 10));
  const learningRate = typeof lr === 'number' ? (warmupSteps > 0 ? linearWarmupLr({ peak: lr, warmupSteps }) : lr) : lr;
  const optimizer = new AdamW({ learningRate, weightDecay });
  const params = (): Record<string, tf.Variable> => Object.fromEntries(model.namedParameters().filter(([, variable]) => variable.trainable));
  const trainable = params();
  const engineNames = new Map(Object.entries(trainable).map(([name, variable]) => [variable.name, name]));
  const ema = emaOptions === false ? null : new EMA(trainable, emaOptions);
  const state: TrainState = {
    model,
    optimizer,
    rng: { getState: () => rng.getState() as unknown as JsonValue, setState: (value) => rng.setState(value as never) },
  };
  if (ema) state.ema = ema;

  // 3. One step of Algorithm 1, all draws from this step's fork of the generator.
  const step = ({ step: index }: { step: number }): { loss: tf.Scalar } => {
    const batch = loader.batchAt(index);
    try {
      const draw = rng.fork(`step/${index}`);
      const size = batch.indices.length;
      const shape = [size, height, width, inChannels];
      // Whole-batch draws in a fixed order: timesteps, noise, offset noise, condition dropout, self-conditioning coin.
      const timesteps = draw.randint([size], 0, numTrainTimesteps);
      const noiseDraw = draw.normal(shape);
      const offsetDraw = offsetNoise > 0 ? draw.normal([size, 1, 1, inChannels]) : null;
      const dropped = draw.uniformArray(size);
      const useSelfCondition = selfConditioning && draw.uniformArray(1)[0] < 0.5;

      const loss = tf.tidy(() => {
        // Latent diffusion: x₀ is the encoded batch, drawn after the step's other draws.
        const x0 = encodeImages ? encodeImages(batch.images as tf.Tensor4D, draw) : batch.images;
        const noise = offsetDraw ? tf.add(noiseDraw, tf.mul(offsetDraw, offsetNoise)) : noiseDraw;
        const alphaBar = tf.gather(alphaBarTable, timesteps);
        const column = tf.reshape(alphaBar, [size, 1, 1, 1]);
        // x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε — Ho et al. 2020, eq. 4.
        const noisy = tf.add(tf.mul(tf.sqrt(column), x0), tf.mul(tf.sqrt(tf.sub(1, column)), noise));

        // Conditioning, with the null condition for dropped samples (classifier-free guidance).
        const conditioning: { classLabels?: tf.Tensor; encoderHiddenStates?: tf.Tensor; encoderMask?: tf.Tensor } = {};
        if (numClasses !== null) {
          const labels = new Int32Array(size);
          for (let k = 0; k < size; k++) labels[k] = dropped[k] < conditionDropProb ? numClasses : dataset.labels[batch.indices[k]];
          conditioning.classLabels = tf.tensor1d(labels, 'int32');
        }
        if (crossAttentionDim !== null && encodeText) {
          const text = encodeText({ indices: batch.indices, labels: batch.labels, generator: draw.fork('text'), step: index });
          const keep = tf.tensor1d(Array.from(dropped, (value) => (value < conditionDropProb ? 0 : 1)), 'float32');
          const [, length] = text.encoderHiddenStates.shape;
          const mask = text.encoderMask ? tf.cast(text.encoderMask, 'float32') : tf.ones([size, length]);
          conditioning.encoderHiddenStates = text.encoderHiddenStates;
          conditioning.encoderMask = tf.mul(mask, tf.reshape(keep, [size, 1]));
        }
        // Self-conditioning: x̂₀ from a first pass without gradient, on half the steps.
        let selfCondition: tf.Tensor | undefined;
        if (selfConditioning) {
          selfCondition = useSelfCondition
            ? tf.clipByValue(originalSampleFromPrediction(model.forward(noisy, timesteps, conditioning).sample, noisy, alphaBar, predictionType), -1, 1)
            : tf.zerosLike(x0);
        }

        const { value, grads } = tf.variableGrads(
          () =>
            losses.diffusionLoss({
              modelOutput: model.forward(noisy, timesteps, { ...conditioning, selfCondition }).sample,
              originalSample: x0,
              noise,
              alphaBar,
              predictionType,
              snrGamma,
            }) as tf.Scalar,
          Object.values(trainable),
        );
        const named: Record<string, tf.Tensor> = {};
        for (const [engineName, grad] of Object.entries(grads)) named[engineNames.get(engineName) as string] = grad;
        const clipped = maxGradNorm > 0 ? clipGradNorm(named, maxGradNorm).grads : named;
        optimizer.step(trainable, clipped);
        return value;
      });
      tf.dispose([timesteps, noiseDraw, ...(offsetDraw ? [offsetDraw] : [])]);
      ema?.update(trainable);
      return { loss };
    } finally {
      tf.dispose([batch.images, batch.labels]);
    }
  };

  // 4. The loop: checkpoints, resume, progress, previews with the EMA weights.
  const stores = [checkpointDir, checkpointHandler, checkpointStore].filter((value) => value !== undefined).length;
  if (stores > 1) throw new InvalidArgumentError('checkpointDir', checkpointDir, 'cannot be combined with checkpointHandler or checkpointStore: give one');
  const checkpointConfig = {
    ...extraConfig,
    family: 'diffusion',
    model: model.getConfig(),
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
                await onSample({ step: done, model, schedulerConfig });
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
      step,
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
  }
  return {
    model,
    ema,
    optimizer,
    summary,
    schedulerConfig,
    dispose() {
      model.dispose();
      ema?.dispose();
      optimizer.dispose();
    },
  };
}

function definedFields<T extends object>(value: T): Partial<T> {
  if (typeof value !== 'object' || value === null) throw new InvalidArgumentError('noiseSchedule', value, 'must be an object of scheduler config fields');
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
