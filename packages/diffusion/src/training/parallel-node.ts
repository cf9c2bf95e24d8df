// Node: data-parallel diffusion training over @gen/core's DataParallelTrainer (worker_threads).
// Imported (and registered) by '@gen/diffusion/node'.
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '@gen/core';
import { DataParallelTrainer, autoWorkerCount, replicaModulePath, sharedDataset } from '@gen/core/node';
import { DENOISE_PHASE, SEED_KEY, encodeSeed } from './diffusion-replica';
import type { DiffusionReplica } from './diffusion-replica';
import { buildImageEncoder, buildTextEncoder, registerParallelDiffusion } from './parallel-hook';
import type { HookRecipe, ImageEncoderHook, ParallelDiffusion, ParallelDiffusionRunner, TextEncoderContext, TextEncoderHook } from './parallel-hook';

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

async function importRecipeModule(recipe: HookRecipe): Promise<Record<string, unknown>> {
  return (await import(/* webpackIgnore: true */ importSpecifier(recipe.module))) as Record<string, unknown>;
}

export const nodeParallelDiffusion: ParallelDiffusionRunner = {
  autoWorkers: autoWorkerCount,
  async loadImageEncoder(recipe: HookRecipe): Promise<ImageEncoderHook> {
    return buildImageEncoder(await importRecipeModule(recipe), recipe);
  },
  async loadTextEncoder(recipe: HookRecipe, context: TextEncoderContext): Promise<TextEncoderHook> {
    return buildTextEncoder(await importRecipeModule(recipe), recipe, context);
  },
  async create({ options, dataset, workers, backend, globalBatchSize, encodeImages, encodeText }): Promise<ParallelDiffusion> {
    // Each recipe: its export and options in the replica options, its module in ReplicaSpec.modules (bundled for workers).
    const modules: Record<string, string> = {};
    const replicaOptions = { ...options };
    for (const [key, recipe] of [['encodeImages', encodeImages], ['encodeText', encodeText]] as const) {
      if (recipe === undefined) continue;
      modules[key] = recipe.module;
      replicaOptions[key] = { exportName: recipe.exportName ?? 'default', options: recipe.options ?? null };
    }
    const trainer = await DataParallelTrainer.create({
      replica: {
        module: diffusionReplicaModule(),
        options: replicaOptions as never,
        data: sharedDataset(dataset),
        ...(Object.keys(modules).length > 0 ? { modules } : {}),
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
