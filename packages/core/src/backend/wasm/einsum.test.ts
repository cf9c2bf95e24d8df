import * as tf from '@tensorflow/tfjs-core';
import { expectWasmMatchesCpu, prepareBackends, wasmDataIds } from './wasm-vs-cpu';

describe('wasm Einsum', () => {
  beforeAll(prepareBackends);

  it.each([
    ['ij,jk->ik', [[3, 4], [4, 5]]],
    ['bij,bjk->bik', [[2, 3, 4], [2, 4, 5]]],
    ['ij->ji', [[3, 4]]],
    ['ij->', [[3, 4]]],
    ['i,i->', [[6], [6]]],
    ['i,j->ij', [[3], [4]]],
    ['bhqd,bhkd->bhqk', [[2, 2, 3, 4], [2, 2, 5, 4]]],
    ['bij,bkj->bik', [[2, 3, 4], [2, 5, 4]]],
  ] as const)('matches cpu: %s', async (equation, shapes) => {
    await expectWasmMatchesCpu(shapes.map((s) => ({ shape: [...s] })), (...ts) => tf.einsum(equation, ...ts));
  });

  it('frees its intermediates', async () => {
    await tf.setBackend('wasm');
    const a = tf.ones([2, 3, 4]);
    const b = tf.ones([2, 4, 5]);
    const run = () => tf.einsum('bij,bjk->bik', a, b).dispose();
    run();
    const before = [tf.memory().numTensors, wasmDataIds()];
    for (let i = 0; i < 3; i++) run();
    expect([tf.memory().numTensors, wasmDataIds()]).toEqual(before);
    tf.dispose([a, b]);
  });
});
