// @gen/clip-guidance/node: the CLIP models this repository trained with `gen train clip` and
// ships in packages/clip-guidance/pretrained/<name>/ (weights + model-card.json), loaded by name;
// and CLIPs converted to tfjs (external-clip.json folders) loaded from disk; the text encoder
// recipe of data-parallel text-to-image training (registered for trainTextToImage on import).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gen/core';
import { pretrainedDir, readModelCard, type ModelCard } from '@gen/core/node';
import { loadClip, type LoadedClip } from './clip-checkpoint';
import { EXTERNAL_CLIP_CONFIG_FILE, resolveExternalClipConfig } from './external-clip/config';
import type { ExternalClip } from './external-clip/external-clip';
import { assembleExternalClip, loadExternalClip as loadExternalClipFrom, type ExternalClipSources } from './external-clip/load-external-clip';
import { pretrainedClipDir, type PretrainedClipName } from './pretrained-clips';
import { registerTextEncoderRecipe } from './text-to-image/parallel-text-encoder';
import { textEncoderRecipe } from './text-to-image/text-encoder-recipe';
// Data-parallel training of the UNets trainTextToImage trains (worker threads) needs both runners.
import '@gen/diffusion/node';

export { PRETRAINED_CLIPS, pretrainedClipDir, type PretrainedClipName } from './pretrained-clips';
export { textEncoderRecipe, createCaptionTextEncoder } from './text-to-image/text-encoder-recipe';
export type { CaptionTextEncoderOptions } from './text-to-image/caption-text-encoder';

registerTextEncoderRecipe(textEncoderRecipe);

function currentFile(): string {
  // CJS (dist .cjs, jest): __filename. ESM (dist .js): import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
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

/**
 * The shipped unCLIP decoders (docs/models/unclip.md): `mnist` and `fashion`, latent-diffusion
 * decoders of the `pretrained:mnist` / `pretrained:fashion` CLIP's image embeddings over the
 * `mnist-text` / `fashion-text` autoencoders, in `pretrained/unclip-<name>/` (diffusion checkpoints
 * with `config.imageEncoder`).
 */
export const PRETRAINED_UNCLIP_DECODERS = ['mnist', 'fashion'] as const;
export type PretrainedUnclipDecoderName = (typeof PRETRAINED_UNCLIP_DECODERS)[number];

/**
 * The shipped unCLIP priors (CLIP text embedding → image embedding) of the `pretrained:mnist` and
 * `pretrained:fashion` CLIPs: `<dataset>-diffusion` (a diffusion prior) and `<dataset>-regression`
 * (a residual MLP), in `pretrained/unclip-prior-<name>/`.
 */
export const PRETRAINED_UNCLIP_PRIORS = ['mnist-diffusion', 'mnist-regression', 'fashion-diffusion', 'fashion-regression'] as const;
export type PretrainedUnclipPriorName = (typeof PRETRAINED_UNCLIP_PRIORS)[number];

/** The folder of a shipped unCLIP decoder (a checkpoint `loadDiffusion` reads; `gen sample unclip --checkpoint pretrained:<name>`). */
export function pretrainedUnclipDecoderDir(name: PretrainedUnclipDecoderName): string {
  if (!PRETRAINED_UNCLIP_DECODERS.includes(name)) {
    throw new InvalidArgumentError('name', name, `must be a pretrained unCLIP decoder of @gen/clip-guidance: ${PRETRAINED_UNCLIP_DECODERS.map((n) => `'${n}'`).join(', ')}`);
  }
  return pretrainedDir({ packageName: '@gen/clip-guidance', kind: 'unCLIP decoder', name: `unclip-${name}`, available: [`unclip-${name}`], fromFile: currentFile() });
}

/** The folder of a shipped unCLIP prior (a checkpoint `loadPrior` reads; `--prior pretrained:<name>`). */
export function pretrainedUnclipPriorDir(name: PretrainedUnclipPriorName): string {
  if (!PRETRAINED_UNCLIP_PRIORS.includes(name)) {
    throw new InvalidArgumentError('name', name, `must be a pretrained unCLIP prior of @gen/clip-guidance: ${PRETRAINED_UNCLIP_PRIORS.map((n) => `'${n}'`).join(', ')}`);
  }
  return pretrainedDir({ packageName: '@gen/clip-guidance', kind: 'unCLIP prior', name: `unclip-prior-${name}`, available: [`unclip-prior-${name}`], fromFile: currentFile() });
}

/** A tf.io handler reading a model.json and its weight shards (paths relative to it) from disk. */
function fileModelHandler(file: string): tf.io.IOHandler {
  return {
    load: async () => {
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await fs.promises.readFile(file, 'utf8')) as tf.io.ModelJSON;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new Error(code === 'ENOENT' ? `no file ${file}` : `${file}: ${(error as Error).message}`);
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers: Buffer[] = [];
        for (const group of manifest) {
          for (const shard of group.paths) {
            const shardPath = path.join(path.dirname(file), shard);
            try {
              buffers.push(await fs.promises.readFile(shardPath));
            } catch {
              throw new Error(`missing weight shard ${shardPath}`);
            }
          }
        }
        const bytes = Buffer.concat(buffers);
        return [manifest.flatMap((group) => group.weights), bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)];
      });
    },
  };
}

async function readField(dir: string, field: string, relative: string): Promise<string> {
  const file = path.join(dir, relative);
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidArgumentError(field, relative, code === 'ENOENT' ? `names a missing file (${file})` : `could not be read (${file}: ${code ?? (error as Error).message})`);
  }
}

/**
 * Loads a CLIP converted to tfjs from a folder on disk (docs/models/external-clip.md):
 * `external-clip.json`, the image and text towers' model.json + weight shards, vocab.json and
 * merges.txt (`source` may also be the path of the external-clip.json, or the parts already at
 * hand as in the browser version). Graph-model towers need @tensorflow/tfjs-converter,
 * layers-model towers @tensorflow/tfjs-layers. Errors are one line naming the field at fault.
 *
 * ```ts
 * const clip = await loadExternalClip('models/clip-vit-b32');
 * const probs = clip.classify(images, ['a photo of a cat', 'a photo of a dog']);
 * ```
 */
export async function loadExternalClip(source: string | ExternalClipSources): Promise<ExternalClip> {
  if (typeof source !== 'string') return loadExternalClipFrom(source);
  const configFile = source.endsWith('.json') ? source : path.join(source, EXTERNAL_CLIP_CONFIG_FILE);
  const dir = path.dirname(configFile);
  let text: string;
  try {
    text = await fs.promises.readFile(configFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidArgumentError('source', source, code === 'ENOENT' ? `must be a folder holding ${EXTERNAL_CLIP_CONFIG_FILE} (no ${configFile})` : `could not be read (${configFile}: ${code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(EXTERNAL_CLIP_CONFIG_FILE, configFile, `is not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const config = resolveExternalClipConfig(json);
  const [vocab, merges] = await Promise.all([readField(dir, 'tokenizer.vocab', config.tokenizer.vocab), readField(dir, 'tokenizer.merges', config.tokenizer.merges)]);
  return assembleExternalClip({
    config: json,
    image: fileModelHandler(path.join(dir, config.image.model)),
    text: fileModelHandler(path.join(dir, config.text.model)),
    vocab,
    merges,
    shown: { image: config.image.model, text: config.text.model },
  });
}
