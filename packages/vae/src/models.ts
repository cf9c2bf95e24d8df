// Building and loading any @gen/vae model from its config (`config.kind` picks the class).
import * as tf from '@tensorflow/tfjs-core';
import { Generator, GenError, InvalidArgumentError, loadCheckpoint, nn, saveCheckpoint, type JsonValue, type NamedTensors, type SaveCheckpointResult } from '@gen/core';
import { AutoencoderKL, type AutoencoderKLConfig } from './autoencoder-kl';
import { ConditionalVAE, type ConditionalVAEConfig } from './conditional-vae';
import { VAE, type VAEConfig } from './vae';
import { VQVAE } from './vq-vae';

/** Any @gen/vae model. */
export type VaeFamilyModel = VAE | ConditionalVAE | AutoencoderKL;
/** The config of any @gen/vae model. */
export type VaeFamilyConfig = VAEConfig | ConditionalVAEConfig | AutoencoderKLConfig;
/** A config with only `kind` required; the constructor fills the other defaults. */
export type PartialVaeFamilyConfig =
  | ({ kind: 'vae' } & Partial<VAEConfig>)
  | ({ kind: 'conditional-vae' } & Partial<ConditionalVAEConfig>)
  | ({ kind: 'autoencoder-kl' } & Partial<AutoencoderKLConfig>);

export const MODEL_KINDS = ['vae', 'conditional-vae', 'autoencoder-kl'] as const;

/** Builds the model a (possibly partial) config describes, weights drawn from `generator`. */
export function createVaeModel(config: PartialVaeFamilyConfig, generator: Generator = new Generator(0)): VaeFamilyModel {
  const { kind, ...options } = (config ?? {}) as PartialVaeFamilyConfig;
  switch (kind) {
    case 'vae':
      return new VAE({ ...(options as Partial<VAEConfig>), generator });
    case 'conditional-vae':
      return new ConditionalVAE({ ...(options as Partial<ConditionalVAEConfig>), generator });
    case 'autoencoder-kl':
      return new AutoencoderKL({ ...(options as Partial<AutoencoderKLConfig>), generator });
    default:
      throw new InvalidArgumentError('config.kind', kind, `must be one of ${MODEL_KINDS.map((k) => `'${k}'`).join(', ')}`);
  }
}

export interface LoadVaeModelOptions {
  /**
   * Where the checkpoint is: a folder path (Node, after `import '@gen/core/node'`), a URL
   * such as 'indexeddb://vae', or a tf.io handler. Written by `trainVae` (or by
   * `saveCheckpoint` with `config.model` and `model/…` tensors).
   */
  source: string | tf.io.IOHandler;
}

/** Loads a model saved by `trainVae`: `{ model, config, metadata }`. A VQ-VAE checkpoint loads with `loadVqVae`. */
export async function loadVaeModel({ source }: LoadVaeModelOptions): Promise<{ model: VaeFamilyModel; config: unknown; metadata: unknown }> {
  return loadModelCheckpoint(source, 'loadVaeModel', (modelConfig) => {
    const kind = (modelConfig as { kind?: unknown } | null)?.kind;
    if (kind === 'vq-vae') throw new GenError(`loadVaeModel: ${describeSource(source)} holds a VQ-VAE: load it with loadVqVae`);
    if (!MODEL_KINDS.includes(kind as (typeof MODEL_KINDS)[number])) return null;
    return createVaeModel(modelConfig as VaeFamilyConfig);
  });
}

export interface SaveVaeModelOptions {
  /** The model (VAE, ConditionalVAE or AutoencoderKL; or a VQVAE, read back by `loadVqVae`). */
  model: VaeFamilyModel | VQVAE;
  /** Free-form JSON kept beside the weights (e.g. `{ step }`). */
  metadata?: JsonValue;
  /** How the model was trained (dataset…), kept in the config as `training` as trainVae's checkpoints do. */
  training?: JsonValue;
  /** 'float16' stores float32 weights as half floats (half the bytes; for shipping sampling weights). Default 'float32'. */
  storage?: 'float32' | 'float16';
}

/**
 * Saves a model alone — no optimizer state — in the layout `loadVaeModel` reads (`config.model`
 * and `model/…` tensors): what to ship or to hand to `gen train diffusion --autoencoder`.
 * `destination`: a folder path (Node, after `import '@gen/core/node'`), a URL or a tf.io handler.
 */
export async function saveVaeModel(destination: string | tf.io.IOHandler, options: SaveVaeModelOptions): Promise<SaveCheckpointResult> {
  const { model, metadata = null, training, storage } = options ?? ({} as SaveVaeModelOptions);
  if (!(model instanceof VAE || model instanceof ConditionalVAE || model instanceof AutoencoderKL || model instanceof VQVAE)) {
    throw new InvalidArgumentError('model', model, 'must be a VAE, ConditionalVAE, AutoencoderKL or VQVAE');
  }
  const tensors: NamedTensors = {};
  for (const [name, tensor] of Object.entries(model.stateDict())) tensors[`model/${name}`] = tensor;
  const config: JsonValue = { family: 'vae', model: { ...model.config } as unknown as JsonValue, ...(training !== undefined ? { training } : {}) };
  return saveCheckpoint(destination, { config, tensors, metadata, ...(storage ? { storage } : {}) });
}

function describeSource(source: string | tf.io.IOHandler): string {
  return String(typeof source === 'string' ? source : 'the checkpoint');
}

/**
 * The checkpoint layout every @gen/vae model shares (written by trainLoop): `config.model`
 * is the model config, the weights are the `model/…` tensors. `build` turns the config into
 * an untrained model (null: not a config this loader reads); its state dict is then loaded.
 */
export async function loadModelCheckpoint<M extends nn.Module>(
  source: string | tf.io.IOHandler,
  loader: string,
  build: (modelConfig: unknown) => M | null,
): Promise<{ model: M; config: unknown; metadata: unknown }> {
  const { config, tensors, metadata } = await loadCheckpoint(source);
  try {
    const modelConfig = (config as { model?: unknown } | null)?.model;
    const model = modelConfig ? build(modelConfig) : null;
    if (!model) throw new GenError(`${loader}: ${describeSource(source)} has no @gen/vae model config (config.model.kind)`);
    const prefix = 'model/';
    const state: NamedTensors = {};
    for (const [name, tensor] of Object.entries(tensors)) if (name.startsWith(prefix)) state[name.slice(prefix.length)] = tensor;
    try {
      model.loadStateDict(state);
    } catch (error) {
      model.dispose();
      throw error;
    }
    return { model, config, metadata };
  } finally {
    tf.dispose(tensors);
  }
}
