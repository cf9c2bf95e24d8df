// The distribution a token is drawn from: logits divided by the temperature, then top-k
// (keep the k most likely tokens), then top-p / nucleus (keep the smallest most-likely set
// whose mass reaches p; Holtzman et al. 2020), renormalised. Temperature 0 is greedy.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gen/core';

export interface SamplingOptions {
  /** Divides the logits (default 1); 0 means greedy (all mass on the argmax, the first on ties). */
  temperature?: number;
  /** Keep only the `topK` largest logits (ties with the k-th are kept too); 0 (default) keeps all. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches `topP`, in (0, 1] (default 1: all). */
  topP?: number;
}

/** Checks sampling options (one-line errors) and fills the defaults. */
export function checkSamplingOptions(options: SamplingOptions, vocabSize?: number): Required<SamplingOptions> {
  const { temperature = 1, topK = 0, topP = 1 } = options ?? {};
  if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0) {
    throw new InvalidArgumentError('temperature', temperature, 'must be a finite number >= 0 (0 = greedy)');
  }
  if (typeof topK !== 'number' || !Number.isSafeInteger(topK) || topK < 0 || (vocabSize !== undefined && topK > vocabSize)) {
    throw new InvalidArgumentError('topK', topK, `must be an integer in [0, ${vocabSize ?? 'vocabSize'}] (0 = off)`);
  }
  if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) {
    throw new InvalidArgumentError('topP', topP, 'must be in (0, 1] (1 = off)');
  }
  return { temperature, topK, topP };
}

/** Probabilities `[B, V]` to draw the next token from, given logits `[B, V]`. */
export function samplingDistribution(logits: tf.Tensor, options: SamplingOptions = {}): tf.Tensor2D {
  if (!(logits instanceof tf.Tensor) || logits.rank !== 2) throw new InvalidArgumentError('logits', logits, 'must be a tensor [batch, vocabSize]');
  const vocabSize = logits.shape[1] as number;
  const { temperature, topK, topP } = checkSamplingOptions(options, vocabSize);
  return tf.tidy(() => {
    const x = tf.cast(logits, 'float32');
    if (temperature === 0) return tf.cast(tf.oneHot(tf.argMax(x, -1), vocabSize), 'float32') as tf.Tensor2D;
    let scaled = tf.div(x, temperature);
    const blocked = tf.fill(scaled.shape, -Infinity);
    if (topK > 0 && topK < vocabSize) {
      const kth = tf.slice(tf.topk(scaled, topK).values, [0, topK - 1], [-1, 1]);
      scaled = tf.where(tf.less(scaled, kth), blocked, scaled);
    }
    let probs = tf.softmax(scaled);
    if (topP < 1) {
      // Sorted descending, a token is kept while the mass before it is below p; the last kept
      // probability is the threshold (ties with it are kept).
      const sorted = tf.topk(probs, vocabSize).values;
      const before = tf.cumsum(sorted, 1, true);
      // The first token always counts (the mass before it is 0 < p).
      const threshold = tf.min(tf.where(tf.less(before, topP), sorted, tf.onesLike(sorted)), 1, true);
      probs = tf.where(tf.less(probs, threshold), tf.zerosLike(probs), probs);
      probs = tf.div(probs, tf.sum(probs, 1, true));
    }
    return probs as tf.Tensor2D;
  });
}

/**
 * Inverse-CDF draws: token b is the first index whose cumulative probability exceeds
 * `uniforms[b] · Σ probs[b]` (`uniforms` in [0, 1), shape `[B]`), so a token of probability 0
 * is never drawn. Returns int32 `[B]`; stays on the device.
 */
export function sampleFromDistribution(probs: tf.Tensor, uniforms: tf.Tensor): tf.Tensor1D {
  if (!(probs instanceof tf.Tensor) || probs.rank !== 2) throw new InvalidArgumentError('probs', probs, 'must be a tensor [batch, vocabSize]');
  const [batch, vocabSize] = probs.shape as [number, number];
  if (!(uniforms instanceof tf.Tensor) || !tf.util.arraysEqual(uniforms.shape, [batch])) {
    throw new InvalidArgumentError('uniforms', uniforms, `must be a tensor [${batch}] of draws in [0, 1)`);
  }
  return tf.tidy(() => {
    const cdf = tf.cumsum(probs, 1);
    const total = tf.slice(cdf, [0, vocabSize - 1], [-1, 1]);
    const target = tf.mul(tf.reshape(uniforms, [batch, 1]), total);
    const below = tf.sum(tf.cast(tf.lessEqual(cdf, target), 'int32'), 1);
    return tf.minimum(below, tf.scalar(vocabSize - 1, 'int32')) as tf.Tensor1D;
  });
}
