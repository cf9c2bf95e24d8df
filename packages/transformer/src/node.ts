// @gen/transformer/node: the DALL·E-style transformers this repository trained with
// `gen train dalle` and ships in packages/transformer/pretrained/<name>/ (weights, tokenizer,
// model-card.json), loaded by name together with the VQ-VAE whose tokens they write.
import { fileURLToPath } from 'node:url';
import { GenError } from '@gen/core';
import { pretrainedDir, readModelCard, type ModelCard } from '@gen/core/node';
import { loadVqVae, type VQVAE } from '@gen/vae';
import { PRETRAINED_VQ_VAES, pretrainedVqVaeDir, type PretrainedVqVaeName } from '@gen/vae/node';
import { loadDalle, type LoadedDalle } from './dalle-checkpoint';

/** The shipped transformers: `mnist` and `fashion`, over the 7×7 tokens of @gen/vae's `pretrained:mnist-vq` / `pretrained:fashion-vq`. */
export const PRETRAINED_DALLES = ['mnist', 'fashion'] as const;
export type PretrainedDalleName = (typeof PRETRAINED_DALLES)[number];

/** How a checkpoint names a VQ-VAE shipped by @gen/vae (`config.vq`). */
const PRETRAINED_PREFIX = 'pretrained:';

function currentFile(): string {
  // CJS (dist .cjs, jest): __filename. ESM (dist .js): import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/** The folder of a shipped transformer (a checkpoint `loadDalle` reads). */
export function pretrainedDalleDir(name: PretrainedDalleName): string {
  return pretrainedDir({ packageName: '@gen/transformer', kind: 'transformer', name, available: PRETRAINED_DALLES, fromFile: currentFile() });
}

/**
 * The folder of the VQ-VAE a checkpoint's `config.vq` names: `pretrained:<name>` (a VQ-VAE of
 * @gen/vae/node) or a folder path.
 */
export function vqLocationOf(config: Record<string, unknown>, where: string): string {
  const vq = config.vq;
  if (typeof vq !== 'string' || vq === '') throw new GenError(`${where} does not record its VQ-VAE (config.vq)`);
  if (!vq.startsWith(PRETRAINED_PREFIX)) return vq;
  const name = vq.slice(PRETRAINED_PREFIX.length);
  if (!(PRETRAINED_VQ_VAES as readonly string[]).includes(name)) throw new GenError(`${where} names the VQ-VAE '${vq}', which @gen/vae does not ship (${PRETRAINED_VQ_VAES.map((n) => PRETRAINED_PREFIX + n).join(', ')})`);
  return pretrainedVqVaeDir(name as PretrainedVqVaeName);
}

/** A shipped transformer with its tokenizer and the VQ-VAE that decodes its tokens; `dispose()` frees both models. */
export interface PretrainedDalle extends LoadedDalle {
  imageTokenizer: VQVAE;
  dispose(): void;
}

/**
 * Loads a shipped transformer by name with its text tokenizer and VQ-VAE, e.g.
 * `const { model, tokenizer, imageTokenizer } = await loadPretrainedDalle('mnist')`; then
 * `generateImages({ model, tokenizer: tokenizer!, imageTokenizer, prompt: 'a bold seven', n: 8, generator })`.
 */
export async function loadPretrainedDalle(name: PretrainedDalleName): Promise<PretrainedDalle> {
  const dir = pretrainedDalleDir(name);
  const loaded = await loadDalle(dir);
  try {
    const { model: imageTokenizer } = await loadVqVae({ source: vqLocationOf(loaded.config, dir) });
    return { ...loaded, imageTokenizer, dispose: () => (loaded.model.dispose(), imageTokenizer.dispose()) };
  } catch (error) {
    loaded.model.dispose();
    throw error;
  }
}

/** How a shipped transformer was trained and what it measures (its model-card.json). */
export function pretrainedDalleCard(name: PretrainedDalleName): ModelCard {
  return readModelCard(pretrainedDalleDir(name));
}
