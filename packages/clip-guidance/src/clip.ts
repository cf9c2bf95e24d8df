// The user-facing dual encoder: a ClipModel with its tokenizer. encodeText / encodeImage give
// L2-normalised embeddings, clipScore the cosine similarity of image–text pairs, classify
// zero-shot class probabilities from label phrases put into templates (averaged per class).
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, nn } from '@gen/core';
import { applyTemplate } from './captions/caption-templates';
import { checkTemplates } from './captions/caption-corpus';
import type { ClipModel } from './model/clip-model';
import { l2Normalize } from './model/clip-model';
import type { TokenTensors } from './model/text-encoder';
import type { BpeTokenizer, EncodedBatch } from './tokenizer/bpe-tokenizer';

export interface EncodeTextOptions {
  /** Over-long texts: `true` (default) keeps the first tokens (CLIP's behaviour), `false` throws. */
  truncate?: boolean;
}

/** What {@link Clip.encodeTextTokens} returns; the caller disposes both. */
export interface TextTokenStates {
  /** `[B, L, width]` final token states of the text encoder (after its last LayerNorm, before pooling and projection). */
  hiddenStates: tf.Tensor3D;
  /** `[B, L]` float32: 1 for the tokens of a text (bos … eos), 0 for padding. */
  mask: tf.Tensor2D;
}

export interface ClassifyOptions {
  /** Templates with one `{}` each; a class's text embedding is the mean over them (default `['{}']`). */
  templates?: readonly string[];
}

/** Uploads an encoded batch as the text encoder's inputs. The caller disposes them. */
export function tokenTensors(batch: EncodedBatch): TokenTensors {
  return {
    ids: tf.tensor2d(batch.ids, [batch.n, batch.length], 'int32'),
    mask: tf.tensor2d(batch.mask, [batch.n, batch.length], 'float32'),
    eosIndex: tf.tensor1d(batch.eosIndex, 'int32'),
  };
}

/** Throws unless `texts` is a non-empty array of strings, each with at least one token. */
export function checkTexts(texts: readonly string[], argument = 'texts'): void {
  if (!Array.isArray(texts) || texts.length === 0) throw new InvalidArgumentError(argument, texts, 'must be a non-empty array of strings');
  texts.forEach((text, i) => {
    if (typeof text !== 'string' || text.trim().length === 0) {
      throw new InvalidArgumentError(`${argument}[${i}]`, text, 'must be a non-empty string (an empty prompt has no meaning to match)');
    }
  });
}

/** Height, width and channels of the images a CLIP's image encoder takes (`fitToClip` resizes to them). */
export interface ClipImageShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * What every text–image model here offers, and what CLIP guidance, CLIP steering and zero-shot
 * classification take: a `Clip` trained in this repository (`loadClip`, `trainClip`) or an
 * `ExternalClip` converted from an OpenAI / OpenCLIP checkpoint (`loadExternalClip`).
 * Subclasses give the two encoders, the logit scale and the image input; the scores are shared.
 */
export abstract class BaseClip {
  /** Embedding width. */
  abstract get embedDim(): number;

  /** The image encoder's input size; `fitToClip` resizes NHWC images to it (bilinear, 1 ↔ 3 channels). */
  abstract get imageShape(): ClipImageShape;

  /** L2-normalised text embeddings `[texts.length, embedDim]`. Empty texts throw; over-long ones are truncated (see options). */
  abstract encodeText(texts: readonly string[], options?: EncodeTextOptions): tf.Tensor2D;

  /** L2-normalised image embeddings `[N, embedDim]` of NHWC images in [0, 1]. */
  abstract encodeImage(images: tf.Tensor): tf.Tensor2D;

  /** The multiplier s of cosine similarities in `classify`'s softmax (CLIP's learnt temperature). The caller disposes. */
  abstract logitScale(): tf.Scalar;

  /** Frees the weights. */
  abstract dispose(): void;

  /**
   * Throws a one-line error (naming `argument`) unless gradients flow from `encodeImage` back to
   * its images, as CLIP guidance and CLIP steering need. Always true of a `Clip`; an `ExternalClip`
   * checks its image tower once.
   */
  checkImageGradients(argument = 'clip'): void {
    void argument;
  }

  /**
   * Cosine similarity of each image with its text, `[N]`: `texts` has N entries (pairs) or one
   * (every image against the same text).
   */
  clipScore(images: tf.Tensor, texts: readonly string[]): tf.Tensor1D {
    checkTexts(texts);
    const n = images?.shape?.[0];
    if (texts.length !== 1 && texts.length !== n) throw new InvalidArgumentError('texts', texts.length, `must hold 1 text or one per image (${n})`);
    return tf.tidy(() => {
      const imageEmbeddings = this.encodeImage(images);
      const textEmbeddings = this.encodeText(texts);
      return tf.sum(tf.mul(imageEmbeddings, textEmbeddings), -1) as tf.Tensor1D;
    });
  }

