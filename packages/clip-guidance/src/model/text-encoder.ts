// The text tower: token embeddings + learned positions, pre-LN transformer blocks (causal
// and/or padding-masked), a final LayerNorm, pooled at the eos token (CLIP) or averaged over
// the padding mask.
import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean, checkOneOf, checkPositiveInteger, checkPositiveNumber, InvalidArgumentError, nn, type Generator } from '@gen/core';
import { ModuleList } from './module-list';
import { TransformerBlock } from './transformer-block';

export const TEXT_POOLINGS = ['eos', 'mean'] as const;
export type TextPooling = (typeof TEXT_POOLINGS)[number];

export interface TextEncoderConfig {
  kind: 'clip-text-encoder';
  vocabSize: number;
  /** Longest row (bos and eos included): the number of learned positions. */
  contextLength: number;
  width: number;
  layers: number;
  heads: number;
  mlpRatio: number;
  /** Causal attention (CLIP); padding keys are masked either way. */
  causal: boolean;
  pooling: TextPooling;
}

/** Token rows as tensors: `ids` int32 `[B, L]`, `mask` float32 `[B, L]` (1 = token), `eosIndex` int32 `[B]`. */
export interface TokenTensors {
  ids: tf.Tensor;
  mask: tf.Tensor;
  eosIndex: tf.Tensor;
}

/** Fills defaults and checks a text encoder config (one-line errors). */
export function textEncoderConfig(partial: Partial<TextEncoderConfig> & { vocabSize: number }): TextEncoderConfig {
  const config: TextEncoderConfig = {
    kind: 'clip-text-encoder',
    contextLength: 32,
    width: 128,
    layers: 3,
    heads: 4,
    mlpRatio: 4,
    causal: true,
    pooling: 'eos',
    ...partial,
  };
  checkPositiveInteger('text.vocabSize', config.vocabSize);
  checkPositiveInteger('text.contextLength', config.contextLength);
  checkPositiveInteger('text.width', config.width);
  checkPositiveInteger('text.layers', config.layers);
  checkPositiveInteger('text.heads', config.heads);
  checkPositiveNumber('text.mlpRatio', config.mlpRatio);
  checkBoolean('text.causal', config.causal);
  checkOneOf('text.pooling', config.pooling, TEXT_POOLINGS);
  if (config.width % config.heads !== 0) throw new InvalidArgumentError('text.heads', config.heads, `must divide text.width (${config.width})`);
  return config;
}

/** Children: `tokens` (nn.Embedding), `positions` (parameter), `blocks.i`, `norm`. Output `[B, width]`. */
export class ClipTextEncoder extends nn.Module {
  readonly config: TextEncoderConfig;
  readonly tokens: nn.Embedding;
  readonly blocks: TransformerBlock[] = [];
  readonly norm: nn.LayerNorm;

  constructor(config: TextEncoderConfig, generator: Generator) {
    super();
    this.config = textEncoderConfig(config);
    const { vocabSize, contextLength, width, layers, heads, mlpRatio } = this.config;
    this.tokens = this.registerModule('tokens', new nn.Embedding({ numEmbeddings: vocabSize, embeddingDim: width, generator: generator.fork('tokens') }));
    // CLIP's initialisation: token embeddings N(0, 0.02²), positions N(0, 0.01²).
    const scaled = tf.tidy(() => tf.mul(this.tokens.weight, 0.02));
    this.tokens.weight.assign(scaled);
    scaled.dispose();
    this.registerParameter('positions', generator.fork('positions').normal([contextLength, width], { std: 0.01 }));
    const container = new ModuleList();
    this.registerModule('blocks', container);
    for (let i = 0; i < layers; i++) this.blocks.push(container.add(String(i), new TransformerBlock({ width, heads, mlpRatio, generator: generator.fork(`block/${i}`) })));
    this.norm = this.registerModule('norm', new nn.LayerNorm({ normalizedShape: width }));
  }

  static fromConfig(config: Partial<TextEncoderConfig> & { vocabSize: number }, generator: Generator): ClipTextEncoder {
    return new ClipTextEncoder(textEncoderConfig(config), generator);
  }

  /** The pooled text feature `[B, width]`: the final token states at eos (or their mean over the mask). */
  forward(tokens: TokenTensors): tf.Tensor {
    const { mask, eosIndex } = tokens;
    return tf.tidy(() => {
      const x = this.tokenStates(tokens);
      const length = x.shape[1] as number;
      // Pool: weights [B, L] (one-hot at eos, or the mask over its sum) times x [B, L, W].
      const weights =
        this.config.pooling === 'eos'
          ? tf.oneHot(eosIndex as tf.Tensor1D, length)
          : tf.div(mask, tf.maximum(tf.sum(mask, -1, true), 1));
      return tf.squeeze(tf.matMul(tf.expandDims(tf.cast(weights, 'float32'), 1), x), [1]);
    });
  }

  /**
   * The final token states `[B, L, width]` (after the last block and the final LayerNorm,
   * before pooling): what a text-conditioned UNet cross-attends to. Rows past eos are padding
   * (mask 0); with causal attention each state only reads the tokens up to it.
   */
  tokenStates({ ids, mask, eosIndex }: TokenTensors): tf.Tensor3D {
    const { contextLength } = this.config;
    if (!(ids instanceof tf.Tensor) || ids.dtype !== 'int32' || ids.rank !== 2 || (ids.shape[1] as number) > contextLength) {
      throw new InvalidArgumentError('text ids', ids, `must be an int32 tensor [batch, length ≤ ${contextLength}]`);
    }
    const [batch, length] = ids.shape as [number, number];
    if (!(mask instanceof tf.Tensor) || !tf.util.arraysEqual(mask.shape, [batch, length])) throw new InvalidArgumentError('text mask', mask, `must have shape [${batch}, ${length}]`);
    if (!(eosIndex instanceof tf.Tensor) || eosIndex.dtype !== 'int32' || !tf.util.arraysEqual(eosIndex.shape, [batch])) {
      throw new InvalidArgumentError('text eosIndex', eosIndex, `must be an int32 tensor [${batch}]`);
    }
    return tf.tidy(() => {
      const positions = tf.slice(this.param('positions'), [0, 0], [length, -1]);
      let x = tf.add(this.tokens.forward(ids), positions);
      for (const block of this.blocks) x = block.forward(x, { keyMask: mask, causal: this.config.causal });
      return this.norm.forward(x) as tf.Tensor3D;
    });
  }
}
