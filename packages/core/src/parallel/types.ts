import type * as tf from '@tensorflow/tfjs-core';
import type { JsonValue, NamedTensors } from '../types';
import type { ReplicaExchange } from './replica-exchange';

/**
 * The part of the global batch one replica computes: samples `[start, end)` of the
 * `globalBatchSize` samples of training step `step`. Every replica must be able to
 * rebuild its slice from these numbers alone (a deterministic data loader indexed by
 * step, random draws from `generator.fork('…:' + step)` drawn for the whole global batch
 * and then sliced), so no pixel data crosses threads.
 */
export interface Shard {
  /** The training step: the same number in every replica. */
  step: number;
  /** First sample of the slice (inclusive). */
  start: number;
  /** End of the slice (exclusive); `end − start ≥ 1`. */
  end: number;
  /** Samples in the whole step, over all replicas. */
  globalBatchSize: number;
}

/**
 * What a phase returns for its shard. The caller (the trainer) takes ownership and
 * disposes every tensor.
 *
 * - `grads`: gradients of the shard's **mean** loss (the average over its
 *   `end − start` samples), keyed by the names of the phase's parameter group. The
 *   trainer averages them over replicas weighted by shard size, which gives the
 *   gradient of the mean over the global batch. A name may be left out (no gradient
 *   this step), but then in every replica.
 * - `losses`: scalar means over the shard, averaged the same way.
 */
// (A type alias, not an interface, so that `tf.tidy(() => … as PhaseOutput)` type-checks.)
export type PhaseOutput = {
  grads: Record<string, tf.Tensor>;
  losses: Record<string, tf.Scalar>;
};

/** One kind of update of a training step (a GAN has two: the critic's, then the generator's). */
export interface ReplicaPhase {
  /** The parameter group (key of `Replica.groups`) this phase computes gradients for and updates. */
  group: string;
  /** Gradients and losses on the shard (see {@link PhaseOutput}); synchronous, like a tfjs training step. */
  run(shard: Shard): PhaseOutput;
}

/**
 * Anything that applies gradients to named variables: `Adam` / `AdamW` fit, as does
 * a wrapper that clips the gradients first. The same averaged gradients reach every
 * replica's updater, so a deterministic updater keeps all replicas identical.
 */
export interface GradientUpdater {
  step(params: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>): void;
}

/**
 * What a replica factory builds in each thread: the model(s), their optimizers and the
 * phases of a training step.
 */
export interface Replica {
  /**
   * Trainable variables by group and stable name (e.g. `{ critic: Object.fromEntries(critic.namedParameters()) }`).
   * Every replica must have the same groups, names, shapes and initial values.
   */
  groups: Record<string, Record<string, tf.Variable>>;
  /** One updater per group that a phase trains. */
  optimizers: Record<string, GradientUpdater>;
  /** The phases by name; `trainer.step(name)` runs one. */
  phases: Record<string, ReplicaPhase>;
  /**
   * The state to checkpoint (models and optimizers). Default: each group's variables as
   * `<group>/<name>`, plus `optimizer.<group>/<key>` for optimizers with a `stateDict`.
   */
  stateDict?(): NamedTensors;
  /** Restores `stateDict()` output in this replica. Needed for `trainer.loadStateDict`. */
  loadStateDict?(state: NamedTensors): void;
  /** Frees the replica's tensors (called by `trainer.dispose()`). */
  dispose?(): void;
}

/** Where a replica runs; passed to the factory as its second argument. */
export interface ReplicaContext {
  /** 0 for the main thread's replica, 1 … replicas − 1 for worker threads. */
  replicaIndex: number;
  /** How many replicas take part (the `workers` count). */
  replicas: number;
  /** The tfjs backend this thread runs. */
  backend: string;
  /**
   * `ReplicaSpec.data` as this thread received it (the same object in the main thread, a
   * structured clone in workers: typed arrays over `SharedArrayBuffer`s share their memory),
   * or undefined.
   */
  data?: unknown;
  /**
   * `ReplicaSpec.modules` as this thread imports them: key → a specifier for `import()` (a
   * `file:` URL in worker threads; in the main thread the path as given, so a TypeScript
   * module needs a runtime that imports TypeScript, as jest does), or undefined.
   */
  modules?: Record<string, string>;
  /**
   * With more than one replica: the blocking all-gather between the replicas of a step, for
   * what a phase must compute over the whole global batch inside its forward or backward pass
   * (e.g. `nn.withCrossReplicaBatchNorm(model, context.exchange, …)`: synchronised batch norm).
   * Every replica that runs the step must make the same exchanges in the same order. If a
   * replica's phase throws, the others' exchanges throw instead of waiting. Undefined with one
   * replica.
   */
  exchange?: ReplicaExchange;
}

/**
 * The export a replica module provides. It must build the same model in every thread
 * (seed every initialiser from a `Generator` built from `options`).
 */
export type ReplicaFactory = (options: JsonValue, context: ReplicaContext) => Replica | Promise<Replica>;

/** Which replica module to load in every thread. */
export interface ReplicaSpec {
  /**
   * Absolute path (or `file:` URL) of an ES or CommonJS module exporting a
   * {@link ReplicaFactory}. A `.ts` module is bundled with esbuild first (it must be installed).
   */
  module: string;
  /** The factory's export name (default `'createReplica'`; `'default'` for a default export). */
  exportName?: string;
  /** JSON passed to the factory in every thread (seed, sizes, hyper-parameters). */
  options?: JsonValue;
  /**
   * Structured-cloneable data every replica gets as `context.data`, e.g. a training set as
   * typed arrays over `SharedArrayBuffer`s: those are shared by every thread, not copied
   * (other arrays are copied once per worker when it starts).
   */
  data?: unknown;
  /**
   * More modules the replica imports by key (absolute paths or `file:` URLs), e.g. the
   * module that builds a frozen encoder from a folder named in `options`: every thread gets
   * the specifier to `import()` as `context.modules[key]`. For worker threads a TypeScript
   * module is bundled with esbuild together with the replica module (one module graph,
   * one copy of @gen/core), which plain paths cannot do.
   */
  modules?: Record<string, string>;
}

/** Per-parameter layout of a group, identical in every replica. */
export interface GroupLayout {
  name: string;
  params: Array<{ name: string; shape: number[] }>;
  /** Total float32 elements of the group. */
  size: number;
}

export interface ReplicaLayout {
  groups: GroupLayout[];
  phases: Array<{ name: string; group: string }>;
}

/** Tensors alive in one thread (`trainer.memory()`). */
export interface ReplicaMemory {
  replicaIndex: number;
  thread: 'main' | 'worker';
  numTensors: number;
  numBytes: number;
}
