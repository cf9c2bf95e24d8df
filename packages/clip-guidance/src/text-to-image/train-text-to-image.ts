// Text-to-image diffusion proper (Rombach et al. 2022, §3.3; Saharia et al. 2022 freeze the text
// encoder the same way): a UNet cross-attends to the token states of a frozen CLIP text encoder,
// trained on the captions CLIP was trained on (class phrasings + attributes measured from the
// pixels, TRAINING_TEMPLATES), with condition dropout for classifier-free guidance
// (Ho & Salimans 2022). Everything else — noise schedule, EMA, checkpoints, exact resume, latent
// diffusion — is @gen/diffusion's trainDiffusion.
import { InvalidArgumentError, type ImageDataset, type JsonValue } from '@gen/core';
import {
  DEFAULT_UNET_CONFIG,
  UNet2DModel,
  trainDiffusion,
  type TrainDiffusionOptions,
  type TrainDiffusionResult,
  type UNet2DConfigInput,
} from '@gen/diffusion';
import { attributeThresholds, measureDataset, type AttributeThresholds } from '../captions/attribute-thresholds';
import { CaptionCorpus, checkTemplates, defaultAttributeKinds, type AttributeKind } from '../captions/caption-corpus';
import { TRAINING_TEMPLATES } from '../captions/caption-templates';
import { Clip } from '../clip';
import { captionTextEncoder } from './caption-text-encoder';
import { textEncoderRecipeMaker } from './parallel-text-encoder';
import { checkClipFitsUNet, TEXT_ENCODER_CONFIG_KEY, textEncoderRecordJson, type CaptionSettings, type TextEncoderRecord } from './text-conditioning';

/** Options of {@link trainTextToImage}: trainDiffusion's, with the text encoder in place of a label encoder. */
export interface TrainTextToImageOptions extends Omit<TrainDiffusionOptions, 'model' | 'config' | 'encodeText' | 'encodeLabels'> {
  /** Images in [0, 1] with labels and class names (MNIST, Fashion-MNIST): what is captioned. */
  dataset: ImageDataset;
  /** The frozen text encoder: a trained CLIP (`loadClip(dir)`). Never updated, never disposed here. */
  clip: Clip;
  /**
   * Where the CLIP came from (the checkpoint folder given to `loadClip`, or `pretrained:<name>`),
   * recorded as `config.textEncoder.clip` in every checkpoint so a sampler can load it again. With
   * `workers` other than 1 (and `import '@gen/clip-guidance/node'`), every thread loads the CLIP
   * from here: it must hold `clip`'s weights.
   */
  clipLocation?: string;
  /**
   * UNet fields (default DEFAULT_UNET_CONFIG at the dataset's height × width × channels; give the
   * latent shape with `encodeImages`). `crossAttentionDim` is the CLIP's text width; `numClasses`
   * must stay null (text replaces class labels).
   */
  config?: Partial<UNet2DConfigInput>;
  /** Or a text-conditioned UNet to train further (its crossAttentionDim must be the CLIP's text width). */
  model?: UNet2DModel;
  /**
   * Caption settings. Default: the CLIP checkpoint's own (`clip.checkpointConfig.captions`, written
   * by trainClip: thresholds of its training set, attribute kinds, probability), so "thin" means
   * what it meant to CLIP; a CLIP without them gets thresholds measured on `dataset`.
   */
  captions?: { thresholds?: AttributeThresholds; attributes?: AttributeKind[]; attributeProbability?: number };
  /** Templates training captions draw from (default TRAINING_TEMPLATES; HELD_OUT_TEMPLATES stay for evaluation). */
  templates?: readonly string[];
}

/** What {@link trainTextToImage} returns: trainDiffusion's result (the caller disposes it), the captioner and the recorded text encoder. */
export interface TrainTextToImageResult extends TrainDiffusionResult {
  /** The captions of `dataset` (same thresholds as the CLIP's). */
  corpus: CaptionCorpus;
  /** What every checkpoint's `config.textEncoder` holds. */
  textEncoder: TextEncoderRecord;
}

/**
 * Trains a text-conditioned UNet on captions of `dataset`. At step s, the batch's images are
 * captioned from `new Generator(seed).fork('step/s').fork('text')` (trainDiffusion's text stream):
 * the captions depend only on (seed, step), so a resumed run is bit-identical. Captions are encoded
 * by the frozen CLIP text encoder into token states `[B, L, width]` with their padding mask;
 * trainDiffusion replaces a `conditionDropProb` share of them (default 0.1) by the null condition.
 *
 * ```ts
 * const clip = await loadClip('runs/clip-mnist/checkpoints/step-00002000');
 * const { model, ema, schedulerConfig } = await trainTextToImage({ dataset, clip, clipLocation: 'runs/clip-mnist/checkpoints/step-00002000', steps: 5000 });
 * ```
 */
