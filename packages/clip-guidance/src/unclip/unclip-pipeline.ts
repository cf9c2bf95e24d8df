// Sampling an unCLIP decoder: from image embeddings (the core), from prompts through a prior
// (text → CLIP text embedding → prior → image embedding → decoder), and variations of a reference
// image (its own CLIP image embedding, decoded from fresh noise). All go through
// @gen/diffusion's textToImagePipeline, classifier-free guided over the image tokens.
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, Generator, InvalidArgumentError } from '@gen/core';
import { textToImagePipeline, type PipelineOptions, type PipelineOutput } from '@gen/diffusion';
import { Clip } from '../clip';
import { checkClipFitsDecoder, DEFAULT_IMAGE_TOKENS, imageTokens, referenceImage } from './image-conditioning';
import { EmbeddingPrior, type PriorSampleOptions } from './prior';
import { checkRedrawOptions, DEFAULT_MAX_REDRAWS, redrawCopies } from '../guidance/redraw-copies';

/** Options of {@link generateFromImageEmbeddings}. */
export interface ImageEmbeddingPipelineOptions extends PipelineOptions {
  /** `[B, D]` normalised CLIP image embeddings, one image each. */
  embeddings: tf.Tensor2D;
  /** Rows to sample unconditionally (false: the null condition), one flag per row. */
  keep?: readonly boolean[];
  /** Tokens per embedding: the decoder's `config.imageEncoder.tokens` (default 4). */
  tokens?: number;
  /** Classifier-free guidance weight (default 3; 1 = plain conditional, 0 = unconditional). */
  guidanceScale?: number;
}

/** Decodes image embeddings; the pipeline's output (`images` `[B, H, W, C]` in [0, 1], the caller disposes them). */
export async function generateFromImageEmbeddings(options: ImageEmbeddingPipelineOptions): Promise<PipelineOutput> {
  const { embeddings, keep, tokens = DEFAULT_IMAGE_TOKENS, guidanceScale = 3, ...pipeline } = options ?? ({} as ImageEmbeddingPipelineOptions);
  const crossAttentionDim = pipeline.model?.config?.crossAttentionDim;
  if (crossAttentionDim === null) throw new InvalidArgumentError('model', 'config.crossAttentionDim null', 'must be an image-conditioned UNet (trainUnclipDecoder)');
  if (embeddings instanceof tf.Tensor && crossAttentionDim !== undefined && embeddings.shape[1] !== crossAttentionDim) {
    throw new InvalidArgumentError('embeddings', `shape [${embeddings.shape.join(', ')}]`, `must be [batch, ${crossAttentionDim}]: the decoder's embedding width`);
  }
  const condition = imageTokens(embeddings, tokens, keep);
  try {
    return await textToImagePipeline({ ...pipeline, encoderHiddenStates: condition.encoderHiddenStates, encoderMask: condition.encoderMask, guidanceScale });
  } finally {
    tf.dispose([condition.encoderHiddenStates, condition.encoderMask]);
  }
}

/** Options of {@link imageVariations}. */
export interface ImageVariationsOptions extends Omit<ImageEmbeddingPipelineOptions, 'embeddings' | 'keep'> {
  /** The CLIP the decoder was trained with. */
  clip: Clip;
  /** The reference: one image `[H, W, C]` or `[1, H, W, C]` in [0, 1] of the CLIP's image size. */
  image: tf.Tensor;
  /** Variations (default 8). */
  n?: number;
  /**
   * RMS pixel distance to the reference below which a variation is a copy and drawn again from
   * fresh noise (default 0: keep every draw; evaluateUnclip's copy threshold is 0.1).
   */
  redrawBelow?: number;
  /** Rounds of redrawing copies at most (default 4). */
  maxRedraws?: number;
}

/** What {@link imageVariations} returns: the pipeline's output and how far each variation is from the reference. */
export interface ImageVariationsOutput extends PipelineOutput {
  /** RMS pixel distance of each variation to the reference. */
  distances: number[];
  /** Variations drawn again because they copied the reference (0 without `redrawBelow`). */
  redrawn: number;
  /** Variations still closer than `redrawBelow` after `maxRedraws` rounds. */
  copiesLeft: number;
}

/**
 * `n` variations of a reference image: its CLIP image embedding, decoded `n` times from different
 * noise (what the embedding keeps — class, style — stays; what it drops varies).
 *
 * ```ts
 * const { images } = await imageVariations({ model, scheduler, clip, image: reference, n: 8, tokens: record.tokens });
 * ```
 */
