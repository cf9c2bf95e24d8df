// @gen/clip-guidance/node: the CLIP models this repository trained with `gen train clip` and
// ships in packages/clip-guidance/pretrained/<name>/ (weights + model-card.json), loaded by name.
import { fileURLToPath } from 'node:url';
import { pretrainedDir, readModelCard, type ModelCard } from '@gen/core/node';
import { loadClip, type LoadedClip } from './clip-checkpoint';

/**
 * The shipped CLIP models: `mnist`, a dual encoder trained on MNIST captions; `fashion`, one
 * trained on Fashion-MNIST captions.
 */
export const PRETRAINED_CLIPS = ['mnist', 'fashion'] as const;
export type PretrainedClipName = (typeof PRETRAINED_CLIPS)[number];

function currentFile(): string {
  // CJS (dist .cjs, jest): __filename. ESM (dist .js): import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/** The folder of a shipped CLIP model (a checkpoint `loadClip` reads). */
export function pretrainedClipDir(name: PretrainedClipName): string {
  return pretrainedDir({ packageName: '@gen/clip-guidance', kind: 'CLIP model', name, available: PRETRAINED_CLIPS, fromFile: currentFile() });
}

/**
 * Loads a shipped CLIP model by name, e.g. `const clip = await loadPretrainedClip('mnist')`;
 * then `clip.classify(images, ['a zero', …, 'a nine'])` or `--prompt` guidance with it. The
 * caller disposes it.
 */
export async function loadPretrainedClip(name: PretrainedClipName): Promise<LoadedClip> {
  return loadClip(pretrainedClipDir(name));
}

/** How a shipped CLIP model was trained and what it measures (its model-card.json). */
export function pretrainedClipCard(name: PretrainedClipName): ModelCard {
  return readModelCard(pretrainedClipDir(name));
}
