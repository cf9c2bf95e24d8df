// Node: the `encodeText` recipe of data-parallel text-to-image training. A function cannot reach
// a worker thread, so trainDiffusion gets `{ module, exportName, options }` and every thread
// builds the caption text encoder itself: it loads the CLIP from its folder, measures the
// training set it is given (the same pixels in every thread) and captions with the settings of
// the options, so every thread draws the very captions one thread would.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type ImageDataset, type JsonValue } from '@gen/core';
import '@gen/core/node';
import type { HookRecipe, TextEncoderContext, TextEncoderHook } from '@gen/diffusion';
import { measureDataset } from '../captions/attribute-thresholds';
import { CaptionCorpus, checkTemplates } from '../captions/caption-corpus';
import { TRAINING_TEMPLATES } from '../captions/caption-templates';
import { loadClip } from '../clip-checkpoint';
import { PRETRAINED_CLIPS, pretrainedClipDir, type PretrainedClipName } from '../pretrained-clips';
import { captionTextEncoder, type CaptionTextEncoderOptions } from './caption-text-encoder';
import { checkClipMatchesRecord, type TextEncoderRecord } from './text-conditioning';
import { captionSettings } from './train-text-to-image';

const PRETRAINED = 'pretrained:';
const OPTION_FIELDS = ['clip', 'captions', 'templates', 'width', 'vocabSize', 'maxLength'];

function currentFile(): string {
  // CJS (dist .cjs, jest): __filename. ESM (dist .js): import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/**
 * The module every thread imports: this file from sources (bundled for workers); in dist,
 * currentFile() can name a shared chunk, so the entry beside it that exports the factory:
 * dist/node.js or dist/node.cjs (as @gen/vae/node's latent encoder recipe).
 */
function recipeModuleFile(): string {
  const here = currentFile();
  const ext = path.extname(here);
  return ext === '.ts' ? here : path.join(path.dirname(here), `node${ext}`);
}

/** Checks the options (one-line errors naming the field) and returns them as JSON. */
function checkedOptions(options: CaptionTextEncoderOptions): CaptionTextEncoderOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError('options', options, `must be an object { ${OPTION_FIELDS.join(', ')} } (clip required)`);
  }
  const unknown = Object.keys(options).find((key) => !OPTION_FIELDS.includes(key));
  if (unknown !== undefined) throw new InvalidArgumentError(unknown, (options as unknown as Record<string, unknown>)[unknown], `is not an option: use ${OPTION_FIELDS.join(', ')}`);
  const { clip, captions, templates, width, vocabSize, maxLength } = options;
  if (typeof clip !== 'string' || clip === '') {
    throw new InvalidArgumentError('clip', clip, `must be the folder of a CLIP checkpoint (loadClip) or ${PRETRAINED_CLIPS.map((n) => PRETRAINED + n).join(', ')}`);
  }
  if (clip.startsWith(PRETRAINED) && !(PRETRAINED_CLIPS as readonly string[]).includes(clip.slice(PRETRAINED.length))) {
    throw new InvalidArgumentError('clip', clip, `must name a shipped CLIP: ${PRETRAINED_CLIPS.map((n) => PRETRAINED + n).join(', ')}`);
  }
  if (captions !== undefined && (typeof captions !== 'object' || captions === null || Array.isArray(captions))) {
    throw new InvalidArgumentError('captions', captions, 'must be an object { thresholds?, attributes?, attributeProbability? } or omitted');
  }
  if (templates !== undefined) checkTemplates(templates);
  for (const [field, value] of [['width', width], ['vocabSize', vocabSize], ['maxLength', maxLength]] as const) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) throw new InvalidArgumentError(field, value, 'must be a positive integer or omitted');
  }
  return options;
}

/**
 * The factory of {@link textEncoderRecipe} (trainDiffusion calls it in every thread with the
 * training set): loads the CLIP, captions `dataset` as trainTextToImage does. Disposing the hook
 * disposes the CLIP.
 */
export async function createCaptionTextEncoder(options: JsonValue, context: TextEncoderContext): Promise<TextEncoderHook> {
  const settings = checkedOptions(options as unknown as CaptionTextEncoderOptions);
  const dataset = context?.dataset as ImageDataset;
  if (!dataset || !(dataset.labels instanceof Int32Array) || !Array.isArray(dataset.classNames)) {
    throw new InvalidArgumentError('dataset', dataset, 'must be an ImageDataset (images, labels, classNames)');
  }
  const folder = settings.clip.startsWith(PRETRAINED) ? pretrainedClipDir(settings.clip.slice(PRETRAINED.length) as PretrainedClipName) : settings.clip;
  const clip = await loadClip(folder);
  try {
    // The CLIP the caller holds (trainTextToImage): same width, vocabulary and row length.
    const expected = { width: settings.width ?? clip.textWidth, vocabSize: settings.vocabSize ?? clip.tokenizer.vocabSize, maxLength: settings.maxLength ?? clip.tokenizer.maxLength };
    checkClipMatchesRecord(clip, { ...expected, clip: settings.clip } as TextEncoderRecord);
    const measured = measureDataset(dataset);
    const corpus = new CaptionCorpus({ classNames: dataset.classNames, measured, ...captionSettings(clip, dataset, measured, settings.captions ?? {}) });
    const hook = captionTextEncoder({ clip, corpus, templates: settings.templates ?? TRAINING_TEMPLATES, labels: dataset.labels });
    return { ...hook, dispose: () => clip.dispose() };
  } catch (error) {
    clip.dispose();
    throw error;
  }
}

/**
 * The recipe of the caption text encoder every thread builds for itself: give it to
 * trainDiffusion as `encodeText` to train a text-conditioned UNet with `workers` > 1 (e.g.
 * `textEncoderRecipe({ clip: 'runs/clip/checkpoints/step-00002000' })`; trainTextToImage makes
 * it from its `clipLocation` when `workers` is not 1). Bad options are a one-line error here.
 */
export function textEncoderRecipe(options: CaptionTextEncoderOptions): HookRecipe {
  return { module: recipeModuleFile(), exportName: 'createCaptionTextEncoder', options: checkedOptions(options) as unknown as JsonValue };
}
