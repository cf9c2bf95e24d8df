// @gen/vae/node: the VAEs this repository trained with `gen train vae` and ships in
// packages/vae/pretrained/<name>/ (weights + model-card.json), loaded by name.
import { fileURLToPath } from 'node:url';
import { pretrainedDir, readModelCard, type ModelCard } from '@gen/core/node';
import { loadVaeModel, type VaeFamilyModel } from './models';

/**
 * The shipped VAEs: `mnist`, a conv VAE on dynamically binarized MNIST (Bernoulli decoder);
 * `mnist-iwae`, the same VAE fine-tuned on the IWAE k = 5 bound (a lower NLL); `fashion`, a Gaussian / logistic VAE on Fashion-MNIST; `fashion-autoencoder`, the
 * AutoencoderKL of Fashion-MNIST latent diffusion.
 */
export const PRETRAINED_VAES = ['mnist', 'mnist-iwae', 'fashion', 'fashion-autoencoder'] as const;
export type PretrainedVaeName = (typeof PRETRAINED_VAES)[number];

function currentFile(): string {
  // CJS (dist .cjs, jest): __filename. ESM (dist .js): import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/** The folder of a shipped VAE (a checkpoint `loadVaeModel` reads). */
export function pretrainedVaeDir(name: PretrainedVaeName): string {
  return pretrainedDir({ packageName: '@gen/vae', kind: 'VAE', name, available: PRETRAINED_VAES, fromFile: currentFile() });
}

/**
 * Loads a shipped VAE by name, e.g. `const model = await loadPretrainedVae('mnist')`; then
 * `samplePrior({ model, count: 16, generator })`. The caller disposes it.
 */
export async function loadPretrainedVae(name: PretrainedVaeName): Promise<VaeFamilyModel> {
  const { model } = await loadVaeModel({ source: pretrainedVaeDir(name) });
  return model;
}

/** How a shipped VAE was trained and what it measures (its model-card.json). */
export function pretrainedVaeCard(name: PretrainedVaeName): ModelCard {
  return readModelCard(pretrainedVaeDir(name));
}
