// A decoder-only transformer over [text tokens ; image tokens] (DALL·E, Ramesh et al. 2021):
// separate token embeddings for the text and image vocabularies, learned positions over the
// whole sequence, pre-LN blocks with causal self-attention and a GELU MLP, a final LayerNorm,
// and an output head over the image vocabulary (text logits use the tied text embedding).
import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, checkPositiveNumber, Generator, InvalidArgumentError, nn, type JsonValue } from '@gen/core';
import { ModuleList, TransformerBlock } from '@gen/clip-guidance';
import { KeyValueCache } from './key-value-cache';

export interface DalleConfig {
  kind: 'dalle-transformer';
  /** Text vocabulary (the BPE tokenizer's vocabSize). */
  textVocabSize: number;
  /** Text row length (bos, tokens, eos, padding): every prompt is padded to it. */
  textLength: number;
  /** Image vocabulary: the VQ codebook size. */
  imageVocabSize: number;
  /** Image token grid `[height, width]`; the image sequence is its raster order. */
  tokenShape: [number, number];
  width: number;
  layers: number;
  heads: number;
  /** MLP hidden width as a multiple of `width`. */
  mlpRatio: number;
}

export type PartialDalleConfig = Partial<Omit<DalleConfig, 'kind'>> & Pick<DalleConfig, 'textVocabSize' | 'textLength' | 'imageVocabSize' | 'tokenShape'>;

/** Fills defaults (width 256, 4 layers, 4 heads, MLP ×4) and checks a config (one-line errors). */
export function dalleConfig(partial: PartialDalleConfig): DalleConfig {
  if (typeof partial !== 'object' || partial === null) throw new InvalidArgumentError('config', partial, 'must be an object');
  const config: DalleConfig = { width: 256, layers: 4, heads: 4, mlpRatio: 4, ...partial, kind: 'dalle-transformer' };
  checkPositiveInteger('config.textVocabSize', config.textVocabSize);
  checkPositiveInteger('config.textLength', config.textLength);
  checkPositiveInteger('config.imageVocabSize', config.imageVocabSize);
  const shape = config.tokenShape;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new InvalidArgumentError('config.tokenShape', shape, 'must be [height, width] of positive integers');
  }
  config.tokenShape = [shape[0], shape[1]];
  checkPositiveInteger('config.width', config.width);
  checkPositiveInteger('config.layers', config.layers);
  checkPositiveInteger('config.heads', config.heads);
  checkPositiveNumber('config.mlpRatio', config.mlpRatio);
  if (config.width % config.heads !== 0) throw new InvalidArgumentError('config.heads', config.heads, `must divide config.width (${config.width})`);
  return config;
}

export interface DalleLogits {
  /** `[batch, imageTokens, imageVocabSize]`: logits of image token i given the text and image tokens before it. */
  image: tf.Tensor;
  /** `[batch, textLength − 1, textVocabSize]`: logits of text token i + 1 given text tokens ≤ i (when asked for). */
  text?: tf.Tensor;
}

/**
 * Children: `textTokens`, `imageTokens` (nn.Embedding), `positions` (parameter
 * `[textLength + imageLength, width]`), `blocks.i` (TransformerBlock), `norm`, `head`.
 *
 * ```ts
 * const model = DalleTransformer.fromConfig({ textVocabSize: 1024, textLength: 16, imageVocabSize: 64, tokenShape: [7, 7] });
 * const { image } = model.forward(textIds, imageIds); // teacher forcing
 * ```
 */
export class DalleTransformer extends nn.Module {
  readonly config: DalleConfig;
  readonly textTokens: nn.Embedding;
  readonly imageTokens: nn.Embedding;
  readonly blocks: TransformerBlock[] = [];
  readonly norm: nn.LayerNorm;
  readonly head: nn.Linear;

