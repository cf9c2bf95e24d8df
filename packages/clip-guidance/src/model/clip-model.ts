// The dual encoder: text and image towers, linear projections (no bias) to a shared
// embedding, L2-normalised, and a learned temperature: logit scale s = exp(t), t initialised
// to log(1/0.07) and clamped so s ≤ 100 (Radford et al. 2021).
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, checkPositiveNumber, InvalidArgumentError, nn, Generator, type JsonValue } from '@gen/core';
import { ClipImageEncoder, imageEncoderConfig, type ImageEncoderConfig } from './image-encoder';
import { ClipTextEncoder, textEncoderConfig, type TextEncoderConfig, type TokenTensors } from './text-encoder';

export interface ClipModelConfig {
  kind: 'clip-dual-encoder';
  /** Width of the shared embedding. */
  embedDim: number;
  text: TextEncoderConfig;
  image: ImageEncoderConfig;
  /** Initial temperature τ (logit scale 1/τ). Default 0.07. */
  initTemperature: number;
  /** Largest logit scale (CLIP: 100). */
  maxLogitScale: number;
}

export type PartialClipModelConfig = Partial<Omit<ClipModelConfig, 'text' | 'image'>> & {
  text: Partial<TextEncoderConfig> & { vocabSize: number };
  image?: Partial<ImageEncoderConfig>;
};

/** Fills defaults and checks a config (one-line errors). */
export function clipModelConfig(partial: PartialClipModelConfig): ClipModelConfig {
  if (typeof partial !== 'object' || partial === null || typeof partial.text !== 'object' || partial.text === null) {
    throw new InvalidArgumentError('config', partial, 'must be an object with a text config ({ vocabSize, … })');
  }
  const config: ClipModelConfig = {
    kind: 'clip-dual-encoder',
    embedDim: 128,
    initTemperature: 0.07,
    maxLogitScale: 100,
    ...partial,
    text: textEncoderConfig(partial.text),
    image: imageEncoderConfig(partial.image ?? {}),
  };
  checkPositiveInteger('embedDim', config.embedDim);
  checkPositiveNumber('initTemperature', config.initTemperature);
  checkPositiveNumber('maxLogitScale', config.maxLogitScale);
  if (1 / config.initTemperature > config.maxLogitScale) {
    throw new InvalidArgumentError('initTemperature', config.initTemperature, `must give a logit scale 1/τ ≤ maxLogitScale (${config.maxLogitScale})`);
  }
  return config;
}

const EPSILON = 1e-12;

/** x / ‖x‖ along the last axis. */
export function l2Normalize(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), EPSILON))));
}

/** Children: `text`, `image`, `textProjection`, `imageProjection`; parameter `logLogitScale`. */
export class ClipModel extends nn.Module {
  readonly config: ClipModelConfig;
  readonly text: ClipTextEncoder;
  readonly image: ClipImageEncoder;
  readonly textProjection: nn.Linear;
  readonly imageProjection: nn.Linear;
  readonly logLogitScale: tf.Variable;

  constructor(config: ClipModelConfig, generator: Generator = new Generator(0)) {
    super();
    this.config = clipModelConfig(config);
    const { embedDim, text, image, initTemperature } = this.config;
    this.text = this.registerModule('text', new ClipTextEncoder(text, generator.fork('text')));
    this.image = this.registerModule('image', new ClipImageEncoder(image, generator.fork('image')));
    this.textProjection = this.registerModule('textProjection', new nn.Linear({ inFeatures: text.width, outFeatures: embedDim, bias: false, generator: generator.fork('textProjection') }));
    this.imageProjection = this.registerModule('imageProjection', new nn.Linear({ inFeatures: image.outFeatures, outFeatures: embedDim, bias: false, generator: generator.fork('imageProjection') }));
    this.logLogitScale = this.registerParameter('logLogitScale', tf.scalar(Math.log(1 / initTemperature)));
  }

  static fromConfig(config: PartialClipModelConfig, generator: Generator = new Generator(0)): ClipModel {
    return new ClipModel(clipModelConfig(config), generator);
  }

  /** The config as JSON (for checkpoints). */
  toJSON(): JsonValue {
    return this.config as unknown as JsonValue;
  }

  /** L2-normalised text embeddings `[B, embedDim]` of token rows. */
  encodeTokens(tokens: TokenTensors): tf.Tensor {
    return tf.tidy(() => l2Normalize(this.textProjection.forward(this.text.forward(tokens))));
  }

  /** L2-normalised image embeddings `[B, embedDim]` of `[B, H, W, C]` images in [0, 1]. */
  encodeImages(images: tf.Tensor): tf.Tensor {
    return tf.tidy(() => l2Normalize(this.imageProjection.forward(this.image.forward(images))));
  }

  /** s = exp(min(t, log maxLogitScale)): the clamp of CLIP, applied in the forward pass (no gradient past it). */
  logitScale(): tf.Scalar {
    return tf.tidy(() => tf.exp(tf.minimum(this.param('logLogitScale'), Math.log(this.config.maxLogitScale)))) as tf.Scalar;
  }
}
