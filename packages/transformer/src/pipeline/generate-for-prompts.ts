// One image per prompt for a batch of different prompts (what an evaluation or a gallery asks
// for): each prompt draws `candidates` token grids and, with a CLIP, keeps the one CLIP scores
// highest against its prompt (DALL·E's re-ranking, per prompt). Candidate j of prompt i draws
// from `generator.fork('prompt/<i>/candidate/<j>')`, so the plain image of a prompt (1
// candidate) is candidate 0 of its re-ranked draw: the two are compared on the same samples.
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, Generator, InvalidArgumentError } from '@gen/core';
import { Clip, type BpeTokenizer } from '@gen/clip-guidance';
import { checkImageTokenizerFits, type ImageTokenizer } from '../image-tokenizer';
import { DalleTransformer } from '../model/dalle-transformer';
import { generateTokens } from '../sampling/generate-tokens';
import type { SamplingOptions } from '../sampling/sampling-distribution';
import { encodePrompts } from '../text/encode-prompts';

export interface GenerateForPromptsOptions extends SamplingOptions {
  model: DalleTransformer;
  tokenizer: BpeTokenizer;
  imageTokenizer: ImageTokenizer;
  /** One image is returned per prompt, in this order. */
  prompts: readonly string[];
  /** Token grids drawn per prompt (default 1); more than 1 needs a `clip` to choose among them. */
  candidates?: number;
  /** Keeps, for each prompt, the candidate with the highest CLIP score against that prompt. */
  clip?: Clip;
  /** Candidate j of prompt i draws from `generator.fork('prompt/<i>/candidate/<j>')`. */
  generator: Generator;
  /** Classifier-free guidance of the token logits (default 1: off; see generateTokens). */
  guidanceScale?: number;
}

export interface PromptedImages {
  /** NHWC images, one per prompt, in the decoder's range. */
  images: tf.Tensor4D;
  /** With a clip: each kept image's CLIP score against its prompt. */
  scores?: tf.Tensor1D;
}

/** Draws `candidates` images per prompt and keeps the CLIP-best of each (or the only one); see the file header. */
export function generateForPrompts(options: GenerateForPromptsOptions): PromptedImages {
  const { model, tokenizer, prompts, candidates = 1, clip, generator, temperature, topK, topP, guidanceScale } = options ?? ({} as GenerateForPromptsOptions);
  if (!(model instanceof DalleTransformer)) throw new InvalidArgumentError('model', model, 'must be a DalleTransformer');
  const imageTokenizer = checkImageTokenizerFits(options?.imageTokenizer, model);
  const [h, w] = imageTokenizer.tokenShape;
  if (!Array.isArray(prompts) || prompts.length === 0) throw new InvalidArgumentError('prompts', prompts, 'must be a non-empty array of prompts');
  checkPositiveInteger('candidates', candidates);
  if (clip !== undefined && !(clip instanceof Clip)) throw new InvalidArgumentError('clip', clip, 'must be a Clip (@gen/clip-guidance)');
  if (candidates > 1 && clip === undefined) throw new InvalidArgumentError('candidates', candidates, 'needs a clip to choose among the candidates (or candidates = 1)');
  if (!(generator instanceof Generator)) throw new InvalidArgumentError('generator', generator, 'must be a Generator from @gen/core');
  const count = prompts.length;
  const rows = Array.from({ length: count * candidates }, (_, r) => generator.fork(`prompt/${Math.floor(r / candidates)}/candidate/${r % candidates}`));
  return tf.tidy(() => {
    const text = encodePrompts(tokenizer, prompts, model.config.textLength);
    const flat = generateTokens({ model, textTokens: text, batch: candidates, generator: rows, temperature, topK, topP, ...(guidanceScale !== undefined ? { guidanceScale } : {}) });
    const all = imageTokenizer.decodeTokens(tf.reshape(flat, [count * candidates, h, w])) as tf.Tensor4D;
    if (!clip) return { images: all };
    // Rows are prompt-major: candidate j of prompt i is row i·candidates + j.
    const repeated = prompts.flatMap((prompt) => new Array<string>(candidates).fill(prompt));
    const scores = tf.reshape(clip.clipScore(tf.clipByValue(all, 0, 1), repeated), [count, candidates]);
    const best = tf.add(tf.mul(tf.range(0, count, 1, 'int32'), tf.scalar(candidates, 'int32')), tf.cast(tf.argMax(scores, 1), 'int32'));
    return { images: tf.gather(all, best) as tf.Tensor4D, scores: tf.max(scores, 1) as tf.Tensor1D };
  });
}
