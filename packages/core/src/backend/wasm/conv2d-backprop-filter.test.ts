import * as tf from '@tensorflow/tfjs-core';
import { expectWasmMatchesCpu, prepareBackends, runKernel, wasmDataIds } from './wasm-vs-cpu';

type Pad = 'same' | 'valid' | number | number[][];
interface Case { x: number[]; f: [number, number]; co: number; strides: number | [number, number]; pad: Pad; round?: 'floor' | 'round' | 'ceil'; nchw?: boolean }

const cases: Case[] = [
  { x: [2, 8, 8, 3], f: [3, 3], co: 4, strides: 1, pad: 'same' },
  { x: [2, 8, 8, 3], f: [3, 3], co: 4, strides: 1, pad: 'valid' },
  { x: [2, 9, 9, 3], f: [3, 3], co: 4, strides: 2, pad: 'valid' },
  { x: [2, 9, 9, 3], f: [3, 3], co: 4, strides: 2, pad: 'same' },
  { x: [3, 10, 7, 2], f: [5, 5], co: 3, strides: 2, pad: 'same' },
  { x: [2, 11, 11, 2], f: [4, 2], co: 3, strides: [3, 2], pad: 'valid' },
  { x: [2, 11, 9, 2], f: [4, 3], co: 3, strides: [2, 3], pad: 'same' },
  { x: [1, 6, 6, 5], f: [1, 1], co: 7, strides: 1, pad: 'valid' },
  { x: [4, 7, 7, 1], f: [5, 5], co: 6, strides: 2, pad: 'same' },
  { x: [2, 8, 8, 3], f: [3, 3], co: 2, strides: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [2, 9, 8, 3], f: [3, 3], co: 2, strides: 2, pad: [[0, 0], [0, 3], [1, 1], [0, 0]] },
  { x: [2, 9, 9, 2], f: [3, 3], co: 2, strides: 2, pad: 1, round: 'floor' },
  { x: [2, 8, 8, 2], f: [3, 3], co: 2, strides: 2, pad: 1, round: 'ceil' },
  { x: [2, 8, 8, 2], f: [2, 2], co: 2, strides: 3, pad: 0, round: 'round' },
  { x: [2, 3, 8, 8], f: [3, 3], co: 4, strides: 2, pad: 'same', nchw: true },
  { x: [2, 2, 9, 7], f: [3, 2], co: 3, strides: [2, 1], pad: 'valid', nchw: true },
];

describe('wasm Conv2DBackpropFilter', () => {
  beforeAll(prepareBackends);

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('matches cpu: %s', async (_, c) => {
    const ci = c.nchw ? c.x[1] : c.x[3];
    const filterShape = [c.f[0], c.f[1], ci, c.co] as [number, number, number, number];
    const dataFormat = c.nchw ? 'NCHW' : 'NHWC';
    const info = tf.backend_util.computeConv2DInfo(
      c.x as [number, number, number, number], filterShape, c.strides, 1, c.pad as never, c.round, false,
      c.nchw ? 'channelsFirst' : 'channelsLast',
    );
    const attrs = { strides: c.strides, pad: c.pad, dataFormat, dimRoundingMode: c.round, filterShape };
    await expectWasmMatchesCpu([{ shape: c.x }, { shape: info.outShape }], (x, dy) => runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs));
  });

  it('is the gradient tf.grad uses for conv2d, and frees its intermediates', async () => {
    await expectWasmMatchesCpu([{ shape: [3, 12, 12, 4] }, { shape: [5, 5, 4, 6] }], (x, w) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))))([x, w]),
    );
    await tf.setBackend('wasm');
    const x = tf.ones([2, 9, 9, 3]);
    const dy = tf.ones([2, 5, 5, 4]);
    const run = () => runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] }).dispose();
    run();
    const before = [tf.memory().numTensors, wasmDataIds()];
    for (let i = 0; i < 3; i++) run();
    expect([tf.memory().numTensors, wasmDataIds()]).toEqual(before);
    tf.dispose([x, dy]);
  });
});
