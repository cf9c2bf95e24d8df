import * as tf from '@tensorflow/tfjs-core';
import { registerGradientFixes } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';

describeWithBackends('gradient fixes for tfjs-core', () => {
  it('SquaredDifference sums its gradient over broadcast axes (closed form)', async () => {
    expect(registerGradientFixes()).toContain('SquaredDifference');
    // f(x, m) = Σᵢⱼ (xᵢⱼ − mⱼ)²: ∂f/∂x = 2(x − m), ∂f/∂m = −2 Σᵢ (xᵢⱼ − mⱼ)
    const x = tf.tensor2d([[1, 2], [3, 5]]);
    const m = tf.tensor1d([1, 1]);
    const [dx, dm] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.squaredDifference(a, b)))([x, m]);
    await expectTensorsClose(dx, [0, 2, 4, 8]);
    expect(dm.shape).toEqual([2]);
    await expectTensorsClose(dm, [-4, -10]);
  });
});
