// The text-to-image family in the studio: a text-conditioned diffusion checkpoint (a UNet that
// cross-attends to a CLIP's token states, trained by `gen train diffusion --text-encoder`) and the
// CLIP its config names (`textEncoder`), both read from folders the studio serves. Sampling is
// @gen/clip-guidance's generateFromPrompts (CLIP encoding + @gen/diffusion's textToImagePipeline
// with classifier-free guidance), the same call `gen sample diffusion --prompt` makes; prompts are
// checked with the library's checkPrompt (empty and over-long prompts are one-line errors).
import type * as tf from '@tensorflow/tfjs-core';
import { GenError, Generator } from '@gen/core';
import {
  ATTRIBUTE_WORDS,
  checkClipFitsUNet,
  checkClipMatchesRecord,
  checkPrompt,
  classPhrases,
  fillPhrase,
  generateFromPrompts,
  textEncoderRecordOf,
  type LoadedClip,
  type TextEncoderRecord,
} from '@gen/clip-guidance';
import { loadCheckedClip } from './checked-clip';
import { DiffusionStudioModel, type AutoencoderSource } from './diffusion-model';
import type { SampleRequest, StudioModel } from './family';

/**
 * The prompt box's default for a model trained on captions of these classes and attribute kinds
 * (a text encoder record's `captions`): the eighth class (or the last) in the captions' own
 * phrasing, with the adjectives its captions use — "a thin, slanted seven" for MNIST digits
 * (weight and slant), "a large sneaker" for Fashion-MNIST (size only); '' without classes.
 */
export function examplePrompt(classNames: readonly string[], attributes: readonly string[]): string {
  if (classNames.length === 0) return '';
  const className = classNames[Math.min(7, classNames.length - 1)];
  const adjectives: string[] = [];
  if (attributes.includes('weight')) adjectives.push(ATTRIBUTE_WORDS.weight.thin[0]);
  if (attributes.includes('slant')) adjectives.push(ATTRIBUTE_WORDS.slant.right[1]);
  if (adjectives.length === 0 && attributes.includes('size')) adjectives.push(ATTRIBUTE_WORDS.size.large[0]);
  return fillPhrase(classPhrases(className)[0], adjectives.join(', '));
}

export class TextToImageStudioModel implements StudioModel {
  readonly family = 'text' as const;
  readonly numClasses = 0;
  readonly imageShape: readonly [number, number, number];
  readonly parameterCount: number;
  readonly source: string;

  constructor(
    readonly diffusion: DiffusionStudioModel,
    readonly clip: LoadedClip,
    readonly record: TextEncoderRecord,
  ) {
    this.imageShape = diffusion.imageShape;
    this.source = diffusion.source;
    this.parameterCount = diffusion.parameterCount;
  }

  /**
   * Loads a text-conditioned diffusion checkpoint and its CLIP (`clipSource`, where the studio
   * serves the CLIP the checkpoint's `textEncoder.clip` names), checking that the CLIP is the one
   * it was trained with (width, vocabulary, row length). Errors are one line.
   */
  static async load(source: tf.io.IOHandler | string, name: string, autoencoderSource: AutoencoderSource | undefined, clipSource: tf.io.IOHandler, clipName: string): Promise<TextToImageStudioModel> {
    const diffusion = await DiffusionStudioModel.load(source, name, autoencoderSource);
    try {
      const record = textEncoderRecordOf(diffusion.checkpointConfig);
      if (!record) throw new GenError(`${name} is not text-conditioned (its config names no textEncoder): pick it under Diffusion`);
      const clip = await loadCheckedClip(clipSource, clipName, (loaded) => {
        checkClipMatchesRecord(loaded, record);
        checkClipFitsUNet(loaded, diffusion.model.config);
      });
      return new TextToImageStudioModel(diffusion, clip, record);
    } catch (error) {
      diffusion.dispose();
      throw error;
    }
  }

  /** The library's prompt check (`checkPrompt`): the token count, or a one-line error for an empty or over-long prompt. */
  checkPrompt(prompt: string): number {
    return checkPrompt(this.clip, prompt);
  }

  /** `n` images of `prompt` from one run of generateFromPrompts (seeded by `seed`), with the live x̂₀ preview. */
  async sample({ n, seed, prompt = '', steps, scheduler, guidanceScale, onStep, signal }: SampleRequest): Promise<tf.Tensor4D> {
    this.checkPrompt(prompt);
    const { images } = await generateFromPrompts({
      model: this.diffusion.model,
      scheduler: this.diffusion.scheduler(scheduler),
      clip: this.clip,
      prompts: new Array<string>(n).fill(prompt),
      guidanceScale,
      numInferenceSteps: steps,
      generator: new Generator(seed),
      callback: this.diffusion.stepCallback(onStep),
      signal,
      ...this.diffusion.decoderOptions(),
    });
    return images;
  }

  dispose(): void {
    this.diffusion.dispose();
    this.clip.dispose();
  }
}
