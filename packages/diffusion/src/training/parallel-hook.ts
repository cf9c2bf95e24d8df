// How trainDiffusion (browser-safe) reaches data-parallel training, which needs Node's
// worker_threads: '@gen/diffusion/node' registers the runner when imported (as
// '@gen/core/node' registers the file-path checkpoint handler).
import type * as tf from '@tensorflow/tfjs-core';
import type { AdamW, Generator, ImageDataset, JsonValue } from '@gen/core';
import type { UNet2DModel } from '../models/unet';
import type { DiffusionReplicaOptions } from './diffusion-replica';
import type { TextBatch, TextConditioning } from './train-diffusion';

/**
 * A hook every thread can build for itself (a function cannot reach a worker thread):
 * `(await import(module))[exportName](options)`. E.g. `latentEncoderRecipe({ autoencoder: dir,
 * scalingFactor })` of @gen/vae/node, which loads the autoencoder from its folder, or
 * `textEncoderRecipe({ clip: dir })` of @gen/clip-guidance/node (captions encoded by a frozen CLIP).
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

/**
 * What an `encodeText` recipe's factory builds (in every thread): the `encodeText` function of
 * trainDiffusion, and optionally the rows of it a replica needs.
 */
export interface TextEncoderHook {
  /** The batch's conditioning (as an `encodeText` function), drawing from `batch.generator`. */
  encode(batch: TextBatch): TextConditioning;
  /**
   * Optional: rows `[start, end)` of what `encode(batch)` returns (`batch` is the whole batch),
   * drawing from `batch.generator` exactly as `encode` does. A replica then encodes only its
   * rows (e.g. captions drawn for the whole batch, only this replica's encoded); without it,
   * every replica encodes the whole batch and keeps its rows.
   */
  encodeRows?(batch: TextBatch, rows: { start: number; end: number }): TextConditioning;
  /** Frees what the hook holds (called once training ends). */
  dispose?(): void;
}

/** What a text encoder's factory gets besides its options: the training set (the same in every thread). */
export interface TextEncoderContext {
  dataset: ImageDataset;
}

/** The export a recipe module provides for `encodeText`. */
export type TextEncoderFactory = (options: JsonValue, context: TextEncoderContext) => TextEncoderHook | Promise<TextEncoderHook>;

/** The factory a recipe names in its loaded module; `argument` (encodeImages, encodeText) names it in errors. */
function recipeFactory(loaded: Record<string, unknown>, recipe: HookRecipe, argument: string): (...args: unknown[]) => unknown {
  const exportName = recipe.exportName ?? 'default';
  const factory = loaded[exportName] ?? (exportName === 'default' ? undefined : (loaded.default as Record<string, unknown> | undefined)?.[exportName]);
  if (typeof factory !== 'function') {
    throw new Error(`${argument} recipe: ${recipe.module} exports no function '${exportName}' (it exports ${Object.keys(loaded).filter((k) => k !== '__esModule').join(', ') || 'nothing'})`);
  }
  return factory as (...args: unknown[]) => unknown;
}

/** Builds a hook from a recipe's loaded module (the same code in the main thread and in workers). */
export async function buildImageEncoder(loaded: Record<string, unknown>, recipe: HookRecipe): Promise<ImageEncoderHook> {
  const factory = recipeFactory(loaded, recipe, 'encodeImages') as ImageEncoderFactory;
  const hook = (await factory(recipe.options ?? null)) as ImageEncoderHook;
  if (typeof hook?.encode !== 'function') throw new Error(`encodeImages recipe: ${recipe.module}'s ${recipe.exportName ?? 'default'}(options) returned no { encode(images, generator) }`);
  return hook;
}

/** Builds a text hook from a recipe's loaded module and the training set (main thread and workers alike). */
export async function buildTextEncoder(loaded: Record<string, unknown>, recipe: HookRecipe, context: TextEncoderContext): Promise<TextEncoderHook> {
  const factory = recipeFactory(loaded, recipe, 'encodeText') as TextEncoderFactory;
  const hook = (await factory(recipe.options ?? null, context)) as TextEncoderHook;
  if (typeof hook?.encode !== 'function') throw new Error(`encodeText recipe: ${recipe.module}'s ${recipe.exportName ?? 'default'}(options, { dataset }) returned no { encode(batch) }`);
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
    /** Text-conditioned UNets: the recipe every replica builds its text encoder from (with the training set). */
    encodeText?: HookRecipe;
  }): Promise<ParallelDiffusion>;
  /** Builds a recipe's hook in this thread (the single-thread path, and the shape probe). */
  loadImageEncoder(recipe: HookRecipe): Promise<ImageEncoderHook>;
  /** Builds a text recipe's hook in this thread (the single-thread path, and the width probe). */
  loadTextEncoder(recipe: HookRecipe, context: TextEncoderContext): Promise<TextEncoderHook>;
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
