// The DALL·E family in the studio: a transformer trained by `gen train dalle` (text tokens →
// image tokens, key/value-cached sampling), the VQ-VAE its config names (`vq`), whose decoder
// turns the drawn tokens into pixels, and optionally a CLIP that re-ranks candidates, all read
// from folders the studio serves. Sampling is @gen/transformer's generateImages, the call
// `gen sample dalle` makes (n candidates, the CLIP-best `top` kept); its own check rejects an
// empty prompt (one line) before any token is drawn.
import * as tf from '@tensorflow/tfjs-core';
import { GenError, Generator } from '@gen/core';
import { loadClip, type BpeTokenizer, type LoadedClip } from '@gen/clip-guidance';
import { generateImages, loadDalle, type DalleTransformer } from '@gen/transformer';
import { loadVqVae, type VQVAE } from '@gen/vae';
import { countParameters, type SampleRequest, type StudioModel } from './family';

export class DalleStudioModel implements StudioModel {
  readonly family = 'dalle' as const;
  readonly numClasses = 0;
  readonly imageShape: readonly [number, number, number];
  readonly parameterCount: number;

  constructor(
    readonly model: DalleTransformer,
    readonly tokenizer: BpeTokenizer,
    readonly imageTokenizer: VQVAE,
    /** Re-ranks candidates; null when the checkpoint has no shipped CLIP (then every draw is kept). */
    readonly clip: LoadedClip | null,
    readonly source: string,
  ) {
    this.imageShape = imageTokenizer.imageShape;
    this.parameterCount = countParameters(model) + countParameters(imageTokenizer);
  }

  /**
   * Loads a DALL·E checkpoint (with the tokenizer saved in it), its VQ-VAE (`vqSource`) and, when
   * given, the re-ranking CLIP (`clipSource`). Errors are one line.
   */
  static async load(source: tf.io.IOHandler | string, name: string, vqSource: tf.io.IOHandler, clipSource: tf.io.IOHandler | null): Promise<DalleStudioModel> {
    const loaded = await loadDalle(source);
    let vq: VQVAE | null = null;
    let clip: LoadedClip | null = null;
    try {
      if (loaded.tokenizer === null) throw new GenError(`${name} holds no tokenizer (write it with trainDalle's checkpointExtra or saveDalle's tokenizer)`);
      vq = (await loadVqVae({ source: vqSource })).model;
      if (clipSource) clip = await loadClip(clipSource);
      return new DalleStudioModel(loaded.model, loaded.tokenizer, vq, clip, name);
    } catch (error) {
      loaded.model.dispose();
      vq?.dispose();
      clip?.dispose();
      throw error;
    }
  }

  /** Tokens of `prompt` in the transformer's text row (it keeps the first `textLength − 2`, as `gen sample dalle` does). */
  promptTokens(prompt: string): number {
    return this.tokenizer.encode(prompt).length;
  }

  /**
   * `n` images of `prompt`: `n × candidates` token grids drawn by generateImages (seeded by
   * `seed`), the CLIP-best `n` kept when `candidates` > 1 (best first), decoded by the VQ-VAE.
   */
  async sample({ n, seed, prompt = '', guidanceScale, tokenSampling }: SampleRequest): Promise<tf.Tensor4D> {
    const { temperature = 1, topK = 0, topP = 1, candidates = 1 } = tokenSampling ?? {};
    if (candidates > 1 && !this.clip) throw new GenError(`${this.source} has no shipped CLIP to re-rank candidates with: set candidates to 1`);
    const result = generateImages({
      model: this.model,
      tokenizer: this.tokenizer,
      imageTokenizer: this.imageTokenizer,
      prompt,
      n: n * candidates,
      top: n,
      ...(candidates > 1 ? { clip: this.clip! } : {}),
      temperature,
      topK,
      topP,
      guidanceScale,
      generator: new Generator(seed),
    });
    try {
      return tf.clipByValue(result.images, 0, 1) as tf.Tensor4D;
    } finally {
      tf.dispose([result.images, result.tokens, ...(result.scores ? [result.scores] : [])]);
    }
  }

  dispose(): void {
    this.model.dispose();
    this.imageTokenizer.dispose();
    this.clip?.dispose();
  }
}
