// How trainGan (browser-safe) reaches data-parallel training, which needs Node's worker_threads:
// '@gen/gan/node' registers the runner when imported.
import type { ImageDataset } from '@gen/core';
import type { GanTrainer } from '../gan-trainer';
import type { GanDiscriminator, GanGenerator } from '../types';
import type { GanReplicaOptions } from './gan-replica';

/** A running data-parallel GAN trainer (replica 0 lives in this thread). */
export interface ParallelGan {
  /** Replicas taking part (this thread's included). */
  readonly replicas: number;
  /** Replica 0's models and trainer (optimizers, EMA, rng): what checkpoints, samples and evaluations use. */
  readonly generator: GanGenerator;
  readonly discriminator: GanDiscriminator;
  readonly trainer: GanTrainer;
  /** One critic update over the global batch `batchIndex` (every replica applies the averaged update); the mean loss. */
  critic(batchIndex: number): Promise<number>;
  /** One generator update (every replica applies the averaged update); the mean loss. */
  generatorUpdate(step: number): Promise<number>;
  /** Copies replica 0's models, optimizers and rng state to every other replica (after a resume). */
  syncFromMain(): Promise<void>;
  /** Tensors alive in each thread (main first). */
  memory(): Promise<number[]>;
  /** Terminates the worker threads; replica 0's models and trainer stay alive (the caller owns them). */
  dispose(): Promise<void>;
}

export interface ParallelGanRunner {
  /** What `workers: 'auto'` means for this backend and global batch (1: train in this thread). */
  autoWorkers(backend: string, globalBatchSize: number): number;
  create(args: { options: GanReplicaOptions; dataset: ImageDataset; workers: number; backend: string; globalBatchSize: number }): Promise<ParallelGan>;
}

let registered: ParallelGanRunner | null = null;

/** Called by '@gen/gan/node'. */
export function registerParallelGan(runner: ParallelGanRunner): void {
  registered = runner;
}

/** The registered runner, or null (in a browser, or before '@gen/gan/node' is imported). */
export function parallelGanRunner(): ParallelGanRunner | null {
  return registered;
}