export async function imageVariations(options: ImageVariationsOptions): Promise<ImageVariationsOutput> {
  const { clip, image, n = 8, redrawBelow = 0, maxRedraws = DEFAULT_MAX_REDRAWS, ...pipeline } = options ?? ({} as ImageVariationsOptions);
  if (!(clip instanceof Clip)) throw new InvalidArgumentError('clip', clip, 'must be a Clip (the one the decoder was trained with)');
  checkPositiveInteger('n', n);
  checkRedrawOptions(redrawBelow, maxRedraws);
  if (pipeline.model?.config) checkClipFitsDecoder(clip, pipeline.model.config);
  const reference = referenceImage(clip, image);
  const embedding = tf.tidy(() => clip.encodeImage(reference) as tf.Tensor2D);
  const decode = async (count: number, generator?: Generator) => {
    const embeddings = tf.tile(embedding, [count, 1]) as tf.Tensor2D;
    try {
      return await generateFromImageEmbeddings({ ...pipeline, ...(generator ? { generator } : {}), embeddings });
    } finally {
      embeddings.dispose();
    }
  };
  try {
    const first = await decode(n);
    const { images, distances, redrawn, copiesLeft } = await redrawCopies({
      reference,
      images: first.images,
      redrawBelow,
      maxRedraws,
      generator: (pipeline.generator ?? new Generator(0)).fork('variations'),
      draw: async (count, generator) => (await decode(count, generator)).images,
    });
    return { ...first, images, distances, redrawn, copiesLeft };
  } finally {
    tf.dispose([reference, embedding]);
  }
}

/** Options of {@link unclipPipeline}. */
export interface UnclipPipelineOptions extends Omit<ImageEmbeddingPipelineOptions, 'embeddings' | 'keep'> {
  /** The CLIP the decoder and the prior were trained with. */
  clip: Clip;
  /** Text embedding → image embedding (`loadPrior`, `trainUnclipPrior`). */
  prior: EmbeddingPrior;
  /** One image per prompt; `""` is the null condition (an unconditional decoder sample). */
  prompts: readonly string[];
  /** Sampling options of a diffusion prior (its generator defaults to a fork of the pipeline's). */
  priorOptions?: PriorSampleOptions;
}

/** What {@link unclipPipeline} returns: the images and the image embeddings the prior chose. */
export interface UnclipOutput extends PipelineOutput {
  /** `[B, D]` the prior's image embeddings (zeros for `""`); the caller disposes them. */
  embeddings: tf.Tensor2D;
}

/**
 * Text-to-image through a prior and a decoder: prompts → CLIP text embeddings → prior → image
 * embeddings → decoder.
 *
 * ```ts
 * const { images, embeddings } = await unclipPipeline({ model: decoder, scheduler, clip, prior, prompts: ['a seven'], tokens: 4 });
 * ```
 */
export async function unclipPipeline(options: UnclipPipelineOptions): Promise<UnclipOutput> {
  const { clip, prior, prompts, priorOptions = {}, ...pipeline } = options ?? ({} as UnclipPipelineOptions);
  if (!(clip instanceof Clip)) throw new InvalidArgumentError('clip', clip, 'must be a Clip (the one the decoder was trained with)');
  if (!(prior instanceof EmbeddingPrior)) throw new InvalidArgumentError('prior', prior, 'must be an EmbeddingPrior (loadPrior or trainUnclipPrior)');
  if (!Array.isArray(prompts) || prompts.length === 0 || !prompts.every((prompt) => typeof prompt === 'string')) {
    throw new InvalidArgumentError('prompts', prompts, 'must be a non-empty array of strings ("" is the unconditional prompt)');
  }
  if (prior.config.embedDim !== clip.embedDim) {
    throw new InvalidArgumentError('prior', `embedDim ${prior.config.embedDim}`, `must map the CLIP's embeddings (embedDim ${clip.embedDim}): use the prior trained with this CLIP`);
  }
  if (pipeline.model?.config) checkClipFitsDecoder(clip, pipeline.model.config);
  // Only the non-empty prompts go through CLIP and the prior; "" rows get the null condition.
  const keep = prompts.map((prompt) => prompt.trim() !== '');
  const spoken = prompts.filter((_, i) => keep[i]);
  const generator = pipeline.generator ?? new Generator(0);
  const embeddings = tf.tidy(() => {
    const rows: tf.Tensor2D[] = [];
    let predicted: tf.Tensor2D | null = null;
    if (spoken.length > 0) predicted = prior.predict(clip.encodeText(spoken), { generator: generator.fork('prior'), ...priorOptions });
    let next = 0;
    for (const flag of keep) rows.push(flag ? (tf.slice(predicted!, [next++, 0], [1, clip.embedDim]) as tf.Tensor2D) : tf.zeros([1, clip.embedDim]));
    return tf.concat(rows) as tf.Tensor2D;
  });
  try {
    const output = await generateFromImageEmbeddings({ ...pipeline, generator, embeddings, keep });
    return { ...output, embeddings };
  } catch (error) {
    embeddings.dispose();
    throw error;
  }
}
