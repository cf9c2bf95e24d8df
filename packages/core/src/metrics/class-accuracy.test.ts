import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, metrics } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';

describeWithBackends('metrics.classAccuracy', () => {
  it('takes the arg-max of logits, or labels, against integer targets', async () => {
    const logits = tf.tensor2d([
      [2, 1, 0],
      [0, 3, 1],
      [1, 0, 5],
      [4, 0, 1],
    ]);
    expect(await metrics.classAccuracy(logits, [0, 1, 2, 2])).toBe(0.75);
    expect(await metrics.classAccuracy(tf.tensor1d([0, 1, 1, 2], 'int32'), tf.tensor1d([0, 1, 2, 2], 'int32'))).toBe(0.75);
    expect(await metrics.classAccuracy(Int32Array.from([3, 3]), [3, 3])).toBe(1);
  });

  it('rejects mismatched lengths and non-integer labels', async () => {
    await expect(metrics.classAccuracy(tf.zeros([3, 2]) as tf.Tensor2D, [0, 1])).rejects.toThrow(
      /^targets length \(2\) must equal the number of predictions \(3\)$/,
    );
    await expect(metrics.classAccuracy([0, 1], [0, 0.5])).rejects.toThrow(new InvalidArgumentError('targets[1]', 0.5, 'must be an integer label'));
  });
});
