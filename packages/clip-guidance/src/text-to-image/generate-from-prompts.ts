// Prompts → images with a text-conditioned UNet: encode the prompts with the CLIP the UNet was
// trained on, then @gen/diffusion's textToImagePipeline (classifier-free guidance over the
// cross-attention: ε̂ = ε̂_∅ + w·(ε̂_c − ε̂_∅), Ho & Salimans 2022).
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gen/core';
import { textToImagePipeline, type PipelineOptions, type PipelineOutput } from '@gen/diffusion';
import { Clip } from '../clip';
import { checkClipFitsUNet, encodePrompts } from './text-conditioning';

/** Options of {@link generateFromPrompts}: the pipeline's, with prompts in place of token embeddings. */
export interface GenerateFromPromptsOptions extends PipelineOptions {
  /** The CLIP whose text encoder the UNet was trained on (`trainTextToImage`'s `clip`). */
  clip: Clip;
  /** One image per prompt. `""` is the null condition (an unconditional sample); over-long prompts keep their first tokens. */
  prompts: readonly string[];
  /** Text of the unconditional branch of guidance, for every image (default `""`: the null condition). */
  negativePrompt?: string;
  /** Classifier-free guidance weight w (default 3; 1 = plain conditional, 0 = unconditional). */
  guidanceScale?: number;
  /** φ of Lin et al. 2023: rescale the guided prediction toward the conditional one's std (default 0). */
  guidanceRescale?: number;
}

/**
 * Generates one image per prompt with a text-conditioned UNet (see `trainTextToImage`); returns the
 * pipeline's output (`images` `[B, H, W, C]` in [0, 1], the caller disposes them).
 *
 * ```ts
 * const { images } = await generateFromPrompts({ model, scheduler: DDIMScheduler.fromConfig(schedulerConfig), clip, prompts: ['a thin, slanted seven'], guidanceScale: 4 });
 * ```
 */
export async function generateFromPrompts(options: GenerateFromPromptsOptions): Promise<PipelineOutput> {
  const { clip, prompts, negativePrompt = '', ...pipeline } = options ?? ({} as GenerateFromPromptsOptions);
  if (!(clip instanceof Clip)) throw new InvalidArgumentError('clip', clip, 'must be a Clip (the one the UNet was trained with)');
  if (!Array.isArray(prompts) || prompts.length === 0 || !prompts.every((prompt) => typeof prompt === 'string')) {
    throw new InvalidArgumentError('prompts', prompts, 'must be a non-empty array of strings ("" is the unconditional prompt)');
  }
  if (typeof negativePrompt !== 'string') throw new InvalidArgumentError('negativePrompt', negativePrompt, 'must be a string ("" is the null condition)');
  if (pipeline.model?.config) checkClipFitsUNet(clip, pipeline.model.config);
  const text = encodePrompts(clip, prompts);
  const negative = negativePrompt.trim() === '' ? null : encodePrompts(clip, prompts.map(() => negativePrompt));
  try {
    return await textToImagePipeline({
      ...pipeline,
      encoderHiddenStates: text.encoderHiddenStates,
      encoderMask: text.encoderMask,
      ...(negative ? { negativeEncoderHiddenStates: negative.encoderHiddenStates, negativeEncoderMask: negative.encoderMask } : {}),
    });
  } finally {
    tf.dispose([text.encoderHiddenStates, text.encoderMask, ...(negative ? [negative.encoderHiddenStates, negative.encoderMask] : [])]);
  }
}
