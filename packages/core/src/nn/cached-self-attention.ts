// Causal self-attention with a key/value cache (autoregressive decoding): the keys and values
// of earlier positions are kept, so each new token costs one query against the cache instead
// of a full pass over the sequence.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import type { MultiHeadAttention } from './attention';
import { checkInput } from './validate';

/** Added to the logits of blocked (future) keys; finite, as in scaledDotProductAttention. */
const MASKED_LOGIT = -1e9;

/** Projected keys and values of the positions seen so far, `[batch, heads, length, headDim]` each. */
export interface KeyValue {
  key: tf.Tensor;
  value: tf.Tensor;
}

export interface CachedSelfAttentionResult {
  /** `[batch, newLength, embedDim]`: the attention output of the new positions. */
  output: tf.Tensor;
  /** `past` with the new positions appended: pass it to the next call (the caller disposes it and `past`). */
  present: KeyValue;
}

/**
 * Causal self-attention of `x: [batch, newLength, embedDim]` (positions P…P+n−1) with the
 * query/key/value/out projections of `attention`, where `past` holds the keys and values of
 * positions 0…P−1 (none when omitted). New query i attends to keys j ≤ P + i. Running a
 * sequence in one call, or position by position feeding `present` back as `past`, gives the
 * same outputs as `attention.forward(x, { causal: true })`.
 */
export function cachedSelfAttention(attention: MultiHeadAttention, x: tf.Tensor, past?: KeyValue | null): CachedSelfAttentionResult {
  const name = 'cachedSelfAttention';
  checkInput(name, x, { rank: 3, lastDim: attention.embedDim, expected: `[batch, length, ${attention.embedDim}]` });
  if (attention.keyDim !== attention.embedDim || attention.valueDim !== attention.embedDim) {
    throw new InvalidArgumentError(`${name} attention`, [attention.keyDim, attention.valueDim], `must be a self-attention layer (keyDim = valueDim = embedDim = ${attention.embedDim})`);
  }
  const [batch, length] = x.shape as number[];
  const { numHeads, headDim } = attention;
  if (past != null) {
    const expected = [batch, numHeads, -1, headDim];
    const ok = (t: unknown) =>
      t instanceof tf.Tensor && t.rank === 4 && t.shape.every((d: number, i: number) => expected[i] === -1 || d === expected[i]);
    if (!ok(past.key) || !ok(past.value) || past.key.shape[2] !== past.value.shape[2]) {
      throw new InvalidArgumentError(`${name} past`, [past.key?.shape, past.value?.shape], `must hold key and value tensors [${batch}, ${numHeads}, pastLength, ${headDim}]`);
    }
  }
  return tf.tidy(() => {
    const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [batch, length, numHeads, headDim]), [0, 2, 1, 3]);
    const q = heads(attention.query.forward(x));
    let k = heads(attention.key.forward(x));
    let v = heads(attention.value.forward(x));
    const pastLength = past != null ? (past.key.shape[2] as number) : 0;
    if (pastLength > 0) {
      k = tf.concat([past!.key, k], 2);
      v = tf.concat([past!.value, v], 2);
    }
    const keyLength = pastLength + length;
    let logits = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim));
    if (length > 1) {
      // query i (absolute position P + i) may see keys j ≤ P + i: the band below diagonal P.
      const allowed = tf.linalg.bandPart(tf.ones([length, keyLength]), -1, pastLength);
      logits = tf.add(logits, tf.mul(tf.sub(1, allowed), MASKED_LOGIT));
    }
    const attended = tf.matMul(tf.softmax(logits), v);
    const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, length, attention.embedDim]);
    return { output: attention.out.forward(merged), present: { key: k, value: v } };
  });
}
