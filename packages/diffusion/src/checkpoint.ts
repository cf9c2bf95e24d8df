// Diffusion checkpoints: @gen/core's format (config.json + weights) with config
// `{ family: 'diffusion', model, scheduler, training? }` and tensors under `model/…` (and, in
// training checkpoints written by trainDiffusion, `ema/shadow/…` and optimizer moments).
import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError, loadCheckpoint, saveCheckpoint, type EMA, type JsonValue, type NamedTensors, type SaveCheckpointResult, type SchedulerConfig } from '@gen/core';
import { UNet2DModel, type UNet2DConfig } from './models';

/** The `family` marker of diffusion checkpoint configs. */
export const DIFFUSION_FAMILY = 'diffusion';

/** Where a checkpoint goes or comes from: a tf.io handler, a URL ('indexeddb://…'), or (Node, after `import '@gen/core/node'`) a folder. */
export type DiffusionCheckpointTarget = string | tf.io.IOHandler;

export interface SaveDiffusionOptions {
  model: UNet2DModel;
  /** The scheduler config of the trained forward process (trainDiffusion's `schedulerConfig`). */
  schedulerConfig: SchedulerConfig;
  /** When given, the model is saved with these averaged weights (the model is unchanged). */
  ema?: EMA | null;
  /** How the model was trained (kept in the config as `training`, as trainDiffusion's checkpoints do). */
  training?: JsonValue;
  /** Extra config fields, e.g. latent diffusion's `autoencoder` and `scalingFactor`. */
  extraConfig?: Record<string, JsonValue>;
  /** Any JSON: training command, step, measured metrics… */
  metadata?: JsonValue;
  /** 'float16' stores float32 weights as half floats (half the bytes; for shipping sampling weights). Default 'float32'. */
  storage?: 'float32' | 'float16';
}

/** Saves a UNet and its scheduler config in @gen/core's checkpoint format; `loadDiffusion` reads it. */
export async function saveDiffusion(destination: DiffusionCheckpointTarget, options: SaveDiffusionOptions): Promise<SaveCheckpointResult> {
  const { model, schedulerConfig, ema = null, training, extraConfig = {}, metadata = null, storage } = options ?? ({} as SaveDiffusionOptions);
  if (!(model instanceof UNet2DModel)) throw new InvalidArgumentError('model', model, 'must be a UNet2DModel');
  if (typeof schedulerConfig !== 'object' || schedulerConfig === null) throw new InvalidArgumentError('schedulerConfig', schedulerConfig, 'must be a scheduler config object');
  const tensors: NamedTensors = {};
  const owned: tf.Tensor[] = [];
  const state = model.stateDict();
  const averages = ema ? ema.averages() : {};
  for (const [name, tensor] of Object.entries(state)) {
    const averaged = averages[name];
    if (averaged) {
      const copy = tf.clone(averaged);
      owned.push(copy);
      tensors[`model/${name}`] = copy;
    } else {
      tensors[`model/${name}`] = tensor;
    }
  }
  const config: JsonValue = {
    ...extraConfig,
    family: DIFFUSION_FAMILY,
    model: model.getConfig() as unknown as JsonValue,
    scheduler: schedulerConfig as unknown as JsonValue,
    ...(training !== undefined ? { training } : {}),
  };
  try {
    return await saveCheckpoint(destination, { config, tensors, metadata, ...(storage ? { storage } : {}) });
  } finally {
    tf.dispose(owned);
  }
}

export interface LoadDiffusionOptions {
  /** Use the EMA weights when the checkpoint has them (training checkpoints). Default true. */
  useEma?: boolean;
}

export interface LoadedDiffusion {
  model: UNet2DModel;
  /** The trained forward process: `DDIMScheduler.fromConfig(schedulerConfig)` (or any other scheduler). */
  schedulerConfig: SchedulerConfig;
  /** The whole saved config (`model`, `scheduler`, `training`, latent fields…). */
  config: Record<string, JsonValue>;
  /** Whether the model got EMA weights. */
  usedEma: boolean;
  metadata: JsonValue;
  /** Frees the model. */
  dispose(): void;
}

/**
 * Loads a checkpoint written by `saveDiffusion` or by `trainDiffusion` (a `step-…` folder of
 * its checkpointDir): builds the UNet from the saved config and loads its weights (the EMA
 * weights by default). Errors are one line.
 */
export async function loadDiffusion(source: DiffusionCheckpointTarget, options: LoadDiffusionOptions = {}): Promise<LoadedDiffusion> {
  const { useEma = true } = options ?? {};
  if (typeof useEma !== 'boolean') throw new InvalidArgumentError('useEma', useEma, 'must be true or false');
  const { config, tensors, metadata } = await loadCheckpoint(source);
  const where = typeof source === 'string' ? source : 'the given tf.io handler';
  let model: UNet2DModel | null = null;
  try {
    const saved = config as { family?: unknown; model?: UNet2DConfig; scheduler?: SchedulerConfig } | null;
    if (saved?.family !== DIFFUSION_FAMILY || typeof saved.model !== 'object' || saved.model === null || typeof saved.scheduler !== 'object' || saved.scheduler === null) {
      throw new GenError(`loadDiffusion: ${where} is not a diffusion checkpoint (config.family is ${JSON.stringify(saved?.family ?? null)}, expected "diffusion" with model and scheduler configs)`);
    }
    model = UNet2DModel.fromConfig(saved.model);
    const part = (prefix: string): NamedTensors =>
      Object.fromEntries(Object.entries(tensors).filter(([name]) => name.startsWith(prefix)).map(([name, t]) => [name.slice(prefix.length), t]));
    const weights = part('model/');
    if (Object.keys(weights).length === 0) throw new GenError(`loadDiffusion: ${where} holds no model/ tensors`);
    model.loadStateDict(weights);
    const shadows = part('ema/shadow/');
    const usedEma = useEma && Object.keys(shadows).length > 0;
    if (usedEma) model.loadStateDict(shadows, { strict: false });
    const loaded = model;
    return {
      model: loaded,
      schedulerConfig: saved.scheduler,
      config: config as Record<string, JsonValue>,
      usedEma,
      metadata,
      dispose: () => loaded.dispose(),
    };
  } catch (error) {
    model?.dispose();
    if (GenError.isInstance(error) && !error.message.startsWith('loadDiffusion')) {
      throw new GenError(`loadDiffusion: ${error.message} (checkpoint at ${where}; does its config match its weights?)`);
    }
    throw error;
  } finally {
    tf.dispose(tensors);
  }
}
