// What every pipeline shares: option checks, classifier-free guidance, the guidance hook, and
// turning the final sample into images. The denoising loops themselves live in the pipeline
// files, one per task, so they can be read (and copied) top to bottom.
import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, alphasCumprod, betasFromConfig } from '@gen/core';
import type { Scheduler, SchedulerConfig } from '@gen/core';
import { UNet2DModel } from '../models/unet';
import { originalSampleFromPrediction, predictionFromOriginalSample } from '../models/prediction-type';

/** What a guidance hook receives at each step. Tensors are valid during the call only. */
export interface GuidanceContext {
  /** Index of this step in the loop (0-based). */
  step: number;
  timestep: number;
  /** The model input x_t (variance-preserving scale: after `scheduler.scaleModelInput`). */
  sample: tf.Tensor;
  /** x̂₀ implied by the (classifier-free guided) model output at this step. */
  predOriginalSample: tf.Tensor;
  /** ᾱ_t of this timestep, for hooks that scale their gradient with the noise level. */
  alphaProdT: number;
}

/**
 * A guidance hook: returns a gradient g in x₀ space (e.g. `scale · ∇ score(x̂₀)`), or null to
 * skip the step. The pipeline moves the estimate to x̂₀ + g and turns it back into the model's
 * prediction type (ε' = ε̂ − √ᾱ_t/√(1−ᾱ_t)·g for ε-models) before the scheduler steps. Return a
 * new tensor of x̂₀'s shape: the pipeline disposes it. @gen/clip-guidance plugs in here.
 */
export type GuidanceFunction = (context: GuidanceContext) => tf.Tensor | null | undefined;

/** What the step callback receives after each scheduler step. Tensors are valid during the call only. */
export interface StepCallbackContext {
  /** Index of the step just taken (0-based). */
  step: number;
  /** Number of steps the loop will take. */
  totalSteps: number;
  timestep: number;
  /** x_{t−1}: the sample after this step (the scheduler's scale). */
  latents: tf.Tensor;
  /** The x₀ estimate of this step: a preview of the final image, in model space ([−1, 1] for pixels). */
  predOriginalSample: tf.Tensor;
}

/** Per-step callback: return `false` to stop the loop early (the result then has `interrupted: true`). */
export type StepCallback = (context: StepCallbackContext) => boolean | void | Promise<boolean | void>;

/** A decoder from latents to images in [−1, 1] (@gen/vae's autoencoder, for latent diffusion). */
export interface LatentDecoder {
  decode(latents: tf.Tensor): tf.Tensor | { sample: tf.Tensor };
}

/** Options every pipeline takes. */
export interface PipelineOptions {
  /** The denoiser. */
  model: UNet2DModel;
  /** Any scheduler implementing @gen/core's `Scheduler`, configured like the training process. */
  scheduler: Scheduler;
  /** Denoising steps (default 50). */
  numInferenceSteps?: number;
  /** Source of the initial noise and of stochastic steps (default `new Generator(0)`). */
  generator?: Generator;
  /** A guidance hook (gradient of an objective in x₀ space), e.g. CLIP guidance. */
  guidance?: GuidanceFunction;
  /** Called after every step with the current sample and x₀ estimate; return false to stop. */
  callback?: StepCallback;
  /** Stops the loop before the next step when aborted (the result has `interrupted: true`). */
  signal?: AbortSignal;
  /** Decodes latents to images (latent diffusion). */
  vae?: LatentDecoder;
  /** Latents are divided by this before decoding (default 1). */
  vaeScalingFactor?: number;
  /** 'image' (default): `[B, H, W, C]` in [0, 1]; 'sample': the final sample in model space, unclipped. */
  outputType?: 'image' | 'sample';
}

/** Options of the pipelines that can be conditioned (class labels or text), with classifier-free guidance. */
export interface ConditioningOptions {
  /** One class label per image, in [0, numClasses) (numClasses = the null class). */
  classLabels?: number[];
  /** `[B, L, crossAttentionDim]` text-token embeddings. */
  encoderHiddenStates?: tf.Tensor;
  /** `[B, L]` key mask of the text tokens (default all ones). */
  encoderMask?: tf.Tensor;
  /** Text for the unconditional branch of guidance (default: the null condition, no text). */
  negativeEncoderHiddenStates?: tf.Tensor;
  negativeEncoderMask?: tf.Tensor;
  /**
   * Classifier-free guidance weight w (Ho & Salimans 2022): ε̂ = ε̂_∅ + w·(ε̂_c − ε̂_∅). 1 = the
   * plain conditional prediction (one model call per step); 0 = unconditional. Default 3 with a
   * condition, 1 without.
   */
  guidanceScale?: number;
  /** φ of Lin et al. 2023 (eq. 15–16): rescale the guided prediction towards the conditional one's std (default 0). */
  guidanceRescale?: number;
}

