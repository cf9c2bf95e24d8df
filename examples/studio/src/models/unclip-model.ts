// The unCLIP family in the studio: a decoder trained by `gen train unclip` (a diffusion
// checkpoint with `config.imageEncoder`; latent, with its autoencoder/ inside), the CLIP whose
// image embeddings it decodes, and the priors trained with that CLIP (text embedding → image
// embedding), all read from folders the studio serves. Two routes, the calls `gen sample unclip`
// makes: a prompt through a prior (@gen/clip-guidance's unclipPipeline; the prompt goes through the
// library's checkPrompt first, since the pipeline takes "" as the unconditional prompt), and
// variations of a reference image (imageVariations: its CLIP image embedding, decoded from new noise).
import type * as tf from '@tensorflow/tfjs-core';
import { GenError, Generator } from '@gen/core';
import {
  checkClipMatchesImageRecord,
  checkPrompt,
  imageEncoderRecordOf,
  imageVariations,
  loadPrior,
  unclipPipeline,
  type ImageEncoderRecord,
  type LoadedClip,
  type LoadedPrior,
} from '@gen/clip-guidance';
import { loadCheckedClip } from './checked-clip';
import { DiffusionStudioModel, type AutoencoderSource } from './diffusion-model';
import type { PriorRequest, SampleRequest, StudioModel } from './family';

/** The prior's DDIM steps when a request names none (`gen sample unclip --prior-steps`' default). */
export const DEFAULT_PRIOR_STEPS = 25;

export class UnclipStudioModel implements StudioModel {
  readonly family = 'unclip' as const;
  readonly numClasses = 0;
  readonly imageShape: readonly [number, number, number];
  readonly parameterCount: number;
  readonly source: string;
  /** Priors loaded so far, by folder URL (loaded on first use: a variations-only session needs none). */
  private readonly priors = new Map<string, LoadedPrior>();

  constructor(
    readonly decoder: DiffusionStudioModel,
    readonly clip: LoadedClip,
    readonly record: ImageEncoderRecord,
    /** Where a prior's folder URL is read from. */
    private readonly priorSource: (url: string) => tf.io.IOHandler,
  ) {
    this.imageShape = decoder.imageShape;
    this.source = decoder.source;
    this.parameterCount = decoder.parameterCount;
  }

  /**
   * Loads an unCLIP decoder and its CLIP (`clipSource`, where the studio serves the CLIP its
   * `imageEncoder.clip` names), checking that the CLIP is the one it was trained with (embedding
   * width, image shape). Errors are one line.
   */
  static async load(
    source: tf.io.IOHandler | string,
    name: string,
    autoencoderSource: AutoencoderSource | undefined,
    clipSource: tf.io.IOHandler,
    clipName: string,
    priorSource: (url: string) => tf.io.IOHandler,
  ): Promise<UnclipStudioModel> {
    const decoder = await DiffusionStudioModel.load(source, name, autoencoderSource);
    try {
      const record = imageEncoderRecordOf(decoder.checkpointConfig);
      if (!record) throw new GenError(`${name} is not an unCLIP decoder (its config has no imageEncoder): pick it under Diffusion`);
      const clip = await loadCheckedClip(clipSource, clipName, (loaded) => checkClipMatchesImageRecord(loaded, record));
      return new UnclipStudioModel(decoder, clip, record, priorSource);
    } catch (error) {
      decoder.dispose();
      throw error;
    }
  }

  /** The library's prompt check (`checkPrompt` with the decoder's CLIP, as `gen sample unclip --prompt`): the token count, or a one-line error. */
  checkPrompt(prompt: string): number {
    return checkPrompt(this.clip, prompt);
  }

  /** The prior at `url`, loaded once; it must map this CLIP's embeddings. */
  private async prior(url: string): Promise<LoadedPrior> {
    const held = this.priors.get(url);
    if (held) return held;
    const prior = await loadPrior(this.priorSource(url));
    if (prior.config.embedDim !== this.clip.embedDim) {
      prior.dispose();
      throw new GenError(`${url} maps ${prior.config.embedDim}-wide embeddings, not the CLIP's ${this.clip.embedDim}: use the prior trained with the decoder's CLIP`);
    }
    this.priors.set(url, prior);
    return prior;
  }

  /**
   * `n` images from one run of the decoder (seeded by `seed`, with the live x̂₀ preview):
   * variations of `reference` when given, else `prompt` through the request's prior.
   */
  async sample({ n, seed, prompt = '', prior, reference, steps, scheduler, guidanceScale, onStep, signal }: SampleRequest): Promise<tf.Tensor4D> {
    const common = {
      model: this.decoder.model,
      scheduler: this.decoder.scheduler(scheduler),
      clip: this.clip,
      tokens: this.record.tokens,
      guidanceScale,
      numInferenceSteps: steps,
      generator: new Generator(seed),
      callback: this.decoder.stepCallback(onStep),
      signal,
      ...this.decoder.decoderOptions(),
    };
    if (reference) {
      const { images } = await imageVariations({ ...common, image: reference, n });
      return images as tf.Tensor4D;
    }
    if (!prior) throw new GenError('pick a prior (text → image embedding) or a reference image (variations)');
    this.checkPrompt(prompt);
    const { images, embeddings } = await unclipPipeline({ ...common, prior: await this.prior(prior.url), prompts: new Array<string>(n).fill(prompt), priorOptions: priorOptionsOf(prior) });
    embeddings.dispose();
    return images as tf.Tensor4D;
  }

  dispose(): void {
    this.decoder.dispose();
    this.clip.dispose();
    for (const prior of this.priors.values()) prior.dispose();
    this.priors.clear();
  }
}

/** A diffusion prior's sampling options (a regression prior ignores them). */
function priorOptionsOf({ steps, guidanceScale, candidates }: PriorRequest) {
  return { numInferenceSteps: steps, guidanceScale, candidates };
}
