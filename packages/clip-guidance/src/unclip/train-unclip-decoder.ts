// The unCLIP decoder: a UNet that cross-attends to the CLIP image embedding of the very image it
// learns to denoise (as tokens, image-conditioning.ts), with condition dropout for
// classifier-free guidance. The CLIP is frozen. Everything else — noise schedule, EMA,
// checkpoints, exact resume, latent diffusion — is @gen/diffusion's trainDiffusion, through its
// `encodeText` hook (which gets each batch's dataset indices).
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type ImageDataset, type JsonValue } from '@gen/core';
import { UNet2DModel, trainDiffusion, type TextBatch, type TrainDiffusionOptions, type TrainDiffusionResult, type UNet2DConfigInput } from '@gen/diffusion';
import { Clip } from '../clip';
import { crossAttentionUNetConfig } from '../text-to-image/train-text-to-image';
import {
  checkClipFitsDecoder,
  checkImageTokens,
  clipImageShape,
  DEFAULT_IMAGE_TOKENS,
  encodeImageCondition,
  IMAGE_ENCODER_CONFIG_KEY,
  imageEncoderRecordJson,
  type ImageEncoderRecord,
} from './image-conditioning';

/** Options of {@link trainUnclipDecoder}: trainDiffusion's, with the CLIP image encoder in place of a label encoder. */
export interface TrainUnclipDecoderOptions extends Omit<TrainDiffusionOptions, 'model' | 'config' | 'encodeText' | 'encodeLabels'> {
  /** Images in [0, 1] (of the CLIP's image shape) with labels and class names. */
  dataset: ImageDataset;
  /** The frozen image encoder: a trained CLIP (`loadClip(dir)`). Never updated, never disposed here. */
  clip: Clip;
  /** Where the CLIP came from, recorded as `config.imageEncoder.clip` in every checkpoint. */
  clipLocation?: string;
  /** Tokens per image embedding (default 4; must divide the CLIP's embedDim). */
  tokens?: number;
  /**
   * UNet fields (default DEFAULT_UNET_CONFIG at the dataset's shape; give the latent shape with
   * `encodeImages`). `crossAttentionDim` is the CLIP's embedDim; `numClasses` must stay null.
   */
  config?: Partial<UNet2DConfigInput>;
  /** Or a decoder UNet to train further. */
  model?: UNet2DModel;
}

/** What {@link trainUnclipDecoder} returns: trainDiffusion's result (the caller disposes it) and the recorded image encoder. */
export interface TrainUnclipDecoderResult extends TrainDiffusionResult {
  imageEncoder: ImageEncoderRecord;
}

/**
 * Trains an unCLIP decoder on `dataset`: at each step the batch's images (pixels, before any
 * autoencoder) are encoded by the frozen CLIP, turned into `tokens` tokens, and trainDiffusion
 * replaces a `conditionDropProb` share of them (default 0.1) by the null condition.
 *
 * ```ts
 * const clip = await loadPretrainedClip('mnist');
 * const { model, schedulerConfig } = await trainUnclipDecoder({ dataset, clip, clipLocation: 'pretrained:mnist', steps: 5000 });
 * ```
 */
export async function trainUnclipDecoder(options: TrainUnclipDecoderOptions): Promise<TrainUnclipDecoderResult> {
  const { dataset, clip, clipLocation, tokens = DEFAULT_IMAGE_TOKENS, config = {}, model, extraConfig = {}, ...training } = options ?? ({} as TrainUnclipDecoderOptions);
  if (!(clip instanceof Clip)) throw new InvalidArgumentError('clip', clip, 'must be a Clip (loadClip(dir) or trainClip(…).clip)');
  if (clipLocation !== undefined && (typeof clipLocation !== 'string' || clipLocation === '')) {
    throw new InvalidArgumentError('clipLocation', clipLocation, 'must be a non-empty string (where the CLIP checkpoint is)');
  }
  if (!dataset || !(dataset.images instanceof Float32Array) || !(dataset.labels instanceof Int32Array) || !Array.isArray(dataset.classNames)) {
    throw new InvalidArgumentError('dataset', dataset, 'must be an ImageDataset (images, labels, classNames)');
  }
  const imageShape = clipImageShape(clip);
  if (!tf.util.arraysEqual([dataset.height, dataset.width, dataset.channels], imageShape)) {
    throw new InvalidArgumentError('dataset', `${dataset.height}×${dataset.width}×${dataset.channels} images`, `must have the CLIP's image shape (${imageShape.join('×')})`);
  }
  checkImageTokens(tokens, clip.embedDim);
  if (model !== undefined && options.config !== undefined) throw new InvalidArgumentError('config', config, 'must be omitted when model is given');
  if (model !== undefined) {
    if (!(model instanceof UNet2DModel)) throw new InvalidArgumentError('model', model, 'must be a UNet2DModel');
    checkClipFitsDecoder(clip, model.config);
  }
  if (typeof config !== 'object' || config === null) throw new InvalidArgumentError('config', config, 'must be an object of UNet config fields');
  if (config.crossAttentionDim !== undefined && config.crossAttentionDim !== clip.embedDim) {
    throw new InvalidArgumentError('config.crossAttentionDim', config.crossAttentionDim, `must be omitted or the CLIP's embedding width (${clip.embedDim})`);
  }
  if (config.numClasses !== undefined && config.numClasses !== null) {
    throw new InvalidArgumentError('config.numClasses', config.numClasses, 'must be omitted: the image embedding replaces the class labels');
  }
  const imageEncoder: ImageEncoderRecord = { kind: 'clip-image-embedding', clip: clipLocation ?? null, embedDim: clip.embedDim, tokens, imageShape, classNames: [...dataset.classNames] };

  // The batch's own pixels in [0, 1] (trainDiffusion's batch may be augmented or encoded to latents).
  const pixels = dataset.height * dataset.width * dataset.channels;
  const encodeText = ({ indices }: TextBatch) => {
    const images = new Float32Array(indices.length * pixels);
    indices.forEach((index, row) => images.set(dataset.images.subarray(index * pixels, (index + 1) * pixels), row * pixels));
    const batch = tf.tensor4d(images, [indices.length, ...imageShape]);
    try {
      return encodeImageCondition(clip, batch, tokens);
    } finally {
      batch.dispose();
    }
  };
  const unet = crossAttentionUNetConfig(dataset, config, clip.embedDim);
  const result = await trainDiffusion({
    ...training,
    dataset,
    ...(model ? { model } : { config: unet }),
    encodeText,
    extraConfig: { ...extraConfig, [IMAGE_ENCODER_CONFIG_KEY]: imageEncoderRecordJson(imageEncoder) } as Record<string, JsonValue>,
  });
  return Object.assign(result, { imageEncoder });
}
