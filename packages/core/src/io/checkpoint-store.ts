import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { CheckpointContents, LoadedCheckpoint } from './checkpoint-format';
import { describeCheckpointTarget, resolveCheckpointHandler } from './checkpoint-handlers';
import { loadCheckpoint, type LoadCheckpointOptions } from './load-checkpoint';
import { saveCheckpoint } from './save-checkpoint';

/** A checkpoint found by `CheckpointStore.loadLatest`. */
export interface StoredCheckpoint extends LoadedCheckpoint {
  /** The step the store filed it under. */
  step: number;
  /** Where it was loaded from (path / URL), for messages. */
  location: string;
}

/**
 * Where a training run keeps its checkpoints: numbered by step, newest wins. `trainLoop`
 * uses it for periodic checkpoints, `keep`, and resume. Implementations: `folderStore(dir)`
 * (Node, `@gen/core/node`: one atomic sub-folder per step) and `handlerStore(handler)` (any
 * tf.io handler, one slot overwritten each time).
 */
export interface CheckpointStore {
  /** The store's location, for messages. */
  readonly location: string;
  /** Saves the checkpoint of `step` and returns where it went. */
  save(step: number, contents: CheckpointContents): Promise<string>;
  /** Loads the newest complete checkpoint, or null when the store holds none. */
  loadLatest(options?: LoadCheckpointOptions): Promise<StoredCheckpoint | null>;
  /** Removes all but the newest `keep` checkpoints. */
  prune(keep: number): Promise<void>;
}

/**
 * A one-slot store on a tf.io handler or URL (e.g. `'indexeddb://run1'`): every save
 * overwrites it, `loadLatest` loads it. With `resume: true` the slot must exist (a handler
 * cannot say "empty" apart from "failed"), unless `exists` says whether it does.
 */
export function handlerStore(
  target: tf.io.IOHandler | string,
  { exists }: { exists?: () => Promise<boolean> } = {},
): CheckpointStore {
  const saveHandler = resolveCheckpointHandler(target, 'save', 'handlerStore target');
  const location = describeCheckpointTarget(target, saveHandler);
  return {
    location,
    async save(_step, contents) {
      await saveCheckpoint(saveHandler, contents);
      return location;
    },
    async loadLatest(options) {
      if (exists && !(await exists())) return null;
      const loaded = await loadCheckpoint(target, options);
      const step = stepOf(loaded.metadata);
      return { ...loaded, step, location };
    },
    async prune(keep) {
      if (!Number.isSafeInteger(keep) || keep < 1) throw new InvalidArgumentError('keep', keep, 'must be a positive integer');
    },
  };
}

/** `metadata.trainLoop.step` of a checkpoint written by trainLoop, or 0. */
function stepOf(metadata: unknown): number {
  const step = (metadata as { trainLoop?: { step?: unknown } } | null)?.trainLoop?.step;
  return typeof step === 'number' && Number.isSafeInteger(step) && step >= 0 ? step : 0;
}
