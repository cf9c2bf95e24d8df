// Node: data-parallel GAN training over @gen/core's DataParallelTrainer (worker_threads).
// Imported (and registered) by '@gen/gan/node'.
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '@gen/core';
import { DataParallelTrainer, autoWorkerCount, replicaModulePath, sharedDataset } from '@gen/core/node';
import { CRITIC_PHASE, GENERATOR_PHASE, RNG_KEY, encodeRng } from './gan-replica';
import type { GanReplica } from './gan-replica';
import { registerParallelGan } from './parallel-hook';
import type { ParallelGan, ParallelGanRunner } from './parallel-hook';

function currentFile(): string {
  // CJS (dist .cjs, jest): __filename. ESM (dist .js): import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/**
 * The replica module beside this code: src/parallel/gan-replica.ts from sources (jest; @gen/core
 * bundles it with esbuild for the workers), dist/gan-replica.{js,cjs} when built.
 */
export function ganReplicaModule(): string {
  return replicaModulePath({ fromFile: currentFile(), name: 'gan-replica', folder: 'parallel', packageName: '@gen/gan', what: 'parallel GAN training' });
}

export const nodeParallelGan: ParallelGanRunner = {
  autoWorkers: autoWorkerCount,
  async create({ options, dataset, workers, backend, globalBatchSize }): Promise<ParallelGan> {
    const trainer = await DataParallelTrainer.create({
      replica: { module: ganReplicaModule(), options: options as never, data: sharedDataset(dataset) },
      globalBatchSize,
      workers,
      backend,
    });
    const replica = trainer.replica as GanReplica;
    // trainGan returns replica 0's models and trainer: dispose() must leave them alive.
    replica.release();
    return {
      replicas: trainer.replicas,
      generator: replica.generator,
      discriminator: replica.discriminator,
      trainer: replica.trainer,
      async critic(batchIndex: number): Promise<number> {
        return (await trainer.step(CRITIC_PHASE, { step: batchIndex })).losses.loss;
      },
      async generatorUpdate(step: number): Promise<number> {
        return (await trainer.step(GENERATOR_PHASE, { step })).losses.loss;
      },
      async syncFromMain(): Promise<void> {
        // loadStateDict assigns into replica 0 too: give it copies of its own state.
        const copies: NamedTensors = Object.fromEntries(Object.entries(trainer.stateDict()).map(([name, tensor]) => [name, tf.clone(tensor)]));
        copies[RNG_KEY] = encodeRng(replica.trainer.rng);
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

registerParallelGan(nodeParallelGan);
