// Node: where the CLIP models this package ships are (packages/clip-guidance/pretrained/<name>/).
// Apart from node.ts so that the text encoder recipe can resolve `pretrained:<name>` too.
import { fileURLToPath } from 'node:url';
import { pretrainedDir } from '@gen/core/node';

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
