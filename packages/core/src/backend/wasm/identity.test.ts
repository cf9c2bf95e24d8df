import * as tf from '@tensorflow/tfjs-core';
import { isAliasing } from './identity';
import { expectWasmMatchesCpu, prepareBackends, wasmDataIds } from './wasm-vs-cpu';

describe('wasm Identity and same-dtype Cast share the input buffer', () => {
  beforeAll(prepareBackends);
  beforeEach(() => tf.setBackend('wasm'));

  it('replaces wasm\'s Identity and Cast once registerWasmTrainingKernels ran', () => {
    expect(isAliasing(tf.getKernel(tf.Identity, 'wasm'))).toBe(true);
    expect(isAliasing(tf.getKernel(tf.Cast, 'wasm'))).toBe(true);
  });

  it('a clone / float32 cast outlives its source, and every buffer is freed once both are disposed', async () => {
    const ids = wasmDataIds();
    const tensors = tf.memory().numTensors;
    const x = tf.tensor2d([1.5, -2, 3, 4.25], [2, 2]);
    const copy = tf.clone(x);
    const cast = tf.cast(x, 'float32');
    expect(wasmDataIds()).toBe(ids + 1); // one buffer, three tensors
    x.dispose();
    expect(Array.from(await copy.data())).toEqual([1.5, -2, 3, 4.25]);
    copy.dispose();
    expect(Array.from(await cast.data())).toEqual([1.5, -2, 3, 4.25]);
    cast.dispose();
    expect(wasmDataIds()).toBe(ids);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('casts to another dtype still convert', async () => {
    const x = tf.tensor1d([1.75, -2.5, 0]);
    const i = tf.cast(x, 'int32');
    expect(i.dtype).toBe('int32');
    expect(Array.from(await i.data())).toEqual([1, -2, 0]);
    const back = tf.cast(i, 'int32');
    expect(Array.from(await back.data())).toEqual([1, -2, 0]);
    tf.dispose([x, i, back]);
  });

  it('gradients that save and cast tensors match cpu and leave no buffer behind', async () => {
    const ids = wasmDataIds();
    await expectWasmMatchesCpu([{ shape: [3, 4, 5] }, { shape: [3, 4, 5] }], (a, b) =>
      tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(tf.mul(p, q)), tf.square(p))))([a, b]),
    );
    expect(wasmDataIds()).toBe(ids);
  });
});
