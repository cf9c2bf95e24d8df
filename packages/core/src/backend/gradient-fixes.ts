import * as tf from '@tensorflow/tfjs-core';

/**
 * First-order gradients tfjs-core 4.22 gets wrong, replaced once on import of @gen/core.
 * (Second-order fixes for GP / R1 live in losses/second-order-gradients.ts.)
 *
 * - SquaredDifference: tfjs returns dy·2(a−b) without summing over broadcast axes, so
 *   `tf.squaredDifference(x, mean)` with a broadcast `mean` fails under a gradient tape.
 */
export const squaredDifferenceGradConfig: tf.GradConfig = {
  kernelName: tf.SquaredDifference,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved;
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const reduceTo = (grad: tf.Tensor, shape: number[]) => {
      const axes = tf.backend_util.getReductionAxes(shape, outShape);
      return tf.reshape(axes.length > 0 ? tf.sum(grad, axes) : grad, shape);
    };
    const twiceDiff = tf.mul(tf.scalar(2), tf.sub(a, b));
    return {
      a: () => reduceTo(tf.mul(dy as tf.Tensor, twiceDiff), a.shape),
      b: () => reduceTo(tf.neg(tf.mul(dy as tf.Tensor, twiceDiff)), b.shape),
    };
  },
};

const FIXES: tf.GradConfig[] = [squaredDifferenceGradConfig];
let registered = false;

/** Replaces the broken tfjs gradients listed above; idempotent (`force`: again). Returns the kernel names. */
export function registerGradientFixes(options: { force?: boolean } = {}): string[] {
  if (!registered || options.force) {
    registered = true;
    for (const config of FIXES) tf.registerGradient(config);
  }
  return FIXES.map((c) => c.kernelName);
}
