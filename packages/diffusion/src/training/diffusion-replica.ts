// The replica module of data-parallel diffusion training (trainDiffusion with `workers` > 1):
// @gen/core's DataParallelTrainer imports it in the main thread and in every worker thread.
// Each replica builds the same UNet (the seed's 'init' stream), AdamW (with the warm-up
// schedule and gradient clipping of trainDiffusion) and DataLoader over the training set,
// which it gets as typed arrays over SharedArrayBuffers (`context.data`): no pixels cross
// threads per step. A shard's gradients are those of the loss over rows [start, end) of the
// step's batch, with the step's draws made for the whole batch and sliced (denoising-loss.ts),
// so every sample gets the noise and timestep it gets in single-thread training. Latent and
// text-conditioned UNets: every replica builds its image / text encoder from a recipe.
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, DataLoader, Generator, alphasCumprod, betasFromConfig, clipGradNorm, linearWarmupLr } from '@gen/core';
import type { AugmentOptions, ImageDataset, JsonValue, NamedTensors, PredictionType, SchedulerConfig } from '@gen/core';
import { gradientsOf, sliceShard } from '@gen/core/node';
import type { Replica, ReplicaContext, Shard } from '@gen/core/node';
import { UNet2DModel } from '../models/unet';
import type { UNet2DConfig } from '../models/unet';
import { denoisingLoss, drawStep, sliceDraws } from './denoising-loss';
import { buildImageEncoder, buildTextEncoder } from './parallel-hook';
import type { HookRecipe, ImageEncoderHook, TextEncoderHook } from './parallel-hook';
import type { TextConditioning } from './train-diffusion';

/** The JSON every replica is built from (`ReplicaSpec.options`). */
export interface DiffusionReplicaOptions {
  config: UNet2DConfig;
  schedulerConfig: SchedulerConfig;
  predictionType: PredictionType;
  snrGamma: number | null;
  offsetNoise: number;
  selfConditioning: boolean;
  conditionDropProb: number;
  batchSize: number;
  seed: number;
  augment: Omit<AugmentOptions, 'generator' | 'padValue'> | false;
  /** Peak learning rate (linear warm-up over `warmupSteps`, then constant). */
  lr: number;
  warmupSteps: number;
  weightDecay: number;
  maxGradNorm: number;
  /**
   * Latent diffusion: the export and options of the `encodeImages` recipe (its module is
   * `ReplicaSpec.modules.encodeImages`, so @gen/core bundles it for the workers), or null.
   */
  encodeImages?: { exportName?: string; options?: JsonValue } | null;
  /**
   * Text-conditioned UNets: the export and options of the `encodeText` recipe (its module is
   * `ReplicaSpec.modules.encodeText`; its factory also gets the training set), or null.
   */
  encodeText?: { exportName?: string; options?: JsonValue } | null;
}

/** What a diffusion replica exposes besides the {@link Replica} contract (used in the main thread). */
export interface DiffusionReplica extends Replica {
  model: UNet2DModel;
  /** The AdamW whose state checkpoints hold (the replica's updater clips, then calls it). */
  optimizer: AdamW;
  /** The trained variables by stable name (the 'unet' group). */
  trainable: Record<string, tf.Variable>;
  /**
   * Replica 0 (main thread): hands model and optimizer to the caller, so that the trainer's
   * `dispose()` leaves them alive (trainDiffusion returns them).
   */
  release(): void;
}

/** The phase name of a training step. */
export const DENOISE_PHASE = 'denoise';

/**
 * State key of the run's seed in `loadStateDict` (a resumed run draws from its checkpoint's
 * seed, which may differ from `options.seed`): int32 `[⌊seed / 2²⁶⌋, seed mod 2²⁶]`.
 */
export const SEED_KEY = 'rng/seed';

export function encodeSeed(seed: number): tf.Tensor {
  return tf.tensor1d([Math.floor(seed / 2 ** 26), seed % 2 ** 26], 'int32');
}

function decodeSeed(tensor: tf.Tensor): number {
  const [high, low] = tensor.dataSync();
  return high * 2 ** 26 + low;
}

