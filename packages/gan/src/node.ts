// @gen/gan/node: the class-conditional GANs this repository trained with `gen train gan` and
// ships in packages/gan/pretrained/<name>/ (weights + model-card.json), loaded by name.
import { fileURLToPath } from 'node:url';
import { pretrainedDir, readModelCard, type ModelCard } from '@gen/core/node';
import { loadGan, type LoadedGan, type LoadGanOptions } from './checkpoint';
// Registers data-parallel training for trainGan's `workers` option (worker_threads).
export { ganReplicaModule } from './parallel/parallel-node';

/** The shipped GANs: a class-conditional GAN for MNIST and one for Fashion-MNIST. */
export const PRETRAINED_GANS = ['mnist', 'fashion'] as const;
export type PretrainedGanName = (typeof PRETRAINED_GANS)[number];

function currentFile(): string {
  // CJS (dist .cjs, jest): __filename. ESM (dist .js): import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/** The folder of a shipped GAN (a checkpoint `loadGan` reads). */
export function pretrainedGanDir(name: PretrainedGanName): string {
  return pretrainedDir({ packageName: '@gen/gan', kind: 'GAN', name, available: PRETRAINED_GANS, fromFile: currentFile() });
}

/**
 * Loads a shipped GAN by name, e.g. `const { generator } = await loadPretrainedGan('mnist')`;
 * then `generate({ generator, n: 16, labels: 3, rng })`. The caller disposes it.
 */
export async function loadPretrainedGan(name: PretrainedGanName, options?: LoadGanOptions): Promise<LoadedGan> {
  return loadGan(pretrainedGanDir(name), options);
}

/** How a shipped GAN was trained and what it measures (its model-card.json). */
export function pretrainedGanCard(name: PretrainedGanName): ModelCard {
  return readModelCard(pretrainedGanDir(name));
}
