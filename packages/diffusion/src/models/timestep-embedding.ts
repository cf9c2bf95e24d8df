// Sinusoidal timestep embedding of "Attention Is All You Need" (Vaswani et al. 2017, §3.5) as
// DDPM uses it (Ho et al. 2020, appendix B), with diffusers' `get_timestep_embedding` options.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gen/core';

/** Options of {@link timestepEmbedding}. */
export interface TimestepEmbeddingOptions {
  /** Longest period 1/ω_min of the frequencies (default 10000). */
  maxPeriod?: number;
  /** Put the cosines first: [cos, sin] (default true, as diffusers' UNet2DModel). */
  flipSinToCos?: boolean;
  /** s in ω_i = maxPeriod^(−i / (half − s)) (default 0; the original DDPM code uses 1). */
  downscaleFreqShift?: number;
}

/**
 * `[N]` timesteps → `[N, dim]`: with half = ⌊dim/2⌋ and ω_i = maxPeriod^(−i/(half − s)),
 * i = 0 … half−1, the row of timestep t is [cos(t·ω), sin(t·ω)] (or [sin, cos] when
 * `flipSinToCos` is false), zero-padded by one column when `dim` is odd.
 */
export function timestepEmbedding(timesteps: tf.Tensor, dim: number, options: TimestepEmbeddingOptions = {}): tf.Tensor2D {
  const { maxPeriod = 10000, flipSinToCos = true, downscaleFreqShift = 0 } = options;
  if (!(timesteps instanceof tf.Tensor) || timesteps.rank !== 1) {
    throw new InvalidArgumentError('timesteps', timesteps, 'must be a 1-D tensor [batch]');
  }
  if (!Number.isInteger(dim) || dim < 2) throw new InvalidArgumentError('dim', dim, 'must be an integer >= 2');
  const half = Math.floor(dim / 2);
  if (!(half - downscaleFreqShift > 0)) {
    throw new InvalidArgumentError('downscaleFreqShift', downscaleFreqShift, `must be less than dim / 2 (${half})`);
  }
  // ω_i in float64, uploaded once: the same frequencies on every backend.
  const frequencies = new Float32Array(half);
  for (let i = 0; i < half; i++) frequencies[i] = Math.exp((-Math.log(maxPeriod) * i) / (half - downscaleFreqShift));
  return tf.tidy(() => {
    const args = tf.mul(tf.reshape(tf.cast(timesteps, 'float32'), [-1, 1]), tf.tensor2d(frequencies, [1, half]));
    const parts = flipSinToCos ? [tf.cos(args), tf.sin(args)] : [tf.sin(args), tf.cos(args)];
    let embedding = tf.concat(parts, 1);
    if (dim % 2 === 1) embedding = tf.pad(embedding, [[0, 0], [0, 1]]);
    return embedding as tf.Tensor2D;
  });
}
