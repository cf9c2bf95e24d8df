import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { Generator } from '../random';
import { xavierUniform } from './init';
import { Linear } from './linear';
import { Module } from './module';
import { checkBoolean, checkGenerator, checkInput, checkPositiveInteger } from './validate';

/** Added to the logits of masked keys: large enough that softmax gives them weight 0, finite so a fully masked row gives no NaN. */
const MASKED_LOGIT = -1e9;

export interface AttentionMaskOptions {
  /**
   * `[batch, keyLength]`: 1 / true where a key may be attended to, 0 / false where not
   * (padding). A row with every key masked attends uniformly instead of producing NaN.
   */
  keyMask?: tf.Tensor;
  /** Query i attends only to keys j ≤ i (autoregressive decoding; needs queryLength ≤ keyLength, aligned at the start). */
  causal?: boolean;
}

/**
 * softmax(Q·Kᵀ/√d + mask)·V for `q: [batch, heads, queryLength, d]`,
 * `k: [batch, heads, keyLength, d]`, `v: [batch, heads, keyLength, dv]` →
 * `[batch, heads, queryLength, dv]` (Vaswani et al. 2017, eq. 1).
 */
export function scaledDotProductAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  options: AttentionMaskOptions = {},
): tf.Tensor {
  const { keyMask, causal = false } = options;
  const [batch, , queryLength, depth] = q.shape as number[];
  const keyLength = (k.shape as number[])[2];
  if (keyMask !== undefined) {
    if (!(keyMask instanceof tf.Tensor) || !tf.util.arraysEqual(keyMask.shape, [batch, keyLength])) {
      throw new InvalidArgumentError('attention keyMask', keyMask, `must have shape [batch, keyLength] = [${batch}, ${keyLength}]`);
    }
  }
  return tf.tidy(() => {
    let logits = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(depth));
    if (keyMask !== undefined) {
      const blocked = tf.sub(1, tf.cast(keyMask, 'float32'));
      logits = tf.add(logits, tf.reshape(tf.mul(blocked, MASKED_LOGIT), [batch, 1, 1, keyLength]));
    }
    if (causal) {
      // keys j > i are blocked: the strictly upper triangle of a [queryLength, keyLength] matrix
      const allowed = tf.linalg.bandPart(tf.ones([queryLength, keyLength]), -1, 0);
      logits = tf.add(logits, tf.mul(tf.sub(1, allowed), MASKED_LOGIT));
    }
    return tf.matMul(tf.softmax(logits), v);
  });
}

export interface MultiHeadAttentionOptions {
  /** Width of queries and of the output; split evenly over the heads. */
  embedDim: number;
  /** Number of heads; must divide embedDim. */
  numHeads: number;
  /** Width of the keys' source for cross-attention (default embedDim). */
  keyDim?: number;
  /** Width of the values' source (default keyDim). */
  valueDim?: number;
  /** Biases on the four projections (default true; initialised to 0, as PyTorch). */
  bias?: boolean;
  /** Draws the initial projections: xavier-uniform for query/key/value (PyTorch's in_proj), kaiming-uniform for out. */
  generator: Generator;
}

export interface MultiHeadAttentionInputs extends AttentionMaskOptions {
  /** Keys' source `[batch, keyLength, keyDim]`; default: the query (self-attention). */
  key?: tf.Tensor;
  /** Values' source `[batch, keyLength, valueDim]`; default: the key. */
  value?: tf.Tensor;
}

/**
 * Multi-head attention over sequences `[batch, length, embedDim]` (for images, reshape
 * NHWC to `[batch, height·width, channels]`). Children: `query`, `key`, `value`, `out`
 * (Linear). `forward(x)` is self-attention; pass `{ key, value }` for cross-attention.
 */
export class MultiHeadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly out: Linear;

  constructor(options: MultiHeadAttentionOptions) {
    super();
    const { embedDim, numHeads, keyDim = embedDim, valueDim = keyDim, bias = true, generator } =
      options ?? ({} as MultiHeadAttentionOptions);
    this.embedDim = checkPositiveInteger('MultiHeadAttention', 'embedDim', embedDim);
    this.numHeads = checkPositiveInteger('MultiHeadAttention', 'numHeads', numHeads);
    if (embedDim % numHeads !== 0) {
      throw new InvalidArgumentError('MultiHeadAttention numHeads', numHeads, `must divide embedDim (${embedDim})`);
    }
    this.headDim = embedDim / numHeads;
    this.keyDim = checkPositiveInteger('MultiHeadAttention', 'keyDim', keyDim);
    this.valueDim = checkPositiveInteger('MultiHeadAttention', 'valueDim', valueDim);
    checkBoolean('MultiHeadAttention', 'bias', bias);
    const random = checkGenerator('MultiHeadAttention', generator);
    const projection = (name: string, inFeatures: number, xavier: boolean): Linear => {
      const layer = this.registerModule(name, new Linear({ inFeatures, outFeatures: embedDim, bias, generator: random }));
      if (xavier) {
        const weight = xavierUniform(random, [inFeatures, embedDim], inFeatures, embedDim);
        layer.weight.assign(weight);
        weight.dispose();
      }
      if (layer.bias) {
        const zeros = tf.zerosLike(layer.bias);
        layer.bias.assign(zeros);
        zeros.dispose();
      }
      return layer;
    };
    this.query = projection('query', embedDim, true);
    this.key = projection('key', this.keyDim, true);
    this.value = projection('value', this.valueDim, true);
    this.out = projection('out', embedDim, false);
  }

  forward(query: tf.Tensor, inputs: MultiHeadAttentionInputs = {}): tf.Tensor {
    const { key = query, value = key, keyMask, causal } = inputs;
    const name = 'MultiHeadAttention';
    checkInput(name, query, { rank: 3, lastDim: this.embedDim, expected: `[batch, queryLength, ${this.embedDim}]` });
    checkInput(`${name} key`, key, { rank: 3, lastDim: this.keyDim, expected: `[batch, keyLength, ${this.keyDim}]` });
    checkInput(`${name} value`, value, { rank: 3, lastDim: this.valueDim, expected: `[batch, keyLength, ${this.valueDim}]` });
    if (key.shape[0] !== query.shape[0] || value.shape[0] !== query.shape[0] || value.shape[1] !== key.shape[1]) {
      throw new InvalidArgumentError(
        `${name} key/value`,
        [key.shape, value.shape],
        `must share batch ${query.shape[0]} with the query and have the same length`,
      );
    }
    return tf.tidy(() => {
      // [batch, length, embedDim] → [batch, heads, length, headDim]
      const heads = (x: tf.Tensor) => {
        const [batch, length] = x.shape as number[];
        return tf.transpose(tf.reshape(x, [batch, length, this.numHeads, this.headDim]), [0, 2, 1, 3]);
      };
      const q = heads(this.query.forward(query));
      const k = heads(this.key.forward(key));
      const v = heads(this.value.forward(value));
      const attended = scaledDotProductAttention(q, k, v, { keyMask, causal });
      const [batch, queryLength] = query.shape as number[];
      const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, queryLength, this.embedDim]);
      return this.out.forward(merged);
    });
  }
}
