import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gen/core/testing';
import { nn } from '@gen/core';

// One replica (the gather returns this replica's values): the cross-replica path must be plain
// batch norm, forward, backward and running statistics. Several replicas: parallel/cross-replica-batch-norm.test.ts.
const alone = { allGather: (values: Float64Array) => [values.slice()] };

describeWithBackends('crossReplicaMoments', ({ backend }) => {
  const tolerance = backend === 'webgl' ? 1e-3 : 1e-5;

  it('equals tf.moments and its gradient with one replica', () => {
    const x = tf.randomNormal([6, 3, 2, 4], 0.5, 2, 'float32', 1);
    const weights = tf.randomNormal([2, 4], 0, 1, 'float32', 2);
    const loss = (moments: (x: tf.Tensor) => { mean: tf.Tensor; variance: tf.Tensor }) => (input: tf.Tensor) => {
      const { mean, variance } = moments(input);
      return tf.sum(tf.mul(tf.stack([mean, tf.sqrt(variance)]), weights)) as tf.Scalar;
    };
    const plain = loss((input) => tf.moments(input, [0, 1, 2]));
    const synced = loss((input) => nn.crossReplicaMoments(input, alone));
    const expected = tf.valueAndGrad(plain)(x);
    const actual = tf.valueAndGrad(synced)(x);
    expect(actual.value.dataSync()[0]).toBeCloseTo(expected.value.dataSync()[0], backend === 'webgl' ? 2 : 5);
    const diff = tf.max(tf.abs(tf.sub(actual.grad, expected.grad))).dataSync()[0];
    expect(diff).toBeLessThan(tolerance * tf.max(tf.abs(expected.grad)).dataSync()[0]);
    expect(nn.crossReplicaMoments(x, alone).count).toBe(36);
    tf.dispose([x, weights, expected.value, expected.grad, actual.value, actual.grad]);
  });

  it('makes BatchNorm train alike inside withCrossReplicaBatchNorm (running statistics included), and only there', () => {
    const x = tf.randomNormal([5, 3, 3, 2], 1, 3, 'float32', 3);
    const a = new nn.BatchNorm({ numFeatures: 2 });
    const b = new nn.BatchNorm({ numFeatures: 2 });
    const ya = a.forward(x);
    const yb = nn.withCrossReplicaBatchNorm(b, alone, () => b.forward(x));
    expect(b.crossReplica).toBeNull();
    for (const [p, q] of [[ya, yb], [a.runningMean, b.runningMean], [a.runningVar, b.runningVar]] as Array<[tf.Tensor, tf.Tensor]>) {
      expect(tf.max(tf.abs(tf.sub(p, q))).dataSync()[0]).toBeLessThan(tolerance);
    }
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
  });
});
