// @gen/diffusion/node: the class-conditional diffusion models this repository trained with
// `gen train diffusion` and ships in packages/diffusion/pretrained/<name>/ (weights +
// model-card.json), loaded by name.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@gen/core';
import { pretrainedDir, readModelCard, type ModelCard } from '@gen/core/node';
import { loadDiffusion, type LoadDiffusionOptions, type LoadedDiffusion } from './checkpoint';
// Registers data-parallel training for trainDiffusion's `workers` option (worker_threads).
export { diffusionReplicaModule } from './training/parallel-node';

/**
 * The shipped diffusion models: `mnist` and `fashion`, class-conditional latent diffusion;
 * `mnist-text` and `fashion-text`, text-conditioned latent diffusion over @gen/clip-guidance's
 * `pretrained:mnist` / `pretrained:fashion` CLIP.
 */
export const PRETRAINED_DIFFUSION_MODELS = ['mnist', 'fashion', 'mnist-text', 'fashion-text'] as const;
export type PretrainedDiffusionName = (typeof PRETRAINED_DIFFUSION_MODELS)[number];

function currentFile(): string {
  // CJS (dist .cjs, jest): __filename. ESM (dist .js): import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/** The folder of a shipped diffusion model (a checkpoint `loadDiffusion` reads). */
export function pretrainedDiffusionDir(name: PretrainedDiffusionName): string {
  return pretrainedDir({ packageName: '@gen/diffusion', kind: 'diffusion model', name, available: PRETRAINED_DIFFUSION_MODELS, fromFile: currentFile() });
}

/**
 * Loads a shipped diffusion model by name, e.g.
 * `const { model, schedulerConfig } = await loadPretrainedDiffusion('fashion')`; the caller disposes it.
 */
export async function loadPretrainedDiffusion(name: PretrainedDiffusionName, options?: LoadDiffusionOptions): Promise<LoadedDiffusion> {
  return loadDiffusion(pretrainedDiffusionDir(name), options);
}

/**
 * Latent diffusion: the folder of the @gen/vae AutoencoderKL whose latents a checkpoint models
 * (its config's `autoencoder`, relative to `checkpointDir` when not absolute — shipped models
 * keep theirs in `autoencoder/` beside the UNet), or null for a pixel-space model. Load it with
 * `loadVaeModel({ source })` from @gen/vae and pass it to the pipeline as `vae`, with
 * `vaeScalingFactor: config.scalingFactor`.
 */
export function autoencoderDirOf(config: Record<string, unknown>, checkpointDir: string): string | null {
  const { autoencoder } = config;
  if (autoencoder === undefined || autoencoder === null) return null;
  if (typeof autoencoder !== 'string' || autoencoder === '') throw new InvalidArgumentError('config.autoencoder', autoencoder, 'must be a folder path');
  return isAbsolute(autoencoder) ? autoencoder : resolve(checkpointDir, autoencoder);
}

/** How a shipped diffusion model was trained and what it measures (its model-card.json). */
export function pretrainedDiffusionCard(name: PretrainedDiffusionName): ModelCard {
  return readModelCard(pretrainedDiffusionDir(name));
}