export async function createReplica(options: unknown, context: ReplicaContext): Promise<DiffusionReplica> {
  const o = options as DiffusionReplicaOptions;
  const dataset = context.data as ImageDataset;
  // Latent diffusion: this thread's own encoder (e.g. the autoencoder loaded from its folder).
  const loadRecipe = async (key: 'encodeImages' | 'encodeText'): Promise<[Record<string, unknown>, HookRecipe]> => {
    const specifier = context.modules?.[key];
    if (specifier === undefined) throw new Error(`diffusion replica: options.${key} is set but ReplicaSpec.modules.${key} is not`);
    return [(await import(/* webpackIgnore: true */ specifier)) as Record<string, unknown>, { module: specifier, ...o[key] }];
  };
  let encoder: ImageEncoderHook | null = null;
  if (o.encodeImages) encoder = await buildImageEncoder(...(await loadRecipe('encodeImages')));
  // Text-conditioned UNets: this thread's own text encoder (e.g. a frozen CLIP loaded from its folder).
  let textEncoder: TextEncoderHook | null = null;
  if (o.encodeText) textEncoder = await buildTextEncoder(...(await loadRecipe('encodeText')), { dataset });
  // As trainDiffusion builds its model: the weights of the seed's 'init' stream.
  const model = new UNet2DModel({ ...o.config, generator: new Generator(o.seed).fork('init') });
  const { height, width, inChannels } = model.config;
  // Data order and the steps' draws: from the run's seed (a resumed run's is the checkpoint's: loadStateDict).
  let rng!: Generator;
  let loader!: DataLoader;
  const seedWith = (seed: number) => {
    rng = new Generator(seed);
    loader = new DataLoader(dataset, { batchSize: o.batchSize, generator: rng, range: [-1, 1], dropLast: dataset.size >= o.batchSize, augment: o.augment });
  };
  seedWith(o.seed);
  const learningRate = o.warmupSteps > 0 ? linearWarmupLr({ peak: o.lr, warmupSteps: o.warmupSteps }) : o.lr;
  const optimizer = new AdamW({ learningRate, weightDecay: o.weightDecay });
  const trainable = Object.fromEntries(model.namedParameters().filter(([, variable]) => variable.trainable));
  const alphaBarTable = tf.keep(tf.tensor1d(Float32Array.from(alphasCumprod(betasFromConfig(o.schedulerConfig)))));
  const setup = {
    model,
    alphaBarTable,
    predictionType: o.predictionType,
    snrGamma: o.snrGamma ?? undefined,
    offsetNoise: o.offsetNoise,
    selfConditioning: o.selfConditioning,
    conditionDropProb: o.conditionDropProb,
  };
  const shape = { height, width, inChannels, numTrainTimesteps: o.schedulerConfig.numTrainTimesteps };
  let released = false;

  const run = (shard: Shard) =>
    tf.tidy(() => {
      const batch = loader.batchAt(shard.step);
      const size = batch.indices.length;
      if (size !== shard.globalBatchSize) {
        throw new Error(`diffusion replica: step ${shard.step} has ${size} images, the trainer asked for a global batch of ${shard.globalBatchSize}`);
      }
      // The whole batch's draws (as in single-thread training), then this shard's rows.
      const draw = rng.fork(`step/${shard.step}`);
      const draws = drawStep(draw, size, shape, o.offsetNoise, o.selfConditioning);
      const mine = sliceDraws(draws, shard.start, shard.end);
      const labels = Array.from(batch.indices.subarray(shard.start, shard.end), (index) => dataset.labels[index]);
      // Latent diffusion: x₀ = the encoded batch, drawn after the step's other draws (as in one thread).
      let x0: tf.Tensor;
      if (encoder === null) x0 = sliceShard(batch.images, shard);
      else if (encoder.encodeRows) {
        x0 = encoder.encodeRows(sliceShard(batch.images, shard) as tf.Tensor4D, draw, { start: shard.start, end: shard.end, batchSize: size });
      } else x0 = sliceShard(encoder.encode(batch.images as tf.Tensor4D, draw), shard);
      // Text: the whole batch's text stream (captions drawn for every row, as in one thread), this shard's rows.
      let text: TextConditioning | undefined;
      if (textEncoder !== null) {
        const textBatch = { indices: batch.indices, labels: batch.labels, generator: draw.fork('text'), step: shard.step };
        if (textEncoder.encodeRows) text = textEncoder.encodeRows(textBatch, { start: shard.start, end: shard.end });
        else {
          const whole = textEncoder.encode(textBatch);
          text = { encoderHiddenStates: sliceShard(whole.encoderHiddenStates, shard), ...(whole.encoderMask ? { encoderMask: sliceShard(whole.encoderMask, shard) } : {}) };
        }
      }
      const lossFn = denoisingLoss(setup, { x0, draws: mine, labels, text });
      return gradientsOf(trainable, lossFn);
    });

  return {
    groups: { unet: trainable },
    optimizers: {
      unet: {
        // Clips the AVERAGED gradients: the global-batch gradient, as in single-thread training.
        step: (params, grads) =>
          tf.tidy(() => {
            optimizer.step(params, o.maxGradNorm > 0 ? clipGradNorm(grads, o.maxGradNorm).grads : grads);
          }),
      },
    },
    phases: { [DENOISE_PHASE]: { group: 'unet', run } },
    stateDict(): NamedTensors {
      const state: NamedTensors = {};
      for (const [name, tensor] of Object.entries(model.stateDict())) state[`model/${name}`] = tensor;
      for (const [name, tensor] of Object.entries(optimizer.stateDict())) state[`optimizer/${name}`] = tensor;
      return state;
    },
    loadStateDict(state: NamedTensors): void {
      const part = (prefix: string) =>
        Object.fromEntries(Object.entries(state).filter(([name]) => name.startsWith(prefix)).map(([name, tensor]) => [name.slice(prefix.length), tensor]));
      model.loadStateDict(part('model/'));
      optimizer.loadStateDict(part('optimizer/'));
      if (state[SEED_KEY] !== undefined) seedWith(decodeSeed(state[SEED_KEY]));
    },
    model,
    optimizer,
    trainable,
    release() {
      released = true;
    },
    dispose() {
      alphaBarTable.dispose();
      encoder?.dispose?.();
      textEncoder?.dispose?.();
      if (released) return;
      model.dispose();
      optimizer.dispose();
    },
  };
}
