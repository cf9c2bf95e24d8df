// What a text-conditioned diffusion model and its CLIP share: prompts → the token states a UNet
// cross-attends to (the empty prompt is the null condition of classifier-free guidance), and the
// `textEncoder` record a diffusion checkpoint keeps so a sampler can find and check its CLIP.
import * as tf from '@tensorflow/tfjs-core';
import { GenError, InvalidArgumentError, type JsonValue } from '@gen/core';
import type { TextConditioning, UNet2DConfig } from '@gen/diffusion';
import type { AttributeThresholds } from '../captions/attribute-thresholds';
import { ATTRIBUTE_KINDS, type AttributeKind } from '../captions/caption-corpus';
import type { Clip, EncodeTextOptions } from '../clip';

/** The config key under which `trainTextToImage` records its text encoder in diffusion checkpoints. */
export const TEXT_ENCODER_CONFIG_KEY = 'textEncoder';

/** The caption settings a text-conditioned model was trained with (a `CaptionCorpus.toJSON()`). */
export interface CaptionSettings {
  classNames: string[];
  thresholds: AttributeThresholds;
  attributes: AttributeKind[];
  attributeProbability: number;
}

/** `config.textEncoder` of a text-conditioned diffusion checkpoint. */
export interface TextEncoderRecord {
  kind: 'clip-token-states';
  /** Where the CLIP came from (the location the trainer was given), or null when it was not said. */
  clip: string | null;
  /** Width of the token states = the UNet's crossAttentionDim. */
  width: number;
  /** Vocabulary size and row length of the CLIP's tokenizer (checked when a CLIP is loaded again). */
  vocabSize: number;
  maxLength: number;
  /** The caption corpus settings of training (class names, attribute thresholds and kinds). */
  captions: CaptionSettings;
  /** The templates training captions were drawn from. */
  templates: string[];
}

/**
 * Token states of `prompts` for a text-conditioned UNet: `{ encoderHiddenStates [B, L, width],
 * encoderMask [B, L] }`. The empty (or whitespace-only) prompt is the **null condition** — a zero
 * mask and zero states, exactly what training's condition dropout and the pipelines' unconditional
 * branch use — so `""` samples unconditionally. Over-long prompts keep their first tokens (or throw
 * with `truncate: false`). The caller disposes both tensors.
 */
export function encodePrompts(clip: Clip, prompts: readonly string[], options: EncodeTextOptions = {}): Required<TextConditioning> {
  if (!Array.isArray(prompts) || prompts.length === 0 || !prompts.every((prompt) => typeof prompt === 'string')) {
    throw new InvalidArgumentError('prompts', prompts, 'must be a non-empty array of strings ("" is the unconditional prompt)');
  }
  const { hiddenStates, mask } = clip.encodeTextTokens(prompts, options);
  const empty = prompts.map((prompt) => prompt.trim() === '');
  if (!empty.some(Boolean)) return { encoderHiddenStates: hiddenStates, encoderMask: mask };
  try {
    return tf.tidy(() => {
      const keep = tf.tensor1d(empty.map((isEmpty) => (isEmpty ? 0 : 1)), 'float32');
      return {
        encoderHiddenStates: tf.mul(hiddenStates, tf.reshape(keep, [-1, 1, 1])),
        encoderMask: tf.mul(mask, tf.reshape(keep, [-1, 1])),
      };
    });
  } finally {
    tf.dispose([hiddenStates, mask]);
  }
}

/** A prompt as error messages show it: JSON-quoted by InvalidArgumentError, cut to its first 40 characters. */
function shownPrompt(prompt: string): string {
  return prompt.length > 40 ? `${prompt.slice(0, 39)}…` : prompt;
}

