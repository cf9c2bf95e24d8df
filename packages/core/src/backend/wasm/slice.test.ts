import * as tf from '@tensorflow/tfjs-core';
import { isRankNWrapped } from './slice';
import { expectWasmMatchesCpu, prepareBackends } from './wasm-vs-cpu';

describe('wasm Slice at rank ≥ 5 (contiguous runs)', () => {
  beforeAll(prepareBackends);

  it('replaces wasm\'s Slice and SplitV once registerWasmTrainingKernels ran', () => {
    expect(isRankNWrapped(tf.getKernel(tf.Slice, 'wasm'))).toBe(true);
    expect(isRankNWrapped(tf.getKernel(tf.SplitV, 'wasm'))).toBe(true);
  });

  it.each([
    ['cut innermost axis', [2, 3, 2, 4, 5], [0, 1, 0, 1, 2], [2, 2, 2, 3, 3]],
    ['cut middle axis, trailing axes whole', [3, 4, 2, 5, 6], [1, 0, 1, 0, 0], [2, 4, 1, 5, 6]],
    ['cut only the first axis', [4, 2, 3, 2, 2], [1, 0, 0, 0, 0], [2, 2, 3, 2, 2]],
    ['rank 6, every axis cut', [3, 3, 3, 3, 3, 3], [1, 0, 2, 1, 0, 1], [2, 3, 1, 2, 2, 2]],
    ['size -1 means to the end', [2, 3, 4, 2, 3], [0, 1, 1, 0, 1], [-1, -1, -1, -1, -1]],
  ] as const)('matches cpu: %s', async (_, shape, begin, size) => {
    await expectWasmMatchesCpu([{ shape: [...shape] }], (x) => tf.slice(x, [...begin], [...size]));
  });

  it('int32 values, and the gradient of a rank-5 concat (split) — what nearest-neighbour upsampling needs', async () => {
    await expectWasmMatchesCpu([{ shape: [2, 2, 3, 2, 2], dtype: 'int32', values: Array.from({ length: 48 }, (_, i) => i) }], (x) => tf.slice(x, [1, 0, 1, 1, 0], [1, 2, 2, 1, 2]));
    await expectWasmMatchesCpu([{ shape: [2, 3, 5, 4, 5] }], (x) => tf.split(x, [1, 3, 1], 2));
    await expectWasmMatchesCpu([{ shape: [2, 3, 4, 2, 6] }], (x) => tf.split(x, 3, -1));
    await expectWasmMatchesCpu([{ shape: [2, 3, 1, 4, 5] }, { shape: [2, 3, 2, 4, 5] }], (x, dy) =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.concat([t, t], 2), dy)))(x),
    );
  });
});
