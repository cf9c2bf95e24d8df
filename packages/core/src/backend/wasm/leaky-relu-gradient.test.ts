import * as tf from '@tensorflow/tfjs-core';
import '@gen/core'; // registers the gradients (this one via registerWasmTrainingKernels)
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { leakyReluGradConfig } from './leaky-relu-gradient';

// Values on both sides of 0 and exactly 0 (where the derivative is taken as α, as tfjs does).
const X = [-2, -0.5, 0, 0.25, 3, -1e-3, 1e-3, 7];
const DY = [1, -2, 3, 0.5, -1, 4, 2, -3];

describeWithBackends('LeakyRelu gradient dy·step(x, α)', () => {
  it('is the registered gradient', () => {
    expect(tf.getGradient(tf.LeakyRelu)?.gradFunc).toBe(leakyReluGradConfig.gradFunc);
  });

  it.each([0.2, 0.01, 0, 1.5])('dx = dy for x > 0 and α·dy otherwise (α = %p)', async (alpha) => {
    const x = tf.tensor1d(X);
    const dy = tf.tensor1d(DY);
    const dx = tf.grad((t: tf.Tensor) => tf.leakyRelu(t, alpha))(x, dy);
    await expectTensorsClose(dx, tf.tensor1d(X.map((v, i) => (v > 0 ? DY[i] : alpha * DY[i]))), { atol: 1e-6 });
  });

  it('second order: d/dw Σ (∂/∂x Σ w·leakyRelu(x))² = 2·w·s² with s = 1 or α', async () => {
    const alpha = 0.2;
    const x = tf.tensor2d(X, [2, 4]);
    const w = tf.tensor2d(DY, [2, 4]);
    const outer = (wv: tf.Tensor) => tf.sum(tf.square(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(wv, tf.leakyRelu(t, alpha))))(x)));
    const dw = tf.grad(outer)(w);
    const s = X.map((v) => (v > 0 ? 1 : alpha));
    await expectTensorsClose(dw, tf.tensor2d(DY.map((v, i) => 2 * v * s[i] * s[i]), [2, 4]), { atol: 1e-5 });
  });

  it('leaks no tensors', async () => {
    const x = tf.tensor1d(X);
    const run = () => tf.dispose(tf.grad((t: tf.Tensor) => tf.sum(tf.leakyRelu(t, 0.2)))(x));
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
  });
});