export async function trainTextToImage(options: TrainTextToImageOptions): Promise<TrainTextToImageResult> {
  const { dataset, clip, clipLocation, config = {}, model, captions = {}, templates = TRAINING_TEMPLATES, extraConfig = {}, ...training } = options ?? ({} as TrainTextToImageOptions);

  // 1. Check the pieces fit together before measuring anything.
  if (!(clip instanceof Clip)) throw new InvalidArgumentError('clip', clip, 'must be a Clip (loadClip(dir) or trainClip(…).clip)');
  if (clipLocation !== undefined && (typeof clipLocation !== 'string' || clipLocation === '')) {
    throw new InvalidArgumentError('clipLocation', clipLocation, 'must be a non-empty string (where the CLIP checkpoint is)');
  }
  if (!dataset || !(dataset.images instanceof Float32Array) || !(dataset.labels instanceof Int32Array) || !Array.isArray(dataset.classNames)) {
    throw new InvalidArgumentError('dataset', dataset, 'must be an ImageDataset (images, labels, classNames)');
  }
  checkTemplates(templates);
  if (model !== undefined && options.config !== undefined) throw new InvalidArgumentError('config', config, 'must be omitted when model is given');
  if (model !== undefined) {
    if (!(model instanceof UNet2DModel)) throw new InvalidArgumentError('model', model, 'must be a UNet2DModel');
    checkClipFitsUNet(clip, model.config, 'clip');
    if (model.config.numClasses !== null) throw new InvalidArgumentError('model', `numClasses ${model.config.numClasses}`, 'must not be class-conditional: text replaces the class labels');
  }
  if (typeof config !== 'object' || config === null) throw new InvalidArgumentError('config', config, 'must be an object of UNet config fields');
  if (config.crossAttentionDim !== undefined && config.crossAttentionDim !== clip.textWidth) {
    throw new InvalidArgumentError('config.crossAttentionDim', config.crossAttentionDim, `must be omitted or the CLIP's text width (${clip.textWidth})`);
  }
  if (config.numClasses !== undefined && config.numClasses !== null) {
    throw new InvalidArgumentError('config.numClasses', config.numClasses, 'must be omitted: text replaces the class labels');
  }

  // 2. The captioner: the CLIP's caption settings over this dataset's measured attributes.
  const measured = measureDataset(dataset);
  const corpus = new CaptionCorpus({ classNames: dataset.classNames, measured, ...captionSettings(clip, dataset, measured, captions) });
  const textEncoder: TextEncoderRecord = {
    kind: 'clip-token-states',
    clip: clipLocation ?? null,
    width: clip.textWidth,
    vocabSize: clip.tokenizer.vocabSize,
    maxLength: clip.tokenizer.maxLength,
    captions: corpus.toJSON() as unknown as CaptionSettings,
    templates: [...templates],
  };

  // 3. trainDiffusion with a text hook: caption each image of the batch, encode, cross-attend.
  const hook = captionTextEncoder({ clip, corpus, templates, labels: dataset.labels });
  let encodeText: TrainDiffusionOptions['encodeText'] = (batch) => hook.encode(batch);
  // Data-parallel: a recipe every thread builds the same hook from (trainDiffusion decides 'auto').
  const workers = training.workers ?? 1;
  const makeRecipe = textEncoderRecipeMaker();
  if (workers !== 1 && makeRecipe !== null && clipLocation !== undefined) {
    const { thresholds, attributes, attributeProbability } = corpus;
    encodeText = makeRecipe({
      clip: clipLocation,
      captions: { thresholds, attributes: [...attributes], attributeProbability },
      templates: [...templates],
      width: clip.textWidth,
      vocabSize: clip.tokenizer.vocabSize,
      maxLength: clip.tokenizer.maxLength,
    });
  } else if (typeof workers === 'number' && workers > 1) {
    throw new InvalidArgumentError(
      'workers',
      workers,
      makeRecipe === null
        ? "needs import '@gen/clip-guidance/node' (Node): every worker thread builds the text encoder from a recipe"
        : 'needs clipLocation: the CLIP checkpoint folder (or pretrained:<name>) every worker thread loads the text encoder from',
    );
  }
  const unet = crossAttentionUNetConfig(dataset, config, clip.textWidth);
  const result = await trainDiffusion({
    ...training,
    dataset,
    ...(model ? { model } : { config: unet }),
    encodeText,
    extraConfig: { ...extraConfig, [TEXT_ENCODER_CONFIG_KEY]: textEncoderRecordJson(textEncoder) } as Record<string, JsonValue>,
  });
  return Object.assign(result, { corpus, textEncoder });
}

/** The caption settings: given ones, else the CLIP checkpoint's, else measured on the dataset (shared with trainUnclipPrior). */
export function captionSettings(
  clip: Clip,
  dataset: ImageDataset,
  measured: ReturnType<typeof measureDataset>,
  given: NonNullable<TrainTextToImageOptions['captions']>,
): Pick<CaptionSettings, 'thresholds' | 'attributes' | 'attributeProbability'> {
  const saved = (clip as Clip & { checkpointConfig?: Record<string, JsonValue> }).checkpointConfig?.captions as Partial<CaptionSettings> | undefined;
  if (saved && Array.isArray(saved.classNames)) {
    const same = saved.classNames.length === dataset.classNames.length && saved.classNames.every((name, i) => name === dataset.classNames[i]);
    if (!same) {
      throw new InvalidArgumentError(
        'clip',
        `captions of [${saved.classNames.join(', ')}]`,
        `was trained on other classes than the dataset's [${dataset.classNames.join(', ')}]: use a CLIP trained on ${dataset.name}`,
      );
    }
  }
  const thresholds = given.thresholds ?? saved?.thresholds ?? attributeThresholds(measured);
  return {
    thresholds,
    attributes: given.attributes ?? saved?.attributes ?? defaultAttributeKinds(dataset.classNames),
    attributeProbability: given.attributeProbability ?? saved?.attributeProbability ?? 0.5,
  };
}

/**
 * The UNet of a model conditioned only through cross-attention (text tokens, or unCLIP's image
 * embedding tokens): the dataset's size and channels under `config`, no class embedding.
 */
export function crossAttentionUNetConfig(dataset: { height: number; width: number; channels: number }, config: Partial<UNet2DConfigInput>, crossAttentionDim: number): UNet2DConfigInput {
  const inChannels = config.inChannels ?? dataset.channels;
  return {
    ...DEFAULT_UNET_CONFIG,
    height: dataset.height,
    width: dataset.width,
    ...config,
    inChannels,
    outChannels: config.outChannels ?? inChannels,
    numClasses: null,
    crossAttentionDim,
  };
}
