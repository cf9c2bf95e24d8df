// unCLIP prior checkpoints in @gen/core's format: config `{ family: 'unclip-prior', prior,
// clip, captions?, training? }` and the prior's tensors under `model/…` (as trainLoop writes
// them), so a training checkpoint loads directly.
import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError, loadCheckpoint, saveCheckpoint, type JsonValue, type NamedTensors, type SaveCheckpointResult } from '@gen/core';
import { createPrior, EmbeddingPrior, type PriorConfig } from './prior';

/** The `family` of prior checkpoint configs. */
export const PRIOR_FAMILY = 'unclip-prior';

/** A tf.io handler, a URL, or (Node, after `import '@gen/core/node'`) a folder. */
export type PriorCheckpointTarget = string | tf.io.IOHandler;

/** The checkpoint config of a prior (`extra` merged in: where its CLIP is, captions, training). */
export function priorCheckpointConfig(prior: EmbeddingPrior, extra: Record<string, JsonValue> = {}): JsonValue {
  return { ...extra, family: PRIOR_FAMILY, prior: prior.toJSON() };
}

/** Saves a prior; `loadPrior` reads it back. */
export async function savePrior(destination: PriorCheckpointTarget, prior: EmbeddingPrior, extra: Record<string, JsonValue> = {}): Promise<SaveCheckpointResult> {
  if (!(prior instanceof EmbeddingPrior)) throw new InvalidArgumentError('prior', prior, 'must be an EmbeddingPrior (createPrior or trainUnclipPrior)');
  const tensors: NamedTensors = {};
  for (const [name, tensor] of Object.entries(prior.stateDict())) tensors[`model/${name}`] = tensor;
  return saveCheckpoint(destination, { config: priorCheckpointConfig(prior, extra), tensors, metadata: null });
}

/** A loaded prior with its checkpoint's config (`clip`: where its CLIP is, when recorded). */
export type LoadedPrior = EmbeddingPrior & { readonly checkpointConfig: Record<string, JsonValue> };

/** Loads a checkpoint written by `savePrior` or `trainUnclipPrior` (a `step-…` folder). Errors are one line. */
export async function loadPrior(source: PriorCheckpointTarget): Promise<LoadedPrior> {
  const { config, tensors } = await loadCheckpoint(source);
  const where = typeof source === 'string' ? source : 'the given tf.io handler';
  let prior: EmbeddingPrior | null = null;
  try {
    const saved = config as { family?: unknown; prior?: PriorConfig } | null;
    if (saved?.family !== PRIOR_FAMILY || typeof saved.prior !== 'object' || saved.prior === null) {
      throw new GenError(`loadPrior: ${where} is not an unCLIP prior checkpoint (config.family is ${JSON.stringify(saved?.family ?? null)}, expected "${PRIOR_FAMILY}" with a prior config)`);
    }
    prior = createPrior(saved.prior);
    const state = Object.fromEntries(
      Object.entries(tensors)
        .filter(([name]) => name.startsWith('model/'))
        .map(([name, tensor]) => [name.slice('model/'.length), tensor]),
    );
    if (Object.keys(state).length === 0) throw new GenError(`loadPrior: ${where} holds no model/ tensors`);
    prior.loadStateDict(state);
    Object.defineProperty(prior, 'checkpointConfig', { value: config as Record<string, JsonValue>, enumerable: true });
    return prior as LoadedPrior;
  } catch (error) {
    prior?.dispose();
    if (GenError.isInstance(error) && !error.message.startsWith('loadPrior')) throw new GenError(`loadPrior: ${error.message} (checkpoint at ${where})`);
    throw error;
  } finally {
    tf.dispose(tensors);
  }
}
