// GAN checkpoints: @gen/core's format (config.json + weights), with config
// `{ family: 'gan', generator, discriminator }` and tensors under `generator/…`,
// `discriminator/…` (and, in training checkpoints, `ema/shadow/…`, optimizer moments).
import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError, loadCheckpoint, saveCheckpoint, Generator, type EMA, type JsonValue, type NamedTensors, type SaveCheckpointResult } from '@gen/core';
import { ConditionalGenerator, ProjectionDiscriminator } from './conditional-gan';
import { DCGANDiscriminator, DCGANGenerator } from './dcgan';
import { standingStatistics, withStandingStatistics } from './standing-statistics';
import type { DiscriminatorConfig, GanConfig, GanDiscriminator, GanGenerator, GeneratorConfig } from './types';

/** The `family` marker of GAN checkpoint configs. */
export const GAN_FAMILY = 'gan';

/** Builds the generator a config describes (weights drawn from `generator`; load a state dict next to restore trained ones). */
export function createGenerator(config: GeneratorConfig, generator: Generator = new Generator(0)): GanGenerator {
  switch (config?.kind) {
    case 'dcgan-generator':
      return DCGANGenerator.fromConfig(config, generator);
    case 'conditional-generator':
      return ConditionalGenerator.fromConfig(config, generator);
    default:
      throw new InvalidArgumentError('generator config kind', (config as { kind?: unknown })?.kind, "must be 'dcgan-generator' or 'conditional-generator'");
  }
}

/** Builds the discriminator a config describes. */
export function createDiscriminator(config: DiscriminatorConfig, generator: Generator = new Generator(0)): GanDiscriminator {
  switch (config?.kind) {
    case 'dcgan-discriminator':
      return DCGANDiscriminator.fromConfig(config, generator);
    case 'projection-discriminator':
      return ProjectionDiscriminator.fromConfig(config, generator);
    default:
      throw new InvalidArgumentError('discriminator config kind', (config as { kind?: unknown })?.kind, "must be 'dcgan-discriminator' or 'projection-discriminator'");
  }
}

/** Where a checkpoint goes or comes from: a tf.io handler, a URL ('indexeddb://…'), or (Node, after `import '@gen/core/node'`) a folder. */
export type CheckpointTarget = string | tf.io.IOHandler;

export interface SaveGanOptions {
  generator: GanGenerator;
  /** Saved too when given (needed to continue training, not to sample). */
  discriminator?: GanDiscriminator | null;
  /** When given, the generator is saved with these averaged weights and batch-norm statistics measured for them (the model is unchanged). */
  ema?: EMA | null;
  /** Any JSON: training command, step, measured metrics… */
  metadata?: JsonValue;
  /** How the model was trained (loss, batch size, dataset…), kept in the config as `training` as trainGan's checkpoints do. */
  training?: JsonValue;
  /** 'float16' stores float32 weights as half floats (half the bytes; for shipping sampling weights). Default 'float32'. */
  storage?: 'float32' | 'float16';
}

/** Saves a generator (and optionally its discriminator) in @gen/core's checkpoint format; `loadGan` reads it. */
export async function saveGan(destination: CheckpointTarget, options: SaveGanOptions): Promise<SaveCheckpointResult> {
  const { generator, discriminator = null, ema = null, metadata = null, training, storage } = options ?? ({} as SaveGanOptions);
  if (!generator || typeof generator.stateDict !== 'function' || !generator.config) {
    throw new InvalidArgumentError('generator', generator, 'must be a GAN generator model');
  }
  const tensors: NamedTensors = {};
  const owned: tf.Tensor[] = [];
  if (ema) {
    // The averaged weights with batch-norm statistics measured for them (standing statistics).
    const params = Object.fromEntries(generator.namedParameters().filter(([name]) => name in ema.averages()));
    ema.swap(params);
    try {
      withStandingStatistics(generator, () => {
        for (const [name, tensor] of Object.entries(generator.stateDict())) {
          const copy = tf.clone(tensor);
          owned.push(copy);
          tensors[`generator/${name}`] = copy;
        }
      });
    } finally {
      ema.swap(params);
    }
  } else {
    for (const [name, tensor] of Object.entries(generator.stateDict())) tensors[`generator/${name}`] = tensor;
  }
  if (discriminator) for (const [name, tensor] of Object.entries(discriminator.stateDict())) tensors[`discriminator/${name}`] = tensor;
  const config: JsonValue = {
    family: GAN_FAMILY,
    generator: generator.config as unknown as JsonValue,
    ...(discriminator ? { discriminator: discriminator.config as unknown as JsonValue } : {}),
    ...(training !== undefined ? { training } : {}),
  };
  try {
    return await saveCheckpoint(destination, { config, tensors, metadata, ...(storage ? { storage } : {}) });
  } finally {
    tf.dispose(owned);
  }
}

