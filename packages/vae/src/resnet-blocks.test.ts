import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { AutoencoderKL, vaeLoss } from '@gen/vae';
import { upsampleNearest } from './resnet-blocks';

describeWithBackends('@gen/vae upsampleNearest', () => {
  it('repeats each pixel in a 2×2 block; its gradient sums each block of the upstream gradient', async () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    const up = upsampleNearest(x);
    expect(up.shape).toEqual([1, 4, 4, 2]);
    const values = await up.data();
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) for (let c = 0; c < 2; c++) {
      expect(values[(i * 4 + j) * 2 + c]).toBe((Math.floor(i / 2) * 2 + Math.floor(j / 2)) * 2 + c + 1);
    }
    // d/dx Σ w ⊙ up(x) = the sum of w over each pixel's 2×2 block.
    const w = tf.tensor4d(Array.from({ length: 32 }, (_, k) => k * 0.5 - 3), [1, 4, 4, 2]);
    const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(upsampleNearest(input), w)))(x);
    const wv = await w.data();
    const expected = new Float32Array(8);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) for (let c = 0; c < 2; c++) expected[((i >> 1) * 2 + (j >> 1)) * 2 + c] += wv[(i * 4 + j) * 2 + c];
    await expectTensorsClose(grad, tf.tensor4d(expected, [1, 2, 2, 2]), { atol: 1e-5 });
    tf.dispose([x, up, w, grad]);
  });
});

// A whole autoencoder's backward pass is too slow for the software GPU of the browser leg.
describeWithBackends(
  '@gen/vae AutoencoderKL training',
  () => {
    it('an AutoencoderKL (which upsamples in its decoder) has gradients for its loss', () => {
      const model = new AutoencoderKL({ height: 8, width: 8, blockChannels: [8, 8], normGroups: 4, latentChannels: 2, generator: new Generator(1) });
      const x = tf.clipByValue(new Generator(3).normal([2, 8, 8, 1]), -1, 1);
      const { value, grads } = tf.variableGrads(() => vaeLoss(model, x, { generator: new Generator(2) }).loss as tf.Scalar, model.trainableVariables());
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      expect(Object.keys(grads).length).toBe(model.trainableVariables().length);
      tf.dispose([x, value, ...Object.values(grads)]);
      model.dispose();
    });
  },
  { skip: ['webgl'] },
);
