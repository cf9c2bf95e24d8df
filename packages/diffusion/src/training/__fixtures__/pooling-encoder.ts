// A weightless stand-in for an autoencoder's encoder, built from an `encodeImages` recipe in
// every thread (train-diffusion.latent-parallel.test.ts): z = avgPool₂(x)·scale + σ·ε, with ε
// drawn for the whole batch from the step's generator, as AutoencoderKL's posterior sample.
import * as tf from '@tensorflow/tfjs-core';
import type { Generator, JsonValue } from '@gen/core';
import type { ImageEncoderHook } from '../parallel-hook';

let built = 0;
/** How many encoders this module built in this thread (the main thread's count in tests). */
export function poolingEncodersBuilt(): number {
  return built;
}

export function createPoolingEncoder(options: JsonValue): ImageEncoderHook {
  const { scale, sigma, rows } = options as { scale: number; sigma: number; rows: boolean };
  built++;
  const posterior = (images: tf.Tensor4D) => tf.mul(tf.avgPool(images, 2, 2, 'valid'), scale) as tf.Tensor4D;
  const hook: ImageEncoderHook = {
    encode: (images: tf.Tensor4D, generator: Generator) =>
      tf.tidy(() => {
        const mean = posterior(images);
        return tf.add(mean, tf.mul(generator.normal(mean.shape), sigma)) as tf.Tensor4D;
      }),
    dispose: () => undefined,
  };
  if (rows) {
    hook.encodeRows = (images, generator, { start, end, batchSize }) =>
      tf.tidy(() => {
        const mean = posterior(images);
        const noise = tf.slice(generator.normal([batchSize, ...mean.shape.slice(1)]), [start, 0, 0, 0], [end - start, -1, -1, -1]);
        return tf.add(mean, tf.mul(noise, sigma)) as tf.Tensor4D;
      });
  }
  return hook;
}
