// How trainDiffusion (browser-safe) reaches data-parallel training, which needs Node's
// worker_threads: '@gen/diffusion/node' registers the runner when imported (as
// '@gen/core/node' registers the file-path checkpoint handler).
import type * as tf from '@tensorflow/tfjs-core';
import type { AdamW, ImageDataset } from '@gen/core';
import type { UNet2DModel } from '../models/unet';
import type { DiffusionReplicaOptions } from './diffusion-replica';

/** A running data-parallel trainer of one UNet (replica 0 lives in this thread). */
export interface ParallelDiffusion {
  /** Replicas taking part (this thread's included). */
  readonly replicas: number;
  /** Replica 0's model, optimizer and trained variables: what checkpoints, EMA and `onSample` use. */
  readonly model: UNet2DModel;
  readonly optimizer: AdamW;
  readonly trainable: Record<string, tf.Variable>;
  /** One training step over the global batch (every replica applies the averaged update); the mean loss. */
  step(step: number): Promise<number>;
  /**
   * Copies replica 0's model and optimizer state to every other replica, and makes every
   * replica draw from `seed` (after a resume: the checkpoint's seed; or a given model).
   */
  syncFromMain(seed: number): Promise<void>;
  /** Tensors alive in each thread (main first). */
  memory(): Promise<number[]>;
  /** Terminates the worker threads; model and optimizer stay alive (the caller owns them). */
  dispose(): Promise<void>;
}

export interface ParallelDiffusionRunner {
  /** What `workers: 'auto'` means for this backend and global batch (1: train in this thread). */
  autoWorkers(backend: string, globalBatchSize: number): number;
  create(args: { options: DiffusionReplicaOptions; dataset: ImageDataset; workers: number; backend: string; globalBatchSize: number }): Promise<ParallelDiffusion>;
}

let registered: ParallelDiffusionRunner | null = null;

/** Called by '@gen/diffusion/node'. */
export function registerParallelDiffusion(runner: ParallelDiffusionRunner): void {
  registered = runner;
}

/** The registered runner, or null (in a browser, or before '@gen/diffusion/node' is imported). */
export function parallelDiffusionRunner(): ParallelDiffusionRunner | null {
  return registered;
}
