// The unCLIP decoder's condition (Ramesh et al. 2022, "Hierarchical Text-Conditional Image
// Generation with CLIP Latents"): a CLIP image embedding turned into a short token sequence the
// UNet cross-attends to, so @gen/diffusion's trainDiffusion (`encodeText`) and textToImagePipeline
// serve the decoder unchanged. No weights of its own: token k holds the k-th of K equal slices of
// the embedding at its own positions (zeros elsewhere), so the UNet's key / value projections
// learn a separate map per slice and the attention weighs them per pixel (K = 1: the whole
// embedding, attention reduces to one learned linear map). Scaled by √D so the entries have the
// unit scale of the LayerNorm'd text token states the cross-attention was designed for.
import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError, type JsonValue } from '@gen/core';
import type { TextConditioning, UNet2DConfig } from '@gen/diffusion';
import type { Clip } from '../clip';
import { checkReferenceImage } from '../guidance/clip-target';

/** The config key under which `trainUnclipDecoder` records its image encoder in diffusion checkpoints. */
export const IMAGE_ENCODER_CONFIG_KEY = 'imageEncoder';

/** Tokens an image embedding becomes by default. */
export const DEFAULT_IMAGE_TOKENS = 4;

/** `config.imageEncoder` of an unCLIP decoder checkpoint. */
export interface ImageEncoderRecord {
  kind: 'clip-image-embedding';
  /** Where the CLIP came from (the location the trainer was given), or null when it was not said. */
  clip: string | null;
  /** CLIP embedding width = the UNet's crossAttentionDim. */
  embedDim: number;
  /** Tokens per embedding (`imageTokens`). */
  tokens: number;
  /** `[height, width, channels]` of the images the CLIP encodes (a reference image must have it). */
  imageShape: [number, number, number];
  /** Class names of the training data, by label (for evaluation). */
  classNames: string[];
}

/** Throws unless `tokens` is a positive integer dividing `embedDim`. */
export function checkImageTokens(tokens: number, embedDim: number, argument = 'tokens'): number {
  if (!Number.isSafeInteger(tokens) || tokens < 1 || embedDim % tokens !== 0) {
    throw new InvalidArgumentError(argument, tokens, `must be a positive integer dividing the CLIP's embedding width (${embedDim})`);
  }
  return tokens;
}

/**
 * Image embeddings `[B, D]` → the decoder's condition `{ encoderHiddenStates [B, K, D],
 * encoderMask [B, K] }` (see the file's header). `keep` (one flag per row) marks rows to replace by
 * the null condition (zero states and mask) when false. The caller disposes both tensors.
 */
export function imageTokens(embeddings: tf.Tensor, tokens: number = DEFAULT_IMAGE_TOKENS, keep?: readonly boolean[]): Required<TextConditioning> {
  if (!(embeddings instanceof tf.Tensor) || embeddings.rank !== 2) {
    throw new InvalidArgumentError('embeddings', embeddings, 'must be a [batch, embedDim] tensor of CLIP image embeddings');
  }
  const [batch, dim] = embeddings.shape;
  checkImageTokens(tokens, dim);
  if (keep !== undefined && (!Array.isArray(keep) || keep.length !== batch)) throw new InvalidArgumentError('keep', keep, `must hold one flag per row (${batch})`);
  const slice = dim / tokens;
  // Block layout: position j belongs to token ⌊j / slice⌋.
  const layout = new Float32Array(tokens * dim);
  for (let k = 0; k < tokens; k++) layout.fill(1, k * dim + k * slice, k * dim + (k + 1) * slice);
  return tf.tidy(() => {
    const rows = keep ? tf.tensor1d(keep.map((flag) => (flag ? 1 : 0)), 'float32') : tf.ones([batch]);
    const scaled = tf.mul(embeddings, tf.mul(Math.sqrt(dim), tf.reshape(rows, [batch, 1])));
    const states = tf.mul(tf.reshape(scaled, [batch, 1, dim]), tf.tensor3d(layout, [1, tokens, dim]));
    const mask = tf.tile(tf.reshape(rows, [batch, 1]), [1, tokens]);
    return { encoderHiddenStates: states, encoderMask: mask };
  });
}

