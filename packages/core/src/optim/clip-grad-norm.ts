import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';

/** Result of {@link clipGradNorm}: new gradient tensors (the caller owns them) and the norm before clipping. */
export interface ClippedGrads<G extends Record<string, tf.Tensor>> {
  grads: G;
  /** Global L2 norm of the gradients before clipping, as a scalar tensor (no read-back). */
  norm: tf.Scalar;
}

/**
 * Scales all gradients together so their global L2 norm is at most `maxNorm`, like
 * `torch.nn.utils.clip_grad_norm_`: with ‖g‖ = √(Σ_i ‖g_i‖²), every g_i is multiplied by
 * min(1, maxNorm / (‖g‖ + 1e-6)). Runs on the device without reading values back; the inputs
 * are not disposed, and the returned tensors are new.
 */
export function clipGradNorm<G extends Record<string, tf.Tensor>>(grads: G, maxNorm: number): ClippedGrads<G> {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    throw new InvalidArgumentError('maxNorm', maxNorm, 'must be a finite number > 0');
  }
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const squares = names.map((name) => tf.sum(tf.square(tf.cast(grads[name], 'float32'))));
    const norm = tf.sqrt(squares.length > 0 ? tf.addN(squares) : tf.scalar(0)) as tf.Scalar;
    const coefficient = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1);
    const clipped: Record<string, tf.Tensor> = {};
    for (const name of names) clipped[name] = tf.mul(grads[name], coefficient);
    return { grads: clipped as G, norm };
  });
}
