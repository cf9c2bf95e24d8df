import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';

/** Names accepted by `activation(name)` and by the `activation` option of Conv2d. */
export const ACTIVATION_NAMES = ['linear', 'relu', 'leakyRelu', 'silu', 'gelu', 'mish', 'tanh', 'sigmoid'] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];
export type ActivationFunction = (x: tf.Tensor) => tf.Tensor;

/** max(x, 0). */
export function relu(x: tf.Tensor): tf.Tensor {
  return tf.relu(x);
}

/** x for x > 0, alpha·x otherwise; alpha defaults to 0.01 (PyTorch; GAN discriminators often use 0.2). */
export function leakyRelu(x: tf.Tensor, alpha = 0.01): tf.Tensor {
  return tf.leakyRelu(x, alpha);
}

/** SiLU / swish: x·σ(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

/** GELU, exact form: x·Φ(x) = ½x(1 + erf(x/√2)) (PyTorch's default, not the tanh approximation). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

/** Mish: x·tanh(softplus(x)) (Misra 2019). */
export function mish(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.tanh(tf.softplus(x))));
}

/** Hyperbolic tangent. */
export function tanh(x: tf.Tensor): tf.Tensor {
  return tf.tanh(x);
}

/** Logistic sigmoid 1 / (1 + e^(−x)). */
export function sigmoid(x: tf.Tensor): tf.Tensor {
  return tf.sigmoid(x);
}

/** The identity (returns a new tensor, as every activation does, so callers may dispose input and output independently). */
export function linear(x: tf.Tensor): tf.Tensor {
  return tf.clone(x);
}

const BY_NAME: Record<ActivationName, ActivationFunction> = {
  linear,
  relu,
  leakyRelu: (x) => leakyRelu(x),
  silu,
  gelu,
  mish,
  tanh,
  sigmoid,
};

/** The activation function called `name`; unknown names throw, listing the known ones. */
export function activation(name: ActivationName): ActivationFunction {
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(BY_NAME, name)) {
    throw new InvalidArgumentError('activation', name, `is not a known activation; use one of ${ACTIVATION_NAMES.join(', ')}`);
  }
  return BY_NAME[name];
}