  constructor(config: DalleConfig, generator: Generator = new Generator(0)) {
    super();
    this.config = dalleConfig(config);
    const { textVocabSize, imageVocabSize, width, layers, heads, mlpRatio } = this.config;
    this.textTokens = this.registerModule('textTokens', new nn.Embedding({ numEmbeddings: textVocabSize, embeddingDim: width, generator: generator.fork('textTokens') }));
    this.imageTokens = this.registerModule('imageTokens', new nn.Embedding({ numEmbeddings: imageVocabSize, embeddingDim: width, generator: generator.fork('imageTokens') }));
    // GPT-2's initialisation: token embeddings N(0, 0.02²), positions N(0, 0.01²).
    for (const embedding of [this.textTokens, this.imageTokens]) {
      const scaled = tf.tidy(() => tf.mul(embedding.weight, 0.02));
      embedding.weight.assign(scaled);
      scaled.dispose();
    }
    this.registerParameter('positions', generator.fork('positions').normal([this.sequenceLength, width], { std: 0.01 }));
    const container = this.registerModule('blocks', new ModuleList());
    for (let i = 0; i < layers; i++) this.blocks.push(container.add(String(i), new TransformerBlock({ width, heads, mlpRatio, generator: generator.fork(`block/${i}`) })));
    this.norm = this.registerModule('norm', new nn.LayerNorm({ normalizedShape: width }));
    this.head = this.registerModule('head', new nn.Linear({ inFeatures: width, outFeatures: imageVocabSize, generator: generator.fork('head') }));
  }

  static fromConfig(config: PartialDalleConfig, generator: Generator = new Generator(0)): DalleTransformer {
    return new DalleTransformer(dalleConfig(config), generator);
  }

  /** Image tokens per image (tokenShape height × width). */
  get imageLength(): number {
    return this.config.tokenShape[0] * this.config.tokenShape[1];
  }

  /** Learned positions: text row plus image tokens. */
  get sequenceLength(): number {
    return this.config.textLength + this.config.tokenShape[0] * this.config.tokenShape[1];
  }

  toJSON(): JsonValue {
    return { ...this.config, tokenShape: [...this.config.tokenShape] } as unknown as JsonValue;
  }

  /** Throws unless `ids` is int32 `[batch?, length]` within the bounds. */
  private checkIds(argument: string, ids: tf.Tensor, options: { length?: number; maxLength?: number; batch?: number }): void {
    const { length, maxLength, batch } = options;
    const wanted = `an int32 tensor [${batch ?? 'batch'}, ${length ?? `length ≤ ${maxLength}`}]`;
    const ok =
      ids instanceof tf.Tensor &&
      ids.dtype === 'int32' &&
      ids.rank === 2 &&
      (length === undefined || ids.shape[1] === length) &&
      (maxLength === undefined || (ids.shape[1] as number) <= maxLength) &&
      (batch === undefined || ids.shape[0] === batch);
    if (!ok) throw new InvalidArgumentError(argument, ids, `must be ${wanted}`);
  }

  /** Token embeddings plus positions of a segment starting at sequence position `start`. */
  private embed(ids: tf.Tensor, kind: 'text' | 'image', start: number): tf.Tensor {
    return tf.tidy(() => {
      const tokens = (kind === 'text' ? this.textTokens : this.imageTokens).forward(ids);
      const positions = tf.slice(this.param('positions'), [start, 0], [ids.shape[1] as number, -1]);
      return tf.add(tokens, positions);
    });
  }

  /** Embeddings of `[text ; image]` (image may be absent or empty). */
  private embedSequence(textIds: tf.Tensor, imageIds: tf.Tensor | null): tf.Tensor {
    return tf.tidy(() => {
      const text = this.embed(textIds, 'text', 0);
      if (imageIds === null || imageIds.shape[1] === 0) return text;
      return tf.concat([text, this.embed(imageIds, 'image', this.config.textLength)], 1);
    });
  }

