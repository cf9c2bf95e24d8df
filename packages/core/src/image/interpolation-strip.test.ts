import * as tf from '@tensorflow/tfjs-core';
import { backendTolerance, describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { interpolateLatents, interpolationStrip } from './interpolation-strip';

describeWithBackends('interpolateLatents', () => {
  it('linear: evenly spaced points from start to end', async () => {
    const points = interpolateLatents(tf.tensor1d([0, 10]), tf.tensor1d([4, 30]), { steps: 5 });
    expect(points.shape).toEqual([5, 2]);
    await expectTensorsClose(points, tf.tensor2d([[0, 10], [1, 15], [2, 20], [3, 25], [4, 30]]));
  });

  it('slerp: stays on the unit circle between orthogonal unit vectors, at equal angles', async () => {
    const points = interpolateLatents(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 1]]), { steps: 4, method: 'slerp' });
    expect(points.shape).toEqual([4, 1, 2]);
    const expected = [0, 1, 2, 3].map((k) => [[Math.cos((k * Math.PI) / 6), Math.sin((k * Math.PI) / 6)]]);
    await expectTensorsClose(points, tf.tensor3d(expected), { atol: 10 * backendTolerance() });
  });

  it('slerp falls back to linear for parallel vectors', async () => {
    const points = interpolateLatents(tf.tensor1d([1, 1]), tf.tensor1d([2, 2]), { steps: 3, method: 'slerp' });
    await expectTensorsClose(points, tf.tensor2d([[1, 1], [1.5, 1.5], [2, 2]]));
  });

  it('rejects bad arguments', () => {
    expect(() => interpolateLatents(tf.zeros([2]), tf.zeros([2]), { steps: 1 })).toThrow('steps (1) must be an integer ≥ 2');
    expect(() => interpolateLatents(tf.zeros([2]), tf.zeros([3]), { steps: 2 })).toThrow(
      'end (Tensor<float32>[3]) must be a tensor of the same shape as start [2]',
    );
  });
});

describeWithBackends('interpolationStrip', () => {
  it('lays out one strip per row, steps per column', () => {
    const strip = tf.zeros([5, 4, 4, 1]) as tf.Tensor4D;
    expect(interpolationStrip(strip, { padding: 1 }).shape).toEqual([1 * 5 + 1, 5 * 5 + 1, 1]);
    expect(interpolationStrip([strip, strip, strip], { padding: 1 }).shape).toEqual([3 * 5 + 1, 5 * 5 + 1, 1]);
  });

  it('rejects strips of different shapes', () => {
    expect(() => interpolationStrip([tf.zeros([5, 4, 4, 1]) as tf.Tensor4D, tf.zeros([4, 4, 4, 1]) as tf.Tensor4D])).toThrow(
      'strips[1] (Tensor<float32>[4, 4, 4, 1]) must have the shape of strips[0] [5,4,4,1]',
    );
  });
});