export interface LoadGanOptions {
  /** Use the EMA weights when the checkpoint has them (training checkpoints). Default true. */
  useEma?: boolean;
  /** Also build the discriminator when the checkpoint has one. Default false. */
  discriminator?: boolean;
}

export interface LoadedGan {
  generator: GanGenerator;
  /** Null unless requested and present. */
  discriminator: GanDiscriminator | null;
  config: GanConfig | { generator: GeneratorConfig };
  /** Whether the generator got EMA weights. */
  usedEma: boolean;
  metadata: JsonValue;
  /** Frees the models. */
  dispose(): void;
}

/**
 * Loads a checkpoint written by `saveGan` or by `trainGan` (a `step-…` folder of its
 * checkpointDir): builds the models from the saved configs and loads their weights
 * (the generator's EMA weights by default). Errors are one line.
 */
export async function loadGan(source: CheckpointTarget, options: LoadGanOptions = {}): Promise<LoadedGan> {
  const { useEma = true, discriminator: wantDiscriminator = false } = options;
  const { config, tensors, metadata } = await loadCheckpoint(source);
  const where = typeof source === 'string' ? source : 'the given tf.io handler';
  let generator: GanGenerator | null = null;
  let discriminator: GanDiscriminator | null = null;
  try {
    const saved = config as { family?: unknown; generator?: GeneratorConfig; discriminator?: DiscriminatorConfig } | null;
    if (saved?.family !== GAN_FAMILY || typeof saved.generator !== 'object' || saved.generator === null) {
      throw new GenError(`loadGan: ${where} is not a GAN checkpoint (config.family is ${JSON.stringify(saved?.family ?? null)}, expected "gan" with a generator config)`);
    }
    generator = createGenerator(saved.generator);
    const part = (prefix: string): NamedTensors =>
      Object.fromEntries(Object.entries(tensors).filter(([name]) => name.startsWith(prefix)).map(([name, t]) => [name.slice(prefix.length), t]));
    const generatorState = part('generator/');
    if (Object.keys(generatorState).length === 0) throw new GenError(`loadGan: ${where} holds no generator/ tensors`);
    generator.loadStateDict(generatorState);
    const shadows = part('ema/shadow/');
    const usedEma = useEma && Object.keys(shadows).length > 0;
    if (usedEma) {
      // A training checkpoint's running statistics belong to the raw weights: measure them for the averaged ones.
      generator.loadStateDict(shadows, { strict: false });
      standingStatistics({ generator });
    }
    if (wantDiscriminator && saved.discriminator) {
      discriminator = createDiscriminator(saved.discriminator);
      discriminator.loadStateDict(part('discriminator/'));
    }
    const loaded = { generator, discriminator };
    return {
      ...loaded,
      config: saved.discriminator ? { generator: saved.generator, discriminator: saved.discriminator } : { generator: saved.generator },
      usedEma,
      metadata,
      dispose: () => {
        loaded.generator.dispose();
        loaded.discriminator?.dispose();
      },
    };
  } catch (error) {
    generator?.dispose();
    discriminator?.dispose();
    if (GenError.isInstance(error) && !error.message.startsWith('loadGan')) {
      throw new GenError(`loadGan: ${error.message} (checkpoint at ${where}; does its config match its weights?)`);
    }
    throw error;
  } finally {
    tf.dispose(tensors);
  }
}
