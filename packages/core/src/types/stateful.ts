import type * as tf from '@tensorflow/tfjs-core';

/**
 * Named tensors: the unit of a checkpoint. Inside a module names are stable dotted paths
 * ('down.0.conv.weight'); a checkpoint groups parts by a '/' prefix ('model/…', 'optimizer/…').
 */
export type NamedTensors = Record<string, tf.Tensor>;

/**
 * Anything whose state a checkpoint saves and restores exactly: modules (weights and
 * buffers), optimizers (moments, step), EMA shadows. `stateDict` returns tensors the
 * caller must not dispose (they are the live values or kept copies the owner frees);
 * `loadStateDict` copies values in and throws a one-line error naming the first
 * missing / unexpected / mis-shaped tensor.
 */
export interface Stateful {
  stateDict(): NamedTensors;
  loadStateDict(state: NamedTensors, options?: { strict?: boolean }): void;
}

/** JSON-serialisable state (RNG counters, step numbers, schedules). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
