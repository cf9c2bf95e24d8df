import * as tf from '@tensorflow/tfjs-core';
import { clipGradNorm, InvalidArgumentError } from '@gen/core';
import { backendTolerance, describeWithBackends, expectTensorsClose } from '@gen/core/testing';

describeWithBackends('clipGradNorm', ({ backend }) => {
  const atol = backendTolerance(backend);
  // ‖(3, 4)‖² + ‖(12)‖² = 169, so the global norm is 13.
  const grads = () => ({ a: tf.tensor1d([3, 4]), b: tf.tensor2d([[12]]) });

  it('returns the global L2 norm and scales every gradient by maxNorm/(‖g‖+1e-6)', async () => {
    const { grads: clipped, norm } = clipGradNorm(grads(), 6.5);
    await expectTensorsClose(norm, [13], { atol });
    const scale = 6.5 / (13 + 1e-6);
    await expectTensorsClose(clipped.a, [3 * scale, 4 * scale], { atol });
    await expectTensorsClose(clipped.b, tf.tensor2d([[12 * scale]]), { atol });
    const total = tf.sqrt(tf.addN([tf.sum(tf.square(clipped.a)), tf.sum(tf.square(clipped.b))]));
    await expectTensorsClose(total, [6.5], { atol });
  });

  it('leaves gradients whose norm is below maxNorm unchanged (as new tensors)', async () => {
    const input = grads();
    const { grads: clipped, norm } = clipGradNorm(input, 100);
    expect(clipped.a).not.toBe(input.a);
    await expectTensorsClose(clipped.a, [3, 4], { atol });
    await expectTensorsClose(clipped.b, tf.tensor2d([[12]]), { atol });
    await expectTensorsClose(norm, [13], { atol });
    expect(input.a.isDisposed).toBe(false);
  });

  it('creates only its outputs', () => {
    const input = grads();
    const before = tf.memory().numTensors;
    const result = clipGradNorm(input, 1);
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([result.grads.a, result.grads.b, result.norm]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a non-positive maxNorm', () => {
    expect(() => clipGradNorm(grads(), 0)).toThrow(new InvalidArgumentError('maxNorm', 0, 'must be a finite number > 0'));
    expect(() => clipGradNorm(grads(), 0)).toThrow(/^maxNorm \(0\) must be a finite number > 0$/);
  });
});
