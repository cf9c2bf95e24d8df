// stopGradient: the identity in the forward pass, a zero gradient in the backward pass
// (TensorFlow's tf.stop_gradient / PyTorch's .detach() inside a differentiated function).
// tfjs-core has no such op; straight-through estimators and target networks need one.
import * as tf from '@tensorflow/tfjs-core';

const stop = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/** `x` unchanged, but no gradient flows through it (d stopGradient(x) / dx = 0). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}
