// How trainDiffusion (browser-safe) reaches data-parallel training, which needs Node's
// worker_threads: '@gen/diffusion/node' registers the runner when imported (as
// '@gen/core/node' registers the file-path checkpoint handler).
import type * as tf from '@tensorflow/tfjs-core';
import type { AdamW, Generator, ImageDataset, JsonValue } from '@gen/core';
import type { UNet2DModel } from '../models/unet';
import type { DiffusionReplicaOptions } from './diffusion-replica';

/**
 * A hook every thread can build for itself (a function cannot reach a worker thread):
 * `(await import(module))[exportName](options)`. E.g. `latentEncoderRecipe({ autoencoder: dir,
 * scalingFactor })` of @gen/vae/node, which loads the autoencoder from its folder.
 */
export interface HookRecipe {
  /** Absolute path or `file:` URL of an ES / CommonJS module (TypeScript is bundled for workers with esbuild). */
  module: string;
  /** The factory's export (default `'default'`). */
  exportName?: string;
  /** JSON given to the factory in every thread. */
  options?: JsonValue;
}

/** What an `encodeImages` recipe's factory builds (in every thread). */
export interface ImageEncoderHook {
  /** Images `[B, H, W, C]` in [−1, 1] → latents, drawing from `generator` (as an `encodeImages` function). */
  encode(images: tf.Tensor4D, generator: Generator): tf.Tensor4D;
  /**
   * Optional: rows `[start, end)` of what `encode(allImages, generator)` returns, given only
   * those rows' images (`batchSize` = all rows), drawing from `generator` exactly as `encode`
   * does for the whole batch. A replica then encodes only its slice of the batch; without it,
   * every replica encodes the whole batch and keeps its rows.
   */
  encodeRows?(images: tf.Tensor4D, generator: Generator, rows: { start: number; end: number; batchSize: number }): tf.Tensor4D;
  /** Frees what the hook holds (called once training ends). */
  dispose?(): void;
}

/** The export a recipe module provides for `encodeImages`. */
export type ImageEncoderFactory = (options: JsonValue) => ImageEncoderHook | Promise<ImageEncoderHook>;

/** Builds a hook from a recipe's loaded module (the same code in the main thread and in workers). */
export async function buildImageEncoder(loaded: Record<string, unknown>, recipe: HookRecipe): Promise<ImageEncoderHook> {
  const exportName = recipe.exportName ?? 'default';
  const factory = loaded[exportName] ?? (exportName === 'default' ? undefined : (loaded.default as Record<string, unknown> | undefined)?.[exportName]);
  if (typeof factory !== 'function') {
    throw new Error(`encodeImages recipe: ${recipe.module} exports no function '${exportName}' (it exports ${Object.keys(loaded).filter((k) => k !== '__esModule').join(', ') || 'nothing'})`);
  }
  const hook = (await (factory as ImageEncoderFactory)(recipe.options ?? null)) as ImageEncoderHook;
  if (typeof hook?.encode !== 'function') throw new Error(`encodeImages recipe: ${recipe.module}'s ${exportName}(options) returned no { encode(images, generator) }`);
  return hook;
}

/** Whether `value` looks like a {@link HookRecipe} (an object with a `module` string). */
export function isHookRecipe(value: unknown): value is HookRecipe {
  return typeof value === 'object' && value !== null && typeof (value as HookRecipe).module === 'string' && (value as HookRecipe).module.length > 0;
}

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
  create(args: {
    options: DiffusionReplicaOptions;
    dataset: ImageDataset;
    workers: number;
    backend: string;
    globalBatchSize: number;
    /** Latent diffusion: the recipe every replica builds its image encoder from. */
    encodeImages?: HookRecipe;
  }): Promise<ParallelDiffusion>;
  /** Builds a recipe's hook in this thread (the single-thread path, and the shape probe). */
  loadImageEncoder(recipe: HookRecipe): Promise<ImageEncoderHook>;
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