/** What every pipeline returns. */
export interface PipelineOutput {
  /** `[B, H, W, C]`: images in [0, 1] (or the sample with outputType 'sample'). The caller disposes it. */
  images: tf.Tensor4D;
  /** True when the callback returned false or the signal aborted before the last step. */
  interrupted: boolean;
  /** Scheduler steps taken. */
  stepsCompleted: number;
}

/** Options of {@link classifierFreeGuidance}. */
export interface ClassifierFreeGuidanceOptions {
  /** The conditional prediction ε̂_c. */
  conditional: tf.Tensor;
  /** The unconditional prediction ε̂_∅. */
  unconditional: tf.Tensor;
  /** w: ε̂ = ε̂_∅ + w·(ε̂_c − ε̂_∅). */
  guidanceScale: number;
  /** φ ∈ [0, 1]: ε̂ ← φ·ε̂·σ(ε̂_c)/σ(ε̂) + (1 − φ)·ε̂, σ the per-sample std (Lin et al. 2023, §3.4). Default 0. */
  guidanceRescale?: number;
}

/**
 * Classifier-free guidance (Ho & Salimans 2022, eq. 6 in ε form) with the guidance rescale of
 * Lin et al. 2023 ("Common Diffusion Noise Schedules and Sample Steps are Flawed", eq. 15–16).
 */
