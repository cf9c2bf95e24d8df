import * as tf from '@tensorflow/tfjs-core';
import { registerTfjsGradients, vendoredGradientKernels } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';

describeWithBackends('tfjs gradients registered by @gen/core', () => {
  it('makes tf.grad work for the ops training uses (closed forms)', async () => {
    // d/dx sum(x²) = 2x
    const x = tf.tensor1d([1, -2, 3]);
    await expectTensorsClose(tf.grad((v: tf.Tensor) => tf.sum(tf.square(v)))(x), [2, -4, 6]);
    // d/dx mean(sigmoid(x)) = σ(x)(1-σ(x))/n
    const s = tf.sigmoid(x);
    const expected = tf.div(tf.mul(s, tf.sub(1, s)), 3);
    await expectTensorsClose(tf.grad((v: tf.Tensor) => tf.mean(tf.sigmoid(v)))(x), expected);
    // matmul: d/dA sum(A·B) = 1·Bᵀ
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const b = tf.tensor2d([[5, 6], [7, 8]]);
    await expectTensorsClose(tf.grad((m: tf.Tensor) => tf.sum(tf.matMul(m, b)))(a), [11, 15, 11, 15]);
  });

  it('covers every kernel tfjs-core ships a gradient for, and registering twice adds nothing', () => {
    const kernels = vendoredGradientKernels();
    expect(kernels.length).toBeGreaterThan(100);
    for (const name of ['Sum', 'Conv2D', 'Conv2DBackpropInput', 'BatchMatMul', 'Softmax', 'FusedBatchNorm']) {
      expect(kernels).toContain(name);
      expect(tf.getGradient(name)).toBeDefined();
    }
    expect(registerTfjsGradients()).toBe(0);
  });
});

describeWithBackends('vendored gradients that tfjs writes with chained tensor methods', () => {
  it('differentiates prod (x.reshape inside) against the closed form', async () => {
    // d/dx_i prod(x) = prod(x) / x_i
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    await expectTensorsClose(tf.grad((v: tf.Tensor) => tf.sum(tf.prod(v, 1)))(x), [6, 3, 2, 30, 24, 20], { rtol: 1e-5 });
  });

  it('differentiates gather with batchDims (x.split inside) as a scatter of ones', async () => {
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const indices = tf.tensor2d([[2, 2], [0, 1]], undefined, 'int32');
    const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.gather(v, indices, 1, 1)))(x);
    await expectTensorsClose(grad, [0, 0, 2, 1, 1, 0]);
  });
});
