import * as tf from '@tensorflow/tfjs-core';
import { expectWasmMatchesCpu, prepareBackends, relativeExcess, runKernel, runOn, wasmDataIds } from './wasm-vs-cpu';

type Pad = 'same' | 'valid' | number | number[][];
interface Case { x: number[]; f: [number, number]; mult: number; strides: number | [number, number]; dilations?: number | [number, number]; pad: Pad; round?: 'floor' | 'round' | 'ceil' }

const cases: Case[] = [
  { x: [2, 8, 8, 3], f: [3, 3], mult: 1, strides: 1, pad: 'same' },
  { x: [2, 8, 8, 3], f: [3, 3], mult: 2, strides: 1, pad: 'valid' },
  { x: [2, 9, 9, 3], f: [3, 3], mult: 1, strides: 2, pad: 'valid' },
  { x: [2, 9, 9, 2], f: [3, 3], mult: 3, strides: 2, pad: 'same' },
  { x: [3, 10, 7, 2], f: [5, 5], mult: 2, strides: 2, pad: 'same' },
  { x: [2, 11, 11, 2], f: [4, 2], mult: 1, strides: [3, 2], pad: 'valid' },
  { x: [2, 11, 9, 4], f: [4, 3], mult: 1, strides: [2, 3], pad: 'same' },
  { x: [1, 6, 6, 5], f: [1, 1], mult: 2, strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], f: [3, 3], mult: 1, strides: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [2, 9, 8, 3], f: [3, 3], mult: 2, strides: 2, pad: [[0, 0], [0, 3], [1, 1], [0, 0]] },
  { x: [2, 9, 9, 2], f: [3, 3], mult: 1, strides: 2, pad: 1, round: 'floor' },
  { x: [2, 8, 8, 2], f: [3, 3], mult: 2, strides: 2, pad: 1, round: 'ceil' },
  { x: [1, 8, 8, 2], f: [2, 2], mult: 1, strides: 3, pad: 0, round: 'round' },
];

// cpu's depthwise backprop kernels ignore dilations (tf.grad refuses them), so dilated cases are
// checked against the exact adjoint of cpu's forward depthwiseConv2d, built from unit vectors.
const dilated: Case[] = [
  { x: [1, 7, 7, 2], f: [3, 3], mult: 2, strides: 1, dilations: 2, pad: 'same' },
  { x: [2, 8, 9, 2], f: [2, 3], mult: 1, strides: 1, dilations: [2, 3], pad: 'valid' },
  { x: [1, 8, 6, 2], f: [2, 3], mult: 1, strides: 1, dilations: [2, 3], pad: 'valid' }, // empty output
  { x: [1, 6, 6, 1], f: [2, 2], mult: 2, strides: 1, dilations: 3, pad: [[0, 0], [1, 2], [2, 1], [0, 0]] },
];

function attrsOf(c: Case) {
  return { strides: c.strides, dilations: c.dilations ?? 1, pad: c.pad, dimRoundingMode: c.round };
}
function infoOf(c: Case) {
  return tf.backend_util.computeConv2DInfo(c.x as [number, number, number, number], [c.f[0], c.f[1], c.x[3], c.mult], c.strides, c.dilations ?? 1, c.pad as never, c.round, true);
}

describe('wasm depthwise conv backprop kernels', () => {
  beforeAll(prepareBackends);

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('DepthwiseConv2dNativeBackprop{Filter,Input} match cpu: %s', async (_, c) => {
    const filterShape = [c.f[0], c.f[1], c.x[3], c.mult];
    const dyShape = infoOf(c).outShape;
    await expectWasmMatchesCpu([{ shape: c.x }, { shape: dyShape }, { shape: filterShape }], (x, dy, filter) => [
      runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...attrsOf(c), filterShape }),
      runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter }, { ...attrsOf(c), inputShape: c.x }),
    ]);
  });

  it.each(dilated.map((c) => [JSON.stringify(c), c] as const))('honour dilations (adjoint of the forward op): %s', async (_, c) => {
    const filterShape = [c.f[0], c.f[1], c.x[3], c.mult];
    const dyShape = infoOf(c).outShape;
    const xSize = tf.util.sizeFromShape(c.x);
    const fSize = tf.util.sizeFromShape(filterShape);
    const specs = [{ shape: c.x }, { shape: dyShape }, { shape: filterShape }];
    const forward = (x: tf.Tensor, w: tf.Tensor) =>
      tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad as never, 'NHWC', c.dilations, c.round);
    // dx[j] = <forward(e_j, w), dy>, dW[j] = <forward(x, E_j), dy>
    const expected = await runOn('cpu', specs, (x, dy, w) => {
      const dx = tf.stack(Array.from({ length: xSize }, (_, j) => tf.sum(tf.mul(forward(tf.reshape(tf.oneHot(j, xSize, 1, 0, 'float32'), c.x), w), dy))));
      const dw = tf.stack(Array.from({ length: fSize }, (_, j) => tf.sum(tf.mul(forward(x, tf.reshape(tf.oneHot(j, fSize, 1, 0, 'float32'), filterShape)), dy))));
      return [tf.reshape(dw, filterShape), tf.reshape(dx, c.x)];
    });
    const actual = await runOn('wasm', specs, (x, dy, filter) => [
      runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...attrsOf(c), filterShape }),
      runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter }, { ...attrsOf(c), inputShape: c.x }),
    ]);
    expect(relativeExcess(actual[0], expected[0])).toBeLessThanOrEqual(1);
    expect(relativeExcess(actual[1], expected[1])).toBeLessThanOrEqual(1);
  });

  it('give tf.grad of depthwise and separable convs, and free their intermediates', async () => {
    await expectWasmMatchesCpu([{ shape: [2, 9, 9, 3] }, { shape: [3, 3, 3, 2] }, { shape: [1, 1, 6, 4] }], (x, dw, pw) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor, p: tf.Tensor) =>
        tf.sum(tf.square(tf.separableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, p as tf.Tensor4D, 2, 'same'))),
      )([x, dw, pw]),
    );
    await tf.setBackend('wasm');
    const x = tf.ones([2, 9, 9, 3]);
    const w = tf.ones([3, 3, 3, 2]);
    const run = () => tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, w]));
    run();
    const before = [tf.memory().numTensors, wasmDataIds()];
    for (let i = 0; i < 3; i++) run();
    expect([tf.memory().numTensors, wasmDataIds()]).toEqual(before);
    tf.dispose([x, w]);
  });
});
