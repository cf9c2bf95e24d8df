// Node: data-parallel diffusion training over @gen/core's DataParallelTrainer (worker_threads).
// Imported (and registered) by '@gen/diffusion/node'.
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '@gen/core';
import { DataParallelTrainer, autoWorkerCount, replicaModulePath, sharedDataset } from '@gen/core/node';
import { DENOISE_PHASE, SEED_KEY, encodeSeed } from './diffusion-replica';
import type { DiffusionReplica } from './diffusion-replica';
import { buildImageEncoder, registerParallelDiffusion } from './parallel-hook';
import type { HookRecipe, ImageEncoderHook, ParallelDiffusion, ParallelDiffusionRunner } from './parallel-hook';

function currentFile(): string {
  // CJS (dist .cjs, jest): __filename. ESM (dist .js): import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/**
 * The replica module beside this code: src/training/diffusion-replica.ts from sources (jest;
 * @gen/core bundles it with esbuild for the workers), dist/diffusion-replica.{js,cjs} when
 * built (the same format as this file, so the main thread shares this package's module graph).
 */
export function diffusionReplicaModule(): string {
  return replicaModulePath({ fromFile: currentFile(), name: 'diffusion-replica', folder: 'training', packageName: '@gen/diffusion', what: 'parallel diffusion training' });
}

/** A recipe's module as this thread imports it (a path for jest's require, a URL on Windows). */
function importSpecifier(module: string): string {
  const file = module.startsWith('file:') ? fileURLToPath(module) : path.resolve(module);
  return process.platform === 'win32' ? pathToFileURL(file).href : file;
}

export const nodeParallelDiffusion: ParallelDiffusionRunner = {
  autoWorkers: autoWorkerCount,
  async loadImageEncoder(recipe: HookRecipe): Promise<ImageEncoderHook> {
    const loaded = (await import(/* webpackIgnore: true */ importSpecifier(recipe.module))) as Record<string, unknown>;
    return buildImageEncoder(loaded, recipe);
  },
  async create({ options, dataset, workers, backend, globalBatchSize, encodeImages }): Promise<ParallelDiffusion> {
    const replicaOptions = encodeImages ? { ...options, encodeImages: { exportName: encodeImages.exportName ?? 'default', options: encodeImages.options ?? null } } : options;
    const trainer = await DataParallelTrainer.create({
      replica: {
        module: diffusionReplicaModule(),
        options: replicaOptions as never,
        data: sharedDataset(dataset),
        ...(encodeImages ? { modules: { encodeImages: encodeImages.module } } : {}),
      },
      globalBatchSize,
      workers,
      backend,
    });
    const replica = trainer.replica as DiffusionReplica;
    // trainDiffusion returns replica 0's model and optimizer: dispose() must leave them alive.
    replica.release();
    return {
      replicas: trainer.replicas,
      model: replica.model,
      optimizer: replica.optimizer,
      trainable: replica.trainable,
      async step(step: number): Promise<number> {
        const { losses } = await trainer.step(DENOISE_PHASE, { step });
        return losses.loss;
      },
      async syncFromMain(seed: number): Promise<void> {
        // loadStateDict assigns into replica 0 too: give it copies of its own state.
        const copies: NamedTensors = Object.fromEntries(Object.entries(trainer.stateDict()).map(([name, tensor]) => [name, tf.clone(tensor)]));
        copies[SEED_KEY] = encodeSeed(seed);
        try {
          await trainer.loadStateDict(copies);
        } finally {
          tf.dispose(Object.values(copies));
        }
      },
      async memory(): Promise<number[]> {
        return (await trainer.memory()).map((m) => m.numTensors);
      },
      dispose: () => trainer.dispose(),
    };
  },
};

registerParallelDiffusion(nodeParallelDiffusion);
