// The text hook of text-to-image training: each image of a batch gets a caption from its corpus
// (drawn from the step's text generator for the WHOLE batch: 12 uniforms per image, in batch
// order), and a frozen CLIP encodes the captions into the token states the UNet cross-attends
// to. trainTextToImage uses it in one thread; every thread of data-parallel training builds it
// from a recipe (text-encoder-recipe.ts), and a replica encodes only its rows' captions.
import type { TextBatch, TextEncoderHook } from '@gen/diffusion';
import type { AttributeThresholds } from '../captions/attribute-thresholds';
import type { AttributeKind, CaptionCorpus } from '../captions/caption-corpus';
import type { Clip } from '../clip';
import { encodePrompts } from './text-conditioning';

/**
 * What every thread builds the caption text encoder from (JSON: the options of
 * `textEncoderRecipe` of @gen/clip-guidance/node).
 */
export interface CaptionTextEncoderOptions {
  /** The CLIP: a checkpoint folder (`loadClip`) or `pretrained:<name>` of a shipped one. */
  clip: string;
  /** Caption settings; default the CLIP checkpoint's own, else thresholds measured on the training set (as trainTextToImage). */
  captions?: { thresholds?: AttributeThresholds; attributes?: AttributeKind[]; attributeProbability?: number };
  /** Templates captions draw from (default TRAINING_TEMPLATES). */
  templates?: string[];
  /** When given, the CLIP loaded must have this text width, vocabulary size and row length (the CLIP the caller holds). */
  width?: number;
  vocabSize?: number;
  maxLength?: number;
}

/** The hook: captions of the batch's images (by dataset index; `labels` are the dataset's) encoded by `clip`. */
export function captionTextEncoder(parts: { clip: Clip; corpus: CaptionCorpus; templates: readonly string[]; labels: Int32Array }): TextEncoderHook {
  const { clip, corpus, templates, labels } = parts;
  const captionsOf = ({ indices, generator }: TextBatch): string[] =>
    corpus.captions(
      indices,
      Int32Array.from(indices, (index) => labels[index]),
      generator,
      { templates },
    );
  return {
    encode: (batch) => encodePrompts(clip, captionsOf(batch)),
    // The whole batch's captions (the same draws as encode); CLIP encodes each caption on its own, so only these rows.
    encodeRows: (batch, { start, end }) => encodePrompts(clip, captionsOf(batch).slice(start, end)),
  };
}