/** The condition of NHWC `images` in [0, 1]: their CLIP image embeddings as tokens. */
export function encodeImageCondition(clip: Clip, images: tf.Tensor, tokens: number = DEFAULT_IMAGE_TOKENS): Required<TextConditioning> {
  const embeddings = clip.encodeImage(images);
  try {
    return imageTokens(embeddings, tokens);
  } finally {
    embeddings.dispose();
  }
}

/** `[height, width, channels]` of the images `clip` encodes. */
export function clipImageShape(clip: Clip): [number, number, number] {
  const { height, width, channels } = clip.model.config.image;
  return [height, width, channels];
}

/**
 * Checks a reference image for `clip` (`[H, W, C]` or `[1, H, W, C]` in [0, 1], the CLIP's image
 * shape; guidance/clip-target's `checkReferenceImage`) and returns it as `[1, H, W, C]` (a new
 * tensor the caller disposes).
 */
export function referenceImage(clip: Clip, image: tf.Tensor, argument = 'image'): tf.Tensor4D {
  return checkReferenceImage(image, { argument, shape: clipImageShape(clip), shapeName: "the CLIP's image size" });
}

/** Throws unless `clip`'s image embeddings fit a decoder UNet of this config (crossAttentionDim = embedDim). */
export function checkClipFitsDecoder(clip: Clip, config: Pick<UNet2DConfig, 'crossAttentionDim'>, argument = 'clip'): void {
  if (config.crossAttentionDim === null) {
    throw new InvalidArgumentError('model', 'config.crossAttentionDim null', 'must be an image-conditioned UNet (built with crossAttentionDim, e.g. by trainUnclipDecoder)');
  }
  if (clip.embedDim !== config.crossAttentionDim) {
    throw new InvalidArgumentError(argument, `embedding width ${clip.embedDim}`, `must match the decoder's crossAttentionDim (${config.crossAttentionDim}): use the CLIP the decoder was trained with`);
  }
}

/** The image encoder record of a diffusion checkpoint config, or null when it has none. */
export function imageEncoderRecordOf(config: Record<string, unknown>): ImageEncoderRecord | null {
  const record = config?.[IMAGE_ENCODER_CONFIG_KEY] as Partial<ImageEncoderRecord> | undefined | null;
  if (record === undefined || record === null) return null;
  const valid =
    typeof record === 'object' &&
    record.kind === 'clip-image-embedding' &&
    (record.clip === null || typeof record.clip === 'string') &&
    Number.isSafeInteger(record.embedDim) &&
    Number.isSafeInteger(record.tokens) &&
    Array.isArray(record.imageShape) &&
    record.imageShape.length === 3 &&
    Array.isArray(record.classNames);
  if (!valid) throw new GenError(`config.${IMAGE_ENCODER_CONFIG_KEY} is not an image encoder record (expected { kind: 'clip-image-embedding', clip, embedDim, tokens, imageShape, classNames })`);
  return record as ImageEncoderRecord;
}

/** Throws unless `clip` is the kind of image encoder `record` describes (same embedding width and image shape). */
export function checkClipMatchesImageRecord(clip: Clip, record: ImageEncoderRecord): void {
  const from = record.clip ? `, from ${record.clip}` : '';
  if (clip.embedDim !== record.embedDim) {
    throw new InvalidArgumentError('clip', `embedDim ${clip.embedDim}`, `is not the image encoder this decoder was trained with (embedDim ${record.embedDim}${from})`);
  }
  const shape = clipImageShape(clip);
  if (!tf.util.arraysEqual(shape, record.imageShape)) {
    throw new InvalidArgumentError('clip', `image shape ${shape.join('×')}`, `is not the image encoder this decoder was trained with (image shape ${record.imageShape.join('×')}${from})`);
  }
}

/** The record as checkpoint JSON. */
export function imageEncoderRecordJson(record: ImageEncoderRecord): JsonValue {
  return record as unknown as JsonValue;
}