  /** The transformer over embedded positions, without a cache: final-normed hidden states. */
  private hidden(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = x;
      for (const block of this.blocks) h = block.forward(h, { causal: true });
      return this.norm.forward(h);
    });
  }

  /**
   * Teacher forcing: `textIds` int32 `[B, textLength]`, `imageIds` int32 `[B, N]` (1 ≤ N ≤
   * imageLength, the first N tokens of each image). The sequence `[text ; image₀…image_{N−2}]`
   * goes through the causal stack once; image logits come from positions textLength − 1 …
   * textLength + N − 2, so logit i only sees the text and image tokens before image i.
   */
  forward(textIds: tf.Tensor, imageIds: tf.Tensor, options: { textLogits?: boolean } = {}): DalleLogits {
    const { textLength } = this.config;
    this.checkIds('textIds', textIds, { length: textLength });
    const batch = textIds.shape[0] as number;
    this.checkIds('imageIds', imageIds, { batch, maxLength: this.imageLength });
    const n = imageIds.shape[1] as number;
    if (n < 1) throw new InvalidArgumentError('imageIds', imageIds, 'must hold at least one image token per row');
    return tf.tidy(() => {
      const inputs = tf.slice(imageIds, [0, 0], [-1, n - 1]);
      const h = this.hidden(this.embedSequence(textIds, inputs));
      const image = this.head.forward(tf.slice(h, [0, textLength - 1, 0], [-1, n, -1]));
      if (!options.textLogits) return { image };
      return { image, text: this.textLogitsOf(tf.slice(h, [0, 0, 0], [-1, textLength - 1, -1])) };
    });
  }

  /** Text logits from hidden states through the transposed text embedding (weight tying). */
  private textLogitsOf(h: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [batch, length, width] = h.shape as number[];
      const flat = tf.matMul(tf.reshape(h, [batch * length, width]), this.textTokens.weight, false, true);
      return tf.reshape(flat, [batch, length, this.config.textVocabSize]);
    });
  }

  /**
   * Logits `[B, imageVocabSize]` of the next image token after `[text ; imageIds]` by a full
   * pass (no cache): what each cached step must reproduce.
   */
  nextLogits(textIds: tf.Tensor, imageIds: tf.Tensor | null): tf.Tensor {
    this.checkIds('textIds', textIds, { length: this.config.textLength });
    if (imageIds !== null) this.checkIds('imageIds', imageIds, { batch: textIds.shape[0] as number, maxLength: this.imageLength - 1 });
    return tf.tidy(() => {
      const h = this.hidden(this.embedSequence(textIds, imageIds));
      const last = (h.shape[1] as number) - 1;
      return tf.squeeze(this.head.forward(tf.slice(h, [0, last, 0], [-1, 1, -1])), [1]);
    });
  }

  /** An empty key/value cache for `step`. */
  createCache(): KeyValueCache {
    return new KeyValueCache(this.config.layers);
  }

  /**
   * Feeds new tokens through the stack with a key/value cache: the text row first (`kind:
   * 'text'`, on an empty cache), then image tokens (`kind: 'image'`, usually one per call).
   * Updates `cache` and returns the logits `[B, imageVocabSize]` of the image token after the
   * last one fed.
   */
  step(ids: tf.Tensor, kind: 'text' | 'image', cache: KeyValueCache): tf.Tensor {
    const { textLength } = this.config;
    if (!(cache instanceof KeyValueCache) || cache.layers !== this.config.layers) {
      throw new InvalidArgumentError('cache', cache, `must be a KeyValueCache of this model (createCache())`);
    }
    const start = cache.length;
    if (kind === 'text') {
      if (start !== 0) throw new InvalidArgumentError('kind', kind, `text goes first, on an empty cache (it holds ${start} positions)`);
      this.checkIds('textIds', ids, { length: textLength });
    } else if (kind === 'image') {
      if (start < textLength) throw new InvalidArgumentError('kind', kind, 'needs the text row in the cache first');
      this.checkIds('imageIds', ids, { maxLength: this.sequenceLength - 1 - start });
    } else {
      throw new InvalidArgumentError('kind', kind, "must be 'text' or 'image'");
    }
    const logits = tf.tidy(() => {
      let x = this.embed(ids, kind, start);
      this.blocks.forEach((block, i) => {
        const { output, present } = nn.cachedSelfAttention(block.attention, block.norm1.forward(x), cache.layer(i));
        cache.update(i, present);
        const attended = tf.add(x, output);
        x = tf.add(attended, block.fc2.forward(nn.gelu(block.fc1.forward(block.norm2.forward(attended)))));
      });
      const last = (x.shape[1] as number) - 1;
      return tf.squeeze(this.head.forward(this.norm.forward(tf.slice(x, [0, last, 0], [-1, 1, -1]))), [1]);
    });
    return logits;
  }
}
