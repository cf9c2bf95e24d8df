// CLIP checkpoints in @gen/core's format: config `{ family: 'clip', model, tokenizer, captions? }`
// and the model's tensors under `model/…` (as trainLoop writes them), so a training
// checkpoint loads directly.
import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError, loadCheckpoint, saveCheckpoint, type JsonValue, type NamedTensors, type SaveCheckpointResult } from '@gen/core';
import { Clip } from './clip';
import { ClipModel, type ClipModelConfig } from './model/clip-model';
import { BpeTokenizer } from './tokenizer/bpe-tokenizer';

/** The `family` of CLIP checkpoint configs. */
export const CLIP_FAMILY = 'clip';

/** A tf.io handler, a URL ('indexeddb://…'), or (Node, after `import '@gen/core/node'`) a folder. */
export type ClipCheckpointTarget = string | tf.io.IOHandler;

export interface SaveClipOptions {
  /** Extra JSON stored in the config (the caption corpus, dataset, training options). */
  extra?: Record<string, JsonValue>;
  metadata?: JsonValue;
  /** 'float16' stores float32 weights as half floats (half the bytes; for shipping inference weights). Default 'float32'. */
  storage?: 'float32' | 'float16';
}

/** The checkpoint config of a Clip (`extra` merged in). */
export function clipCheckpointConfig(clip: Clip, extra: Record<string, JsonValue> = {}): JsonValue {
  return { ...extra, family: CLIP_FAMILY, model: clip.model.toJSON(), tokenizer: clip.tokenizer.toJSON() };
}

/** Saves weights, config and tokenizer in one checkpoint; `loadClip` reads it back. */
export async function saveClip(destination: ClipCheckpointTarget, clip: Clip, options: SaveClipOptions = {}): Promise<SaveCheckpointResult> {
  if (!(clip instanceof Clip)) throw new InvalidArgumentError('clip', clip, 'must be a Clip');
  const tensors: NamedTensors = {};
  for (const [name, tensor] of Object.entries(clip.model.stateDict())) tensors[`model/${name}`] = tensor;
  const { extra, metadata = null, storage } = options;
  return saveCheckpoint(destination, { config: clipCheckpointConfig(clip, extra), tensors, metadata, ...(storage ? { storage } : {}) });
}

/** A loaded Clip with the checkpoint's config (with `captions`, `dataset`… when written by trainClip). */
export type LoadedClip = Clip & { readonly checkpointConfig: Record<string, JsonValue> };

/** Loads a checkpoint written by `saveClip` or `trainClip` (a `step-…` folder of its checkpointDir). Errors are one line. */
export async function loadClip(source: ClipCheckpointTarget): Promise<LoadedClip> {
  const { config, tensors } = await loadCheckpoint(source);
  const where = typeof source === 'string' ? source : 'the given tf.io handler';
  let model: ClipModel | null = null;
  try {
    const saved = config as { family?: unknown; model?: ClipModelConfig; tokenizer?: unknown } | null;
    if (saved?.family !== CLIP_FAMILY || typeof saved.model !== 'object' || saved.model === null) {
      throw new GenError(`loadClip: ${where} is not a CLIP checkpoint (config.family is ${JSON.stringify(saved?.family ?? null)}, expected "clip" with a model config)`);
    }
    const tokenizer = BpeTokenizer.fromJSON(saved.tokenizer);
    model = ClipModel.fromConfig(saved.model);
    const state = Object.fromEntries(
      Object.entries(tensors)
        .filter(([name]) => name.startsWith('model/'))
        .map(([name, tensor]) => [name.slice('model/'.length), tensor]),
    );
    if (Object.keys(state).length === 0) throw new GenError(`loadClip: ${where} holds no model/ tensors`);
    model.loadStateDict(state);
    const clip = new Clip(model, tokenizer) as LoadedClip;
    Object.defineProperty(clip, 'checkpointConfig', { value: config as Record<string, JsonValue>, enumerable: true });
    return clip;
  } catch (error) {
    model?.dispose();
    if (GenError.isInstance(error) && !error.message.startsWith('loadClip')) {
      throw new GenError(`loadClip: ${error.message} (checkpoint at ${where})`);
    }
    throw error;
  } finally {
    tf.dispose(tensors);
  }
}