export function classifierFreeGuidance({ conditional, unconditional, guidanceScale, guidanceRescale = 0 }: ClassifierFreeGuidanceOptions): tf.Tensor {
  checkGuidanceScale(guidanceScale);
  checkGuidanceRescale(guidanceRescale);
  return tf.tidy(() => {
    // 1. ε̂ = ε̂_∅ + w·(ε̂_c − ε̂_∅)
    const guided = tf.add(unconditional, tf.mul(tf.sub(conditional, unconditional), guidanceScale));
    if (guidanceRescale === 0) return guided;
    // 2. Rescale to the conditional prediction's per-sample std, then mix by φ.
    const axes = Array.from({ length: guided.rank - 1 }, (_, i) => i + 1);
    const std = (x: tf.Tensor) => tf.sqrt(tf.moments(x, axes, true).variance);
    const rescaled = tf.mul(guided, tf.div(std(conditional), std(guided)));
    return tf.add(tf.mul(rescaled, guidanceRescale), tf.mul(guided, 1 - guidanceRescale));
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers of the pipeline loops.

const alphaBarCache = new WeakMap<object, Float64Array>();

/** ᾱ_t of the training process the scheduler describes (from its config), cached per config. */
export function schedulerAlphasCumprod(scheduler: Scheduler): Float64Array {
  let table = alphaBarCache.get(scheduler.config);
  if (!table) {
    table = alphasCumprod(betasFromConfig(scheduler.config as SchedulerConfig));
    alphaBarCache.set(scheduler.config, table);
  }
  return table;
}

/** ᾱ at a (possibly fractional) timestep, linearly interpolated. */
export function alphaProdAt(scheduler: Scheduler, timestep: number): number {
  const table = schedulerAlphasCumprod(scheduler);
  const clamped = Math.min(Math.max(timestep, 0), table.length - 1);
  const low = Math.floor(clamped);
  const high = Math.min(low + 1, table.length - 1);
  return table[low] + (table[high] - table[low]) * (clamped - low);
}

/** The checked common options, with defaults filled in. */
export interface ResolvedPipelineOptions {
  model: UNet2DModel;
  scheduler: Scheduler;
  numInferenceSteps: number;
  generator: Generator;
  guidance?: GuidanceFunction;
  callback?: StepCallback;
  signal?: AbortSignal;
  vae?: LatentDecoder;
  vaeScalingFactor: number;
  outputType: 'image' | 'sample';
}

export function resolvePipelineOptions(options: PipelineOptions): ResolvedPipelineOptions {
  const { model, scheduler, numInferenceSteps = 50, generator = new Generator(0), guidance, callback, signal, vae, vaeScalingFactor = 1, outputType = 'image' } =
    options ?? ({} as PipelineOptions);
  if (!(model instanceof UNet2DModel)) throw new InvalidArgumentError('model', model, 'must be a UNet2DModel');
  if (!scheduler || typeof scheduler.step !== 'function' || typeof scheduler.setTimesteps !== 'function' || typeof scheduler.scaleModelInput !== 'function') {
    throw new InvalidArgumentError('scheduler', scheduler, "must implement @gen/core's Scheduler (setTimesteps, timesteps, step, scaleModelInput, addNoise)");
  }
  if (!Number.isSafeInteger(numInferenceSteps) || numInferenceSteps < 1) {
    throw new InvalidArgumentError('numInferenceSteps', numInferenceSteps, 'must be a positive integer');
  }
  if (!(generator instanceof Generator)) throw new InvalidArgumentError('generator', generator, 'must be a Generator from @gen/core');
  if (guidance !== undefined && typeof guidance !== 'function') throw new InvalidArgumentError('guidance', guidance, 'must be a function ({ predOriginalSample, timestep, … }) => gradient tensor');
  if (callback !== undefined && typeof callback !== 'function') throw new InvalidArgumentError('callback', callback, 'must be a function');
  if (vae !== undefined && typeof vae?.decode !== 'function') throw new InvalidArgumentError('vae', vae, 'must have a decode(latents) method');
  if (typeof vaeScalingFactor !== 'number' || !(vaeScalingFactor > 0) || !Number.isFinite(vaeScalingFactor)) {
    throw new InvalidArgumentError('vaeScalingFactor', vaeScalingFactor, 'must be a finite number > 0');
  }
  if (outputType !== 'image' && outputType !== 'sample') throw new InvalidArgumentError('outputType', outputType, "must be 'image' or 'sample'");
  return { model, scheduler, numInferenceSteps, generator, guidance, callback, signal, vae, vaeScalingFactor, outputType };
}

export function checkGuidanceScale(guidanceScale: unknown): asserts guidanceScale is number {
  if (typeof guidanceScale !== 'number' || !Number.isFinite(guidanceScale) || guidanceScale < 0) {
    throw new InvalidArgumentError('guidanceScale', guidanceScale, 'must be a finite number >= 0 (1 = no guidance)');
  }
}

function checkGuidanceRescale(guidanceRescale: unknown): asserts guidanceRescale is number {
  if (typeof guidanceRescale !== 'number' || !(guidanceRescale >= 0 && guidanceRescale <= 1)) {
    throw new InvalidArgumentError('guidanceRescale', guidanceRescale, 'must be a number in [0, 1]');
  }
}

/** A model call's conditioning for a batch, and its null counterpart for guidance. */
export interface PreparedCondition {
  batchSize: number;
  guidanceScale: number;
  guidanceRescale: number;
  /** Conditioning of the conditional branch (kept tensors; call `dispose`). */
  conditional: { classLabels?: tf.Tensor; encoderHiddenStates?: tf.Tensor; encoderMask?: tf.Tensor };
  /** Conditioning of the doubled batch [∅; c] used when guidanceScale ≠ 1. */
  doubled: { classLabels?: tf.Tensor; encoderHiddenStates?: tf.Tensor; encoderMask?: tf.Tensor } | null;
  dispose(): void;
}

/**
 * Checks the conditioning against the model and builds the tensors of the conditional and the
 * doubled [unconditional; conditional] batches once, before the loop.
 */
export function prepareCondition(model: UNet2DModel, options: ConditioningOptions, batchSize: number | undefined): PreparedCondition {
  const { classLabels, encoderHiddenStates, encoderMask, negativeEncoderHiddenStates, negativeEncoderMask, guidanceRescale = 0 } = options;
  const { numClasses, crossAttentionDim } = model.config;
  const hasCondition = classLabels !== undefined || encoderHiddenStates !== undefined;
  const guidanceScale = options.guidanceScale ?? (hasCondition ? 3 : 1);
  checkGuidanceScale(guidanceScale);
  checkGuidanceRescale(guidanceRescale);
  let batch = batchSize;
  if (classLabels !== undefined) {
    if (numClasses === null) throw new InvalidArgumentError('classLabels', classLabels, 'must be omitted: the model is not class-conditional (config.numClasses is null)');
    if (!Array.isArray(classLabels) || classLabels.length === 0) throw new InvalidArgumentError('classLabels', classLabels, 'must be a non-empty array of class labels');
    const bad = classLabels.find((label) => !Number.isInteger(label) || label < 0 || label > numClasses);
    if (bad !== undefined) {
      throw new InvalidArgumentError('classLabels', bad, `is not a class label: use integers in [0, ${numClasses - 1}], or ${numClasses} for the null class`);
    }
    if (batch !== undefined && batch !== classLabels.length) throw new InvalidArgumentError('classLabels', classLabels, `must hold one label per image (${batch})`);
    batch = classLabels.length;
  }
  if (encoderHiddenStates !== undefined) {
    if (crossAttentionDim === null) throw new InvalidArgumentError('encoderHiddenStates', encoderHiddenStates, 'must be omitted: the model has no cross-attention (config.crossAttentionDim is null)');
    if (!(encoderHiddenStates instanceof tf.Tensor) || encoderHiddenStates.rank !== 3 || encoderHiddenStates.shape[2] !== crossAttentionDim) {
      throw new InvalidArgumentError('encoderHiddenStates', encoderHiddenStates, `must have shape [batch, length, ${crossAttentionDim}]`);
    }
    if (batch !== undefined && batch !== encoderHiddenStates.shape[0]) {
      throw new InvalidArgumentError('encoderHiddenStates', encoderHiddenStates, `must have one row per image (${batch})`);
    }
    batch = encoderHiddenStates.shape[0];
  }
  for (const [name, value] of [['encoderMask', encoderMask], ['negativeEncoderHiddenStates', negativeEncoderHiddenStates], ['negativeEncoderMask', negativeEncoderMask]] as const) {
    if (value !== undefined && encoderHiddenStates === undefined) throw new InvalidArgumentError(name, value, 'needs encoderHiddenStates');
  }
  if (negativeEncoderHiddenStates !== undefined && !tf.util.arraysEqual(negativeEncoderHiddenStates.shape, (encoderHiddenStates as tf.Tensor).shape)) {
    throw new InvalidArgumentError('negativeEncoderHiddenStates', negativeEncoderHiddenStates, `must have the shape of encoderHiddenStates [${(encoderHiddenStates as tf.Tensor).shape.join(', ')}]`);
  }
  const size = batch ?? 1;
  const owned: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(tensor: T): T => {
    owned.push(tf.keep(tensor));
    return tensor;
  };
  const conditional: PreparedCondition['conditional'] = {};
  let doubled: PreparedCondition['doubled'] = null;
  tf.tidy(() => {
    if (classLabels !== undefined) conditional.classLabels = keep(tf.tensor1d(classLabels, 'int32'));
    if (encoderHiddenStates !== undefined) {
      const [, length] = encoderHiddenStates.shape;
      conditional.encoderHiddenStates = encoderHiddenStates;
      conditional.encoderMask = keep(encoderMask ? tf.cast(encoderMask, 'float32') : tf.ones([size, length]));
    }
    if (guidanceScale !== 1 && hasCondition) {
      doubled = {};
      if (classLabels !== undefined) doubled.classLabels = keep(tf.tensor1d([...classLabels.map(() => numClasses as number), ...classLabels], 'int32'));
      if (encoderHiddenStates !== undefined) {
        const [, length] = encoderHiddenStates.shape;
        // The null text condition is a zero mask row (the UNet then adds no cross-attention).
        const negativeStates = negativeEncoderHiddenStates ?? tf.zerosLike(encoderHiddenStates);
        const negativeMask = negativeEncoderHiddenStates
          ? negativeEncoderMask
            ? tf.cast(negativeEncoderMask, 'float32')
            : tf.ones([size, length])
          : tf.zeros([size, length]);
        doubled.encoderHiddenStates = keep(tf.concat([negativeStates, encoderHiddenStates], 0));
        doubled.encoderMask = keep(tf.concat([negativeMask, conditional.encoderMask as tf.Tensor], 0));
      }
    }
  });
  return { batchSize: size, guidanceScale, guidanceRescale, conditional, doubled, dispose: () => tf.dispose(owned) };
}

/**
 * The model's prediction at `timestep` for `modelInput`, with classifier-free guidance: one call
 * on the doubled batch [∅; c] when guidanceScale ≠ 1, else one conditional call.
 */
export function guidedModelOutput(model: UNet2DModel, modelInput: tf.Tensor, timestep: number, condition: PreparedCondition, selfCondition?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (condition.doubled === null) {
      return model.forward(modelInput, timestep, { ...condition.conditional, selfCondition }).sample;
    }
    const both = model.forward(tf.concat([modelInput, modelInput], 0), timestep, {
      ...condition.doubled,
      selfCondition: selfCondition ? tf.concat([selfCondition, selfCondition], 0) : undefined,
    }).sample;
    const [unconditional, conditional] = tf.split(both, 2, 0);
    return classifierFreeGuidance({ conditional, unconditional, guidanceScale: condition.guidanceScale, guidanceRescale: condition.guidanceRescale });
  });
}

/**
 * x̂₀ at this step and the guidance hook applied: returns the (possibly shifted) model output
 * and x̂₀ (both new tensors).
 */
export function applyGuidance(
  options: { scheduler: Scheduler; guidance?: GuidanceFunction },
  modelOutput: tf.Tensor,
  modelInput: tf.Tensor,
  timestep: number,
  step: number,
): { modelOutput: tf.Tensor; predOriginalSample: tf.Tensor } {
  const { scheduler, guidance } = options;
  const predictionType = scheduler.config.predictionType;
  const alphaProdT = alphaProdAt(scheduler, timestep);
  const predOriginalSample = originalSampleFromPrediction(modelOutput, modelInput, alphaProdT, predictionType);
  if (!guidance) return { modelOutput: tf.clone(modelOutput), predOriginalSample };
  const gradient = guidance({ step, timestep, sample: modelInput, predOriginalSample, alphaProdT });
  if (gradient == null) return { modelOutput: tf.clone(modelOutput), predOriginalSample };
  try {
    if (!(gradient instanceof tf.Tensor) || !tf.util.arraysEqual(gradient.shape, predOriginalSample.shape)) {
      throw new InvalidArgumentError('guidance(…) result', gradient, `must be a tensor of shape [${predOriginalSample.shape.join(', ')}] (a gradient in x₀ space)`);
    }
    return tf.tidy(() => {
      // x̂₀' = x̂₀ + g, then back to the model's parametrisation so any scheduler can step with it.
      const shifted = tf.add(predOriginalSample, gradient);
      return { modelOutput: predictionFromOriginalSample(shifted, modelInput, alphaProdT, predictionType), predOriginalSample: shifted };
    });
  } finally {
    gradient.dispose();
    predOriginalSample.dispose();
  }
}

/** The initial noise x_T ~ N(0, σ_init² I) of shape [batch, H, W, C] for `model`. */
export function initialNoise(model: UNet2DModel, scheduler: Scheduler, generator: Generator, batchSize: number): tf.Tensor {
  const { height, width, inChannels } = model.config;
  return tf.tidy(() => tf.mul(generator.normal([batchSize, height, width, inChannels]), scheduler.initNoiseSigma));
}

/** Decodes (latent models) and maps the final sample to images in [0, 1]; disposes `sample`. */
export function finishImages(sample: tf.Tensor, options: ResolvedPipelineOptions): tf.Tensor4D {
  try {
    if (options.outputType === 'sample') return tf.clone(sample) as tf.Tensor4D;
    return tf.tidy(() => {
      let pixels = sample;
      if (options.vae) {
        const decoded = options.vae.decode(tf.div(sample, options.vaeScalingFactor));
        pixels = decoded instanceof tf.Tensor ? decoded : decoded.sample;
      }
      return tf.clipByValue(tf.div(tf.add(pixels, 1), 2), 0, 1) as tf.Tensor4D;
    });
  } finally {
    sample.dispose();
  }
}

/** Images in [0, 1] `[B, H, W, C]` matching the model, mapped to the model's [−1, 1] space. */
export function imageToSample(model: UNet2DModel, image: unknown, name = 'image'): tf.Tensor {
  const { height, width, inChannels } = model.config;
  if (!(image instanceof tf.Tensor) || image.rank !== 4 || image.shape[1] !== height || image.shape[2] !== width || image.shape[3] !== inChannels) {
    throw new InvalidArgumentError(name, image, `must have shape [batch, ${height}, ${width}, ${inChannels}] with values in [0, 1]`);
  }
  return tf.tidy(() => tf.sub(tf.mul(image, 2), 1));
}

/** Resets a stateful scheduler (multistep history) when it offers `reset()`. */
export function resetScheduler(scheduler: Scheduler): void {
  (scheduler as Scheduler & { reset?: () => void }).reset?.();
}