/**
 * Checks a prompt a person typed for a text-conditioned model against the CLIP's tokenizer, and
 * returns its token count (bos and eos excluded). Throws a one-line `InvalidArgumentError` when
 * the prompt
 * - is empty or whitespace only: `generateFromPrompts` would take it as the null condition and
 *   sample unconditionally, which is rarely what a prompt box means (pass `""` there on purpose);
 * - has more tokens than the tokenizer's rows hold (`maxLength − 2`): `generateFromPrompts` would
 *   keep the first ones, as CLIP does, and drop the rest unseen.
 *
 * Words the tokenizer never saw are no error: the byte-level BPE spells them from their UTF-8
 * bytes (more tokens, little meaning to the model).
 *
 * ```ts
 * checkPrompt(clip, 'a thin, slanted seven'); // 5
 * checkPrompt(clip, ''); // throws: prompt ("") must not be empty: say what to draw
 * ```
 */
export function checkPrompt(clip: Clip, prompt: string, argument = 'prompt'): number {
  if (typeof prompt !== 'string') throw new InvalidArgumentError(argument, prompt, 'must be a string');
  if (prompt.trim() === '') throw new InvalidArgumentError(argument, prompt, 'must not be empty: say what to draw');
  const tokens = clip.tokenizer.encode(prompt).length;
  const fit = clip.tokenizer.maxLength - 2;
  if (tokens > fit) throw new InvalidArgumentError(argument, shownPrompt(prompt), `is too long: ${tokens} tokens, at most ${fit} fit`);
  return tokens;
}

/** Throws unless `clip`'s token states fit a UNet of this config (its crossAttentionDim is the text width). */
export function checkClipFitsUNet(clip: Clip, config: Pick<UNet2DConfig, 'crossAttentionDim'>, argument = 'clip'): void {
  if (config.crossAttentionDim === null) {
    throw new InvalidArgumentError('model', 'config.crossAttentionDim null', 'must be a text-conditioned UNet (built with crossAttentionDim, e.g. by trainTextToImage)');
  }
  if (clip.textWidth !== config.crossAttentionDim) {
    throw new InvalidArgumentError(argument, `text width ${clip.textWidth}`, `must match the UNet's crossAttentionDim (${config.crossAttentionDim}): use the CLIP the model was trained with`);
  }
}

/** The text encoder record of a diffusion checkpoint config, or null when it has none (class-conditional or unconditional models). */
export function textEncoderRecordOf(config: Record<string, unknown>): TextEncoderRecord | null {
  const record = config?.[TEXT_ENCODER_CONFIG_KEY] as Partial<TextEncoderRecord> | undefined;
  if (record === undefined || record === null) return null;
  const captions = record.captions as Partial<CaptionSettings> | undefined;
  const valid =
    typeof record === 'object' &&
    record.kind === 'clip-token-states' &&
    (record.clip === null || typeof record.clip === 'string') &&
    Number.isSafeInteger(record.width) &&
    Number.isSafeInteger(record.vocabSize) &&
    Number.isSafeInteger(record.maxLength) &&
    typeof captions === 'object' &&
    captions !== null &&
    Array.isArray(captions.classNames) &&
    Array.isArray(captions.attributes) &&
    captions.attributes.every((kind) => (ATTRIBUTE_KINDS as readonly string[]).includes(kind)) &&
    Array.isArray(record.templates);
  if (!valid) throw new GenError(`config.${TEXT_ENCODER_CONFIG_KEY} is not a text encoder record (expected { kind: 'clip-token-states', clip, width, vocabSize, maxLength, captions, templates })`);
  return record as TextEncoderRecord;
}

/** Throws unless `clip` is the kind of text encoder `record` describes (same width, vocabulary and row length). */
export function checkClipMatchesRecord(clip: Clip, record: TextEncoderRecord): void {
  const found = { width: clip.textWidth, vocabSize: clip.tokenizer.vocabSize, maxLength: clip.tokenizer.maxLength };
  for (const key of ['width', 'vocabSize', 'maxLength'] as const) {
    if (found[key] !== record[key]) {
      throw new InvalidArgumentError(
        'clip',
        `${key} ${found[key]}`,
        `is not the text encoder this model was trained with (${key} ${record[key]}${record.clip ? `, from ${record.clip}` : ''})`,
      );
    }
  }
}

/** The record as checkpoint JSON. */
export function textEncoderRecordJson(record: TextEncoderRecord): JsonValue {
  return record as unknown as JsonValue;
}
