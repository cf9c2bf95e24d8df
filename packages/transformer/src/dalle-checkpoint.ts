// DALL·E transformer checkpoints in @gen/core's format: config `{ family: 'dalle', model,
// tokenizer?, … }` and the model's tensors under `model/…` (as trainLoop writes them), so a
// training checkpoint loads directly.
import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError, loadCheckpoint, saveCheckpoint, type JsonValue, type NamedTensors, type SaveCheckpointResult } from '@gen/core';
import { BpeTokenizer } from '@gen/clip-guidance';
import { DalleTransformer, type DalleConfig } from './model/dalle-transformer';

/** The `family` of DALL·E checkpoint configs. */
export const DALLE_FAMILY = 'dalle';

/** A tf.io handler, a URL ('indexeddb://…'), or (Node, after `import '@gen/core/node'`) a folder. */
export type DalleCheckpointTarget = string | tf.io.IOHandler;

/** The checkpoint config of a model (`extra` merged in; a BpeTokenizer under `tokenizer` is stored as JSON). */
export function dalleCheckpointConfig(model: DalleTransformer, extra: Record<string, JsonValue> = {}): JsonValue {
  return { ...extra, family: DALLE_FAMILY, model: model.toJSON() };
}

export interface SaveDalleOptions {
  /** Stored with the weights so `loadDalle` returns it. */
  tokenizer?: BpeTokenizer;
  extra?: Record<string, JsonValue>;
  metadata?: JsonValue;
  /** 'float16' stores the weights as half floats (half the bytes; for shipping sampling weights). Default 'float32'. */
  storage?: 'float32' | 'float16';
}

/** Saves weights and config (and the tokenizer) in one checkpoint; `loadDalle` reads it back. */
export async function saveDalle(destination: DalleCheckpointTarget, model: DalleTransformer, options: SaveDalleOptions = {}): Promise<SaveCheckpointResult> {
  if (!(model instanceof DalleTransformer)) throw new InvalidArgumentError('model', model, 'must be a DalleTransformer');
  const tensors: NamedTensors = {};
  for (const [name, tensor] of Object.entries(model.stateDict())) tensors[`model/${name}`] = tensor;
  const extra = { ...(options.extra ?? {}), ...(options.tokenizer ? { tokenizer: options.tokenizer.toJSON() } : {}) };
  return saveCheckpoint(destination, { config: dalleCheckpointConfig(model, extra), tensors, metadata: options.metadata ?? null, ...(options.storage ? { storage: options.storage } : {}) });
}

export interface LoadedDalle {
  model: DalleTransformer;
  /** The tokenizer saved with it (null when none was). */
  tokenizer: BpeTokenizer | null;
  config: Record<string, JsonValue>;
}

/** Loads a checkpoint written by `saveDalle` or `trainDalle` (a `step-…` folder of its checkpointDir). Errors are one line. */
export async function loadDalle(source: DalleCheckpointTarget): Promise<LoadedDalle> {
  const { config, tensors } = await loadCheckpoint(source);
  const where = typeof source === 'string' ? source : 'the given tf.io handler';
  let model: DalleTransformer | null = null;
  try {
    const saved = config as { family?: unknown; model?: DalleConfig; tokenizer?: unknown } | null;
    if (saved?.family !== DALLE_FAMILY || typeof saved.model !== 'object' || saved.model === null) {
      throw new GenError(`loadDalle: ${where} is not a DALL·E checkpoint (config.family is ${JSON.stringify(saved?.family ?? null)}, expected "dalle" with a model config)`);
    }
    const tokenizer = saved.tokenizer !== undefined ? BpeTokenizer.fromJSON(saved.tokenizer) : null;
    model = DalleTransformer.fromConfig(saved.model);
    const state = Object.fromEntries(
      Object.entries(tensors)
        .filter(([name]) => name.startsWith('model/'))
        .map(([name, tensor]) => [name.slice('model/'.length), tensor]),
    );
    if (Object.keys(state).length === 0) throw new GenError(`loadDalle: ${where} holds no model/ tensors`);
    model.loadStateDict(state);
    return { model, tokenizer, config: config as Record<string, JsonValue> };
  } catch (error) {
    model?.dispose();
    if (GenError.isInstance(error) && !error.message.startsWith('loadDalle')) throw new GenError(`loadDalle: ${error.message} (checkpoint at ${where})`);
    throw error;
  } finally {
    tf.dispose(tensors);
  }
}
