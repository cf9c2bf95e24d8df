import * as tf from '@tensorflow/tfjs-core';
import { isUntransposedMatMul } from './batch-mat-mul';
import { expectWasmMatchesCpu, prepareBackends, wasmDataIds } from './wasm-vs-cpu';

describe('wasm BatchMatMul / _FusedMatMul with transposed operands', () => {
  beforeAll(prepareBackends);

  it('wraps both wasm kernels once', () => {
    expect(isUntransposedMatMul(tf.getKernel(tf.BatchMatMul, 'wasm'))).toBe(true);
    expect(isUntransposedMatMul(tf.getKernel(tf._FusedMatMul, 'wasm'))).toBe(true);
  });

  it.each([
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[1, 7], [3, 7], false, true],
    [[7, 1], [7, 3], true, false],
    [[2, 6, 4], [2, 6, 5], true, false],
    [[2, 3, 4, 6], [1, 5, 6], false, true],
    [[3, 4, 6], [6, 5], false, false],
  ] as const)('matMul %j × %j (transposeA %s, transposeB %s) matches cpu', async (aShape, bShape, ta, tb) => {
    await expectWasmMatchesCpu([{ shape: [...aShape] }, { shape: [...bShape] }], (a, b) => tf.matMul(a, b, ta, tb));
  });

  it.each([
    ['relu', false, true],
    ['elu', true, false],
    ['leakyrelu', true, true],
    ['prelu', false, true],
    ['sigmoid', false, false],
  ] as const)('fused matMul with bias and %s (transposeA %s, transposeB %s) and its gradients match cpu', async (activation, ta, tb) => {
    const aShape = ta ? [6, 4] : [4, 6];
    const bShape = tb ? [5, 6] : [6, 5];
    await expectWasmMatchesCpu([{ shape: aShape }, { shape: bShape }, { shape: [5] }, { shape: [5] }], (a, b, bias, alpha) => {
      const f = (x: tf.Tensor, w: tf.Tensor, c: tf.Tensor) =>
        tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, transposeA: ta, transposeB: tb, bias: c, activation, preluActivationWeights: activation === 'prelu' ? alpha : undefined, leakyreluAlpha: 0.2 });
      const grads = tf.grads((x: tf.Tensor, w: tf.Tensor, c: tf.Tensor) => tf.sum(tf.square(f(x, w, c))))([a, b, bias]);
      return [f(a, b, bias), ...grads];
    });
  });

  it('gives dense-layer gradients and frees its intermediates', async () => {
    await expectWasmMatchesCpu([{ shape: [8, 20] }, { shape: [20, 30] }], (x, w) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, b))))([x, w]),
    );
    await tf.setBackend('wasm');
    const a = tf.ones([6, 4]);
    const b = tf.ones([5, 6]);
    const run = () => tf.matMul(a, b, true, true).dispose();
    run();
    const before = [tf.memory().numTensors, wasmDataIds()];
    for (let i = 0; i < 3; i++) run();
    expect([tf.memory().numTensors, wasmDataIds()]).toEqual(before);
    tf.dispose([a, b]);
  });

  it('survives one weights buffer seen under two shapes (tfjs wasm caches XNNPACK operators per buffer)', async () => {
    await tf.setBackend('wasm');
    const b = tf.ones([1, 32]);
    const first = tf.matMul(tf.ones([1, 1]), b);
    // Both of these reach wasm with b's buffer under the shape [32, 1]: stock tfjs aborts here.
    const transposed = tf.matMul(tf.ones([1, 32]), b, false, true);
    const reshaped = tf.matMul(tf.ones([1, 32]), tf.reshape(b, [32, 1]));
    expect(Array.from(await first.data())).toEqual(new Array(32).fill(1));
    expect(Array.from(await transposed.data())).toEqual([32]);
    expect(Array.from(await reshaped.data())).toEqual([32]);
    tf.dispose([b, first, transposed, reshaped]);
  });
});
