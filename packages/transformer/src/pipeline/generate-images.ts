// Text to images: prompt → BPE text row → image tokens drawn by the transformer (key/value
// cache) → images from the VQ decoder, optionally N candidates re-ranked by CLIP.
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, InvalidArgumentError, type Generator } from '@gen/core';
import type { BpeTokenizer, Clip } from '@gen/clip-guidance';
import { checkImageTokenizerFits, type ImageTokenizer } from '../image-tokenizer';
import type { DalleTransformer } from '../model/dalle-transformer';
import { generateTokens } from '../sampling/generate-tokens';
import type { SamplingOptions } from '../sampling/sampling-distribution';
import { encodePrompts } from '../text/encode-prompts';
import { rerank } from './rerank';

export interface GenerateImagesOptions extends SamplingOptions {
  model: DalleTransformer;
  tokenizer: BpeTokenizer;
  imageTokenizer: ImageTokenizer;
  prompt: string;
  /** Candidates to draw (default 1). */
  n?: number;
  /** Re-rank the candidates with this CLIP and keep the best `top`. */
  clip?: Clip;
  /** Kept after re-ranking (default 1 with a clip; without one all n are returned). */
  top?: number;
  /** Candidate i draws from `generator.fork('row/' + i)`. */
  generator: Generator;
  /** Classifier-free guidance of the token logits (default 1: off; see generateTokens). */
  guidanceScale?: number;
}

export interface GeneratedImages {
  /** NHWC images (best first when re-ranked). */
  images: tf.Tensor4D;
  /** int32 `[count, h, w]` image tokens of those images. */
  tokens: tf.Tensor3D;
  /** CLIP scores of the returned images (with a clip). */
  scores?: tf.Tensor1D;
}

/** Draws `n` token grids for `prompt`, decodes them, and keeps the CLIP-best `top` when a clip is given. */
export function generateImages(options: GenerateImagesOptions): GeneratedImages {
  const { model, tokenizer, prompt, n = 1, clip, generator, temperature, topK, topP, guidanceScale } = options ?? ({} as GenerateImagesOptions);
  const imageTokenizer = checkImageTokenizerFits(options?.imageTokenizer, model);
  const [h, w] = imageTokenizer.tokenShape;
  if (typeof prompt !== 'string' || prompt.trim().length === 0) throw new InvalidArgumentError('prompt', prompt, 'must be a non-empty string');
  checkPositiveInteger('n', n);
  const top = options.top ?? (clip ? 1 : n);
  checkPositiveInteger('top', top);
  if (top > n) throw new InvalidArgumentError('top', top, `must be at most n (${n})`);
  if (!clip && top !== n) throw new InvalidArgumentError('top', top, 'needs a clip to re-rank with (or top = n)');
  return tf.tidy(() => {
    const text = encodePrompts(tokenizer, [prompt], model.config.textLength);
    const flat = generateTokens({ model, textTokens: text, batch: n, generator, temperature, topK, topP, ...(guidanceScale !== undefined ? { guidanceScale } : {}) });
    const tokens = tf.reshape(flat, [n, h, w]) as tf.Tensor3D;
    const images = imageTokenizer.decodeTokens(tokens) as tf.Tensor4D;
    if (!clip) return { images, tokens };
    const ranked = rerank({ clip, prompt, images, top });
    return { images: ranked.images, tokens: tf.gather(tokens, ranked.indices) as tf.Tensor3D, scores: ranked.scores };
  });
}
