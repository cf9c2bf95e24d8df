// A weightless stand-in for a text encoder, built from an `encodeText` recipe in every thread
// (train-diffusion.text-parallel.test.ts): token k of image i is the one-hot of its dataset label
// (read from the training set the factory gets) plus σ·ε, with ε drawn for the whole batch from
// the step's text generator, as captions are drawn for the whole batch.
import * as tf from '@tensorflow/tfjs-core';
import type { JsonValue } from '@gen/core';
import type { TextEncoderContext, TextEncoderHook } from '../parallel-hook';
import type { TextBatch } from '../train-diffusion';

export function createLabelTextEncoder(options: JsonValue, { dataset }: TextEncoderContext): TextEncoderHook {
  const { width, tokens, sigma, rows } = options as { width: number; tokens: number; sigma: number; rows: boolean };
  const states = ({ indices, generator }: TextBatch, start: number, end: number) =>
    tf.tidy(() => {
      const noise = generator.normal([indices.length, tokens, width]);
      const labels = tf.tensor1d(Array.from(indices.subarray(start, end), (index) => dataset.labels[index]), 'int32');
      const oneHot = tf.tile(tf.reshape(tf.oneHot(labels, width), [end - start, 1, width]), [1, tokens, 1]);
      return tf.add(oneHot, tf.mul(tf.slice(noise, [start, 0, 0], [end - start, -1, -1]), sigma)) as tf.Tensor3D;
    });
  const hook: TextEncoderHook = {
    encode: (batch) => ({ encoderHiddenStates: states(batch, 0, batch.indices.length), encoderMask: tf.ones([batch.indices.length, tokens]) }),
    dispose: () => undefined,
  };
  if (rows) hook.encodeRows = (batch, { start, end }) => ({ encoderHiddenStates: states(batch, start, end), encoderMask: tf.ones([end - start, tokens]) });
  return hook;
}