  /**
   * Normalised text embedding of each label, averaged over `templates` (CLIP's prompt
   * ensembling): `[labels.length, embedDim]`.
   */
  labelEmbeddings(labels: readonly string[], options: ClassifyOptions = {}): tf.Tensor2D {
    const { templates = ['{}'] } = options;
    checkTexts(labels, 'labels');
    checkTemplates(templates);
    return tf.tidy(() => {
      const texts = labels.flatMap((label) => templates.map((template) => applyTemplate(template, label)));
      const all = tf.reshape(this.encodeText(texts), [labels.length, templates.length, this.embedDim]);
      return l2Normalize(tf.mean(all, 1)) as tf.Tensor2D;
    });
  }

  /** Zero-shot class probabilities `[N, labels.length]`: softmax of s·cos(image, label embedding). */
  classify(images: tf.Tensor, labels: readonly string[], options: ClassifyOptions = {}): tf.Tensor2D {
    return tf.tidy(() => {
      const classes = this.labelEmbeddings(labels, options);
      const logits = tf.mul(this.logitScale(), tf.matMul(this.encodeImage(images), classes, false, true));
      return tf.softmax(logits) as tf.Tensor2D;
    });
  }
}

/**
 * A trained text–image model: `new Clip(model, tokenizer)`, or `loadClip(dir)` / `trainClip(…)`.
 * Owns both; `dispose()` frees the weights.
 *
 * ```ts
 * const clip = await loadClip('runs/clip/checkpoints/step-00010000');
 * const probs = clip.classify(images, ['a zero', 'a one', …], { templates: ['a photo of {}'] });
 * ```
 */
export class Clip extends BaseClip {
  constructor(
    readonly model: ClipModel,
    readonly tokenizer: BpeTokenizer,
  ) {
    super();
    if (model.config.text.vocabSize !== tokenizer.vocabSize) {
      throw new InvalidArgumentError('tokenizer', tokenizer.vocabSize, `must have the text encoder's vocabulary size (${model.config.text.vocabSize})`);
    }
    if (tokenizer.maxLength > model.config.text.contextLength) {
      throw new InvalidArgumentError('tokenizer.maxLength', tokenizer.maxLength, `must be at most the text encoder's contextLength (${model.config.text.contextLength})`);
    }
  }

  /** Embedding width. */
  get embedDim(): number {
    return this.model.config.embedDim;
  }

  /** L2-normalised text embeddings `[texts.length, embedDim]`. Empty texts throw; over-long ones are truncated (see options). */
  encodeText(texts: readonly string[], options: EncodeTextOptions = {}): tf.Tensor2D {
    checkTexts(texts);
    const batch = this.tokenizer.encodeBatch(texts, { truncate: options.truncate ?? true });
    const tokens = tokenTensors(batch);
    try {
      return this.model.encodeTokens(tokens) as tf.Tensor2D;
    } finally {
      tf.dispose([tokens.ids, tokens.mask, tokens.eosIndex]);
    }
  }

  /**
   * The text encoder's final token states, for a decoder that cross-attends to the text (a
   * text-conditioned UNet): `{ hiddenStates [B, L, width], mask [B, L] }` with L the tokenizer's
   * row length. Frozen: no gradient flows back to the CLIP (@gen/core's `nn.stopGradient`). Any string
   * encodes, the empty one as `[bos, eos]`; over-long texts are truncated as in `encodeText`.
   */
  encodeTextTokens(texts: readonly string[], options: EncodeTextOptions = {}): TextTokenStates {
    if (!Array.isArray(texts) || texts.length === 0 || !texts.every((text) => typeof text === 'string')) {
      throw new InvalidArgumentError('texts', texts, 'must be a non-empty array of strings');
    }
    const batch = this.tokenizer.encodeBatch(texts, { truncate: options.truncate ?? true });
    const tokens = tokenTensors(batch);
    try {
      const hiddenStates = tf.tidy(() => nn.stopGradient(this.model.text.tokenStates(tokens)));
      return { hiddenStates, mask: tf.clone(tokens.mask) as tf.Tensor2D };
    } finally {
      tf.dispose([tokens.ids, tokens.mask, tokens.eosIndex]);
    }
  }

  /** Width of the text encoder's token states (`encodeTextTokens`): a text-conditioned UNet's `crossAttentionDim`. */
  get textWidth(): number {
    return this.model.config.text.width;
  }

  /** L2-normalised image embeddings `[N, embedDim]` of NHWC images in [0, 1]. Differentiable in the images. */
  encodeImage(images: tf.Tensor): tf.Tensor2D {
    return this.model.encodeImages(images) as tf.Tensor2D;
  }

  /** The image encoder's configured input. */
  get imageShape(): ClipImageShape {
    const { height, width, channels } = this.model.config.image;
    return { height, width, channels };
  }

  /** s = exp(min(t, log maxLogitScale)), the model's learnt logit scale. */
  logitScale(): tf.Scalar {
    return this.model.logitScale();
  }

  dispose(): void {
    this.model.dispose();
  }
}
