import * as tf from '@tensorflow/tfjs-core';
import { expectWasmMatchesCpu, prepareBackends, relativeExcess, runOn, wasmDataIds } from './wasm-vs-cpu';

describe('wasm UnsortedSegmentSum', () => {
  beforeAll(prepareBackends);

  it.each([
    ['1-D ids with duplicates', [6, 4], [6], [0, 2, 2, 1, 0, 2], 4],
    ['rank-1 x', [5], [5], [3, 3, 0, 1, 3], 4],
    ['ids out of range are dropped', [5, 3], [5], [0, -1, 4, 1, 7], 5],
    ['more segments than ids', [3, 2, 2], [3], [1, 1, 6], 8],
  ] as const)('matches cpu: %s', async (_, xShape, idsShape, ids, numSegments) => {
    await expectWasmMatchesCpu([{ shape: [...xShape] }, { shape: [...idsShape], dtype: 'int32', values: ids }], (x, segmentIds) =>
      tf.unsortedSegmentSum(x, segmentIds as tf.Tensor1D, numSegments),
    );
  });

  it('takes ids of any rank (cpu fails there; compared with flattened ids on cpu)', async () => {
    const ids = [1, 0, 1, 2, 2, 0];
    const expected = await runOn('cpu', [{ shape: [6, 5] }, { shape: [6], dtype: 'int32', values: ids }], (x, s) => tf.unsortedSegmentSum(x, s as tf.Tensor1D, 3));
    const actual = await runOn('wasm', [{ shape: [2, 3, 5] }, { shape: [2, 3], dtype: 'int32', values: ids }], (x, s) => tf.unsortedSegmentSum(x, s as tf.Tensor1D, 3));
    expect(actual[0].shape).toEqual([3, 5]);
    expect(relativeExcess(actual[0], expected[0])).toBeLessThanOrEqual(1);
  });

  it('sums int32 values', async () => {
    await expectWasmMatchesCpu([{ shape: [4, 2], dtype: 'int32', values: [1, 2, 3, 4, 5, 6, 7, 8] }, { shape: [4], dtype: 'int32', values: [1, 1, 0, 1] }], (x, ids) =>
      tf.unsortedSegmentSum(x, ids as tf.Tensor1D, 2),
    );
  });

  it('is the gradient of gather (embeddings), and frees its intermediates', async () => {
    await expectWasmMatchesCpu([{ shape: [7, 5] }, { shape: [4, 3], dtype: 'int32', values: [0, 6, 2, 2, 6, 6, 1, 0, 3, 3, 3, 5] }, { shape: [4, 3, 5] }], (table, ids, dy) =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), dy)))(table),
    );
    await expectWasmMatchesCpu([{ shape: [3, 7] }, { shape: [4], dtype: 'int32', values: [6, 0, 6, 2] }], (x, ids) =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, ids, 1))))(x),
    );
    await tf.setBackend('wasm');
    const x = tf.ones([5, 3]);
    const ids = tf.tensor1d([0, -1, 4, 1, 9], 'int32');
    const run = () => tf.unsortedSegmentSum(x, ids, 5).dispose();
    run();
    const before = [tf.memory().numTensors, wasmDataIds()];
    for (let i = 0; i < 3; i++) run();
    expect([tf.memory().numTensors, wasmDataIds()]).toEqual(before);
    tf.dispose([x, ids]);
  });
});
