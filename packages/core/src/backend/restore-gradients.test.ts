// tfjs-layers (and the @tensorflow/tfjs umbrella) import tfjs-core's register_all_gradients,
// which overwrites @gen/core's gradients; restoreGenGradients puts them back. Here the overwrite
// is simulated with tfjs-style configs (the real import is tested in @gen/clip-guidance, which
// depends on tfjs-layers).
import * as tf from '@tensorflow/tfjs-core';
import { genGradientsIntact, initBackend, restoreGenGradients, trainLoop } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';

/** What register_all_gradients does to the kernels we fix: stock-like configs, one of them broken as tfjs 4.22's is. */
function overwriteLikeTfjsLayers(): void {
  // tfjs 4.22's SquaredDifference gradient: no sum over broadcast axes.
  tf.registerGradient({
    kernelName: tf.SquaredDifference,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const twice = tf.mul(tf.scalar(2), tf.sub(a, b));
      return { a: () => tf.mul(dy as tf.Tensor, twice), b: () => tf.mul(dy as tf.Tensor, tf.neg(twice)) };
    },
  });
  tf.registerGradient({ kernelName: tf.Tanh, outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(y))) }) });
  tf.registerGradient({ kernelName: tf.LeakyRelu, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.where(tf.greater(x, 0), dy as tf.Tensor, tf.mul(dy as tf.Tensor, 0.2)) }) });
}

const broadcastGradient = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.squaredDifference(a, b)))([tf.tensor2d([[1, 2], [3, 5]]), tf.tensor1d([1, 1])]);

describeWithBackends('restoreGenGradients', () => {
  it('detects overwritten gradients and registers ours again: the broadcast gradient works afterwards', async () => {
    expect(genGradientsIntact()).toBe(true);
    expect(restoreGenGradients()).toBe(false); // nothing to do
    overwriteLikeTfjsLayers();
    expect(genGradientsIntact()).toBe(false);
    expect(() => broadcastGradient()).toThrow(/gradient of input 'b' has shape '2,2'/);
    expect(restoreGenGradients()).toBe(true);
    expect(genGradientsIntact()).toBe(true);
    const [dx, dm] = broadcastGradient();
    await expectTensorsClose(dx, [0, 2, 4, 8]);
    await expectTensorsClose(dm, [-4, -10]);
  });

  it('initBackend and trainLoop restore them before any work', async () => {
    overwriteLikeTfjsLayers();
    await initBackend({ prefer: tf.getBackend() as never });
    expect(genGradientsIntact()).toBe(true);
    overwriteLikeTfjsLayers();
    await trainLoop({ totalSteps: 0, step: () => ({}) });
    expect(genGradientsIntact()).toBe(true);
  });
});
