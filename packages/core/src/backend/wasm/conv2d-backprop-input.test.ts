import * as tf from '@tensorflow/tfjs-core';
import { axisPhases } from './conv2d-backprop-input';
import { expectWasmMatchesCpu, prepareBackends, runKernel, wasmDataIds } from './wasm-vs-cpu';

type Pad = 'same' | 'valid' | number | number[][];
interface Case { x: number[]; f: [number, number]; co: number; strides: number | [number, number]; pad: Pad; round?: 'floor' | 'round' | 'ceil'; nchw?: boolean }

const cases: Case[] = [
  { x: [2, 8, 8, 3], f: [3, 3], co: 4, strides: 1, pad: 'same' },
  { x: [2, 8, 8, 3], f: [3, 3], co: 4, strides: 1, pad: 'valid' },
  { x: [2, 9, 9, 3], f: [3, 3], co: 4, strides: 2, pad: 'valid' },
  { x: [2, 10, 10, 3], f: [3, 3], co: 4, strides: 2, pad: 'valid' },
  { x: [2, 9, 9, 3], f: [3, 3], co: 4, strides: 2, pad: 'same' },
  { x: [2, 14, 14, 4], f: [5, 5], co: 3, strides: 2, pad: 'same' },
  { x: [2, 28, 28, 1], f: [5, 5], co: 3, strides: 2, pad: 'same' },
  { x: [3, 10, 7, 2], f: [5, 5], co: 3, strides: 2, pad: 'same' },
  { x: [2, 11, 11, 2], f: [4, 2], co: 3, strides: [3, 2], pad: 'valid' },
  { x: [2, 11, 9, 2], f: [4, 3], co: 3, strides: [2, 3], pad: 'same' },
  { x: [2, 12, 12, 2], f: [2, 2], co: 3, strides: 2, pad: 'valid' },
  { x: [2, 13, 13, 2], f: [3, 3], co: 3, strides: 4, pad: 'same' },
  { x: [1, 6, 6, 5], f: [1, 1], co: 7, strides: 1, pad: 'valid' },
  { x: [1, 7, 7, 5], f: [1, 1], co: 7, strides: 2, pad: 'valid' },
  { x: [2, 8, 8, 3], f: [3, 3], co: 2, strides: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [2, 8, 8, 3], f: [3, 3], co: 2, strides: 1, pad: [[0, 0], [4, 0], [0, 5], [0, 0]] },
  { x: [2, 9, 8, 3], f: [3, 3], co: 2, strides: 2, pad: [[0, 0], [0, 3], [1, 1], [0, 0]] },
  { x: [2, 9, 8, 3], f: [3, 3], co: 2, strides: 2, pad: [[0, 0], [5, 2], [3, 4], [0, 0]] },
  { x: [2, 9, 9, 2], f: [3, 3], co: 2, strides: 2, pad: 1, round: 'floor' },
  { x: [2, 8, 8, 2], f: [3, 3], co: 2, strides: 2, pad: 1, round: 'ceil' },
  { x: [2, 8, 8, 2], f: [2, 2], co: 2, strides: 3, pad: 0, round: 'round' },
  { x: [2, 3, 8, 8], f: [3, 3], co: 4, strides: 2, pad: 'same', nchw: true },
  { x: [2, 2, 9, 7], f: [3, 2], co: 3, strides: [2, 1], pad: 'valid', nchw: true },
];

describe('wasm Conv2DBackpropInput (sub-pixel replacement)', () => {
  beforeAll(prepareBackends);

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('matches cpu: %s', async (_, c) => {
    const ci = c.nchw ? c.x[1] : c.x[3];
    const filterShape = [c.f[0], c.f[1], ci, c.co] as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      c.x as [number, number, number, number], filterShape, c.strides, 1, c.pad as never, c.round, false,
      c.nchw ? 'channelsFirst' : 'channelsLast',
    );
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: c.nchw ? 'NCHW' : 'NHWC', dimRoundingMode: c.round, inputShape: c.x };
    await expectWasmMatchesCpu([{ shape: info.outShape }, { shape: filterShape }], (dy, filter) =>
      runKernel(tf.Conv2DBackpropInput, { dy, filter }, attrs),
    );
  });

  it('gives conv2dTranspose and its gradients, and frees its intermediates', async () => {
    await expectWasmMatchesCpu([{ shape: [2, 7, 7, 6] }, { shape: [5, 5, 3, 6] }], (x, w) => {
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 14, 14, 3], 2, 'same');
      return [f(x, w), ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(f(a, b))))([x, w])];
    });
    await tf.setBackend('wasm');
    const dy = tf.ones([2, 5, 5, 4]);
    const filter = tf.ones([3, 3, 3, 4]);
    const run = () => runKernel(tf.Conv2DBackpropInput, { dy, filter }, { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 9, 9, 3] }).dispose();
    run();
    const before = [tf.memory().numTensors, wasmDataIds()];
    for (let i = 0; i < 3; i++) run();
    expect([tf.memory().numTensors, wasmDataIds()]).toEqual(before);
    tf.dispose([dy, filter]);
  });

  it('splits a 5-tap stride-2 axis into 3 + 2 taps, each phase computing only its own rows', () => {
    // 14 rows from 7, 'same' (pad before 1): odd rows take W[0,2,4], even rows W[1,3]
    expect(axisPhases(14, 7, 5, 2, 1)).toEqual([
      { phase: 0, first: 1, count: 7, taps: 3, cropTop: 0, keep: 7, padTop: 1, padBottom: 1 },
      { phase: 1, first: 0, count: 7, taps: 2, cropTop: 0, keep: 7, padTop: 1, padBottom: 0 },
    ]);
  });
});
