// @gen/vae/node: the VAEs this repository trained with `gen train vae` and ships in
// packages/vae/pretrained/<name>/ (weights + model-card.json), loaded by name.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError, type Generator } from '@gen/core';
import { pretrainedDir, readModelCard, type ModelCard } from '@gen/core/node';
import { AutoencoderKL } from './autoencoder-kl';
import { loadVqVae } from './load-vq-vae';
import { loadVaeModel, type VaeFamilyModel } from './models';
import type { VQVAE } from './vq-vae';

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

/**
 * The file of this module, which exports createLatentEncoder: src/node.ts from sources; in dist,
 * currentFile() can name a shared chunk (tsup's ESM `__filename` shim lives there), so the entry
 * beside it in the same format: dist/node.js or dist/node.cjs.
 */
function nodeEntryFile(): string {
  const here = currentFile();
  const ext = path.extname(here);
  return ext === '.ts' ? here : path.join(path.dirname(here), `node${ext}`);
}

/** The shipped VQ-VAEs (discrete image tokens, 7×7 from 256 codes): `mnist-vq` and `fashion-vq`, the tokenizers of @gen/transformer's `mnist` and `fashion`. */
export const PRETRAINED_VQ_VAES = ['mnist-vq', 'fashion-vq'] as const;
export type PretrainedVqVaeName = (typeof PRETRAINED_VQ_VAES)[number];

/** The folder of a shipped VQ-VAE (a checkpoint `loadVqVae` reads). */
export function pretrainedVqVaeDir(name: PretrainedVqVaeName): string {
  return pretrainedDir({ packageName: '@gen/vae', kind: 'VQ-VAE', name, available: PRETRAINED_VQ_VAES, fromFile: currentFile() });
}

/** Loads a shipped VQ-VAE by name, e.g. `const vq = await loadPretrainedVqVae('mnist-vq')`; then `vq.decodeTokens(tokens)`. The caller disposes it. */
export async function loadPretrainedVqVae(name: PretrainedVqVaeName): Promise<VQVAE> {
  const { model } = await loadVqVae({ source: pretrainedVqVaeDir(name) });
  return model;
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
export function pretrainedVaeCard(name: PretrainedVaeName | PretrainedVqVaeName): ModelCard {
  return readModelCard((PRETRAINED_VQ_VAES as readonly string[]).includes(name) ? pretrainedVqVaeDir(name as PretrainedVqVaeName) : pretrainedVaeDir(name as PretrainedVaeName));
}

/** What {@link createLatentEncoder} builds a latent encoder from: JSON, so that every worker thread can build its own. */
export interface LatentEncoderOptions {
  /** The checkpoint folder of an AutoencoderKL (what `loadVaeModel({ source })` reads). */
  autoencoder: string;
  /** Latents are multiplied by it (the diffusion model's scaling factor). */
  scalingFactor: number;
}

/** The latent encoder {@link createLatentEncoder} builds: `encode(images, generator)` = z ~ q(z | x) · scalingFactor. */
export interface LatentEncoder {
  readonly autoencoder: AutoencoderKL;
  /** Images `[B, H, W, C]` in [−1, 1] → `tf.mul(autoencoder.encode(images).latentDist.sample({ generator }), scalingFactor)`. */
  encode(images: tf.Tensor4D, generator: Generator): tf.Tensor4D;
  /**
   * Rows `[start, end)` of `encode(allImages, generator)` from those rows' images only: the
   * posterior of the rows, and ε drawn for all `batchSize` rows (the same draw as `encode`)
   * then sliced. The encoder normalises per sample (GroupNorm), so the rows agree with the
   * whole batch's up to float rounding.
   */
  encodeRows(images: tf.Tensor4D, generator: Generator, rows: { start: number; end: number; batchSize: number }): tf.Tensor4D;
  dispose(): void;
}

/**
 * Loads the AutoencoderKL of `options.autoencoder` and returns its latent encoder: the factory of
 * {@link latentEncoderRecipe}, which @gen/diffusion's trainDiffusion (`encodeImages`) calls in
 * every thread of data-parallel latent diffusion training.
 */
export async function createLatentEncoder(options: LatentEncoderOptions): Promise<LatentEncoder> {
  const { autoencoder: source, scalingFactor } = options ?? ({} as LatentEncoderOptions);
  if (typeof source !== 'string' || source === '') throw new InvalidArgumentError('autoencoder', source, 'must be the folder of an AutoencoderKL checkpoint');
  if (typeof scalingFactor !== 'number' || !(scalingFactor > 0) || !Number.isFinite(scalingFactor)) {
    throw new InvalidArgumentError('scalingFactor', scalingFactor, 'must be a finite number > 0');
  }
  const { model } = await loadVaeModel({ source });
  if (!(model instanceof AutoencoderKL)) {
    model.dispose();
    throw new GenError(`createLatentEncoder: ${source} does not hold an AutoencoderKL`);
  }
  return {
    autoencoder: model,
    encode: (images, generator) => tf.tidy(() => tf.mul(model.encode(images).latentDist.sample({ generator }), scalingFactor) as tf.Tensor4D),
    encodeRows: (images, generator, { start, end, batchSize }) =>
      tf.tidy(() => {
        const { mean, logVar } = model.encode(images).latentDist;
        // As DiagonalGaussian.sample: μ + σ·ε, with ε the rows of the whole batch's draw.
        const noise = generator.normal([batchSize, ...mean.shape.slice(1)]);
        const rows = tf.slice(noise, [start, 0, 0, 0], [end - start, -1, -1, -1]);
        const std = tf.exp(tf.mul(logVar, 0.5));
        return tf.mul(tf.add(mean, tf.mul(std, rows)), scalingFactor) as tf.Tensor4D;
      }),
    dispose: () => model.dispose(),
  };
}

/**
 * The recipe of a latent encoder that every thread builds for itself (`{ module, exportName,
 * options }`: this module, {@link createLatentEncoder}): give it to trainDiffusion as
 * `encodeImages` to train latent diffusion with `workers` > 1.
 */
export function latentEncoderRecipe(options: LatentEncoderOptions): { module: string; exportName: string; options: { autoencoder: string; scalingFactor: number } } {
  return { module: nodeEntryFile(), exportName: 'createLatentEncoder', options: { autoencoder: options.autoencoder, scalingFactor: options.scalingFactor } };
}
