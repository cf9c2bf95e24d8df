// Test and benchmark support: a DCGAN-like pair written with raw tfjs ops (MNIST-sized).
// Generator: dense 100→7·7·64, two 5×5 stride-2 transposed convs 64→32→1 (28×28×1), tanh.
// Critic: two 5×5 stride-2 convs 1→64→128, dense 7·7·128→1. LeakyReLU(0.2) throughout.
import * as tf from '@tensorflow/tfjs-core';

export const GENERATOR_SHAPES = [[100, 3136], [3136], [5, 5, 32, 64], [32], [5, 5, 1, 32], [1]];
export const CRITIC_SHAPES = [[5, 5, 1, 64], [64], [5, 5, 64, 128], [128], [6272, 1], [1]];
export const LATENT = 100;

export function generate(z: tf.Tensor, g: tf.Tensor[]): tf.Tensor4D {
  const [w0, b0, w1, b1, w2, b2] = g;
  const batch = z.shape[0];
  const h0 = tf.leakyRelu(tf.add(tf.matMul(z as tf.Tensor2D, w0 as tf.Tensor2D), b0), 0.2);
  const h1 = tf.conv2dTranspose(tf.reshape(h0, [batch, 7, 7, 64]) as tf.Tensor4D, w1 as tf.Tensor4D, [batch, 14, 14, 32], 2, 'same');
  const a1 = tf.leakyRelu(tf.add(h1, b1), 0.2) as tf.Tensor4D;
  const h2 = tf.conv2dTranspose(a1, w2 as tf.Tensor4D, [batch, 28, 28, 1], 2, 'same');
  return tf.tanh(tf.add(h2, b2)) as tf.Tensor4D;
}

export function criticScore(x: tf.Tensor, d: tf.Tensor[]): tf.Tensor {
  const [w1, b1, w2, b2, w3, b3] = d;
  const batch = x.shape[0];
  const h1 = tf.leakyRelu(tf.add(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same'), b1), 0.2) as tf.Tensor4D;
  const h2 = tf.leakyRelu(tf.add(tf.conv2d(h1, w2 as tf.Tensor4D, 2, 'same'), b2), 0.2);
  return tf.add(tf.matMul(tf.reshape(h2, [batch, 6272]) as tf.Tensor2D, w3 as tf.Tensor2D), b3);
}

/**
 * Non-saturating GAN losses: critic softplus(−D(real)) + softplus(D(G(z))), scoring real and
 * fake images in one batch; generator softplus(−D(G(z))).
 */
export function criticLoss(real: tf.Tensor, z: tf.Tensor, g: tf.Tensor[], d: tf.Tensor[]): tf.Scalar {
  const n = real.shape[0];
  const scores = criticScore(tf.concat([real, generate(z, g)], 0), d);
  const [onReal, onFake] = tf.split(scores, [n, scores.shape[0] - n], 0);
  return tf.add(tf.mean(tf.softplus(tf.neg(onReal))), tf.mean(tf.softplus(onFake)));
}

export function generatorLoss(z: tf.Tensor, g: tf.Tensor[], d: tf.Tensor[]): tf.Scalar {
  return tf.mean(tf.softplus(tf.neg(criticScore(generate(z, g), d))));
}

/** Gradients of one critic update (w.r.t. the critic) and one generator update (w.r.t. the generator). */
export function dcganGradients(real: tf.Tensor, z: tf.Tensor, g: tf.Tensor[], d: tf.Tensor[]): tf.Tensor[] {
  const dGrads = tf.grads((...ps: tf.Tensor[]) => criticLoss(real, z, g, ps))(d);
  const gGrads = tf.grads((...ps: tf.Tensor[]) => generatorLoss(z, ps, d))(g);
  return [...dGrads, ...gGrads];
}
