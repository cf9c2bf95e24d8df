import * as tf from '@tensorflow/tfjs-core';
import { nn } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';

describeWithBackends('nn.stopGradient', () => {
  it('is the identity forward and blocks the gradient: d/dx [x² + stopGradient(x²)] = 2x', async () => {
    const x = tf.tensor1d([1.5, -2, 0.25]);
    const value = tf.tidy(() => tf.add(tf.square(x), nn.stopGradient(tf.square(x))));
    await expectTensorsClose(value, tf.tensor1d([4.5, 8, 0.125]));
    const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.add(tf.square(v), nn.stopGradient(tf.square(v)))))(x);
    await expectTensorsClose(grad, tf.tensor1d([3, -4, 0.5]));
    tf.dispose([x, value, grad]);
  });
});
