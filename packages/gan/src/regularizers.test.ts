import * as tf from '@tensorflow/tfjs-core';
import { Generator, nn } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { diffAugment } from './diff-augment';
import { orthogonalRegularization, orthogonalWeights } from './orthogonal-regularization';

class TwoLayers extends nn.Module {
  readonly a: nn.Linear;
  readonly b: nn.Conv2d;
  constructor() {
    super();
    this.a = this.registerModule('a', new nn.Linear({ inFeatures: 3, outFeatures: 2, generator: new Generator(0) }));
    this.b = this.registerModule('b', new nn.Conv2d({ inChannels: 1, outChannels: 3, kernelSize: 2, generator: new Generator(1) }));
  }
}

/** β Σ_{i≠j} (w_i·w_j)² and its gradient 4β (W Wᵀ ⊙ (1 − I)) W for W given row-major [rows, cols] (rows = filters). */
function closedForm(w: number[][], beta: number): { value: number; grad: number[][] } {
  const rows = w.length;
  const dot = (i: number, j: number) => w[i].reduce((s, x, k) => s + x * w[j][k], 0);
  let value = 0;
  const grad = w.map((row) => row.map(() => 0));
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < rows; j++) {
      if (i === j) continue;
      value += beta * dot(i, j) ** 2;
      for (let k = 0; k < w[i].length; k++) grad[i][k] += 4 * beta * dot(i, j) * w[j][k];
    }
  }
  return { value, grad };
}

describeWithBackends('@gen/gan regularizers', () => {
  it('orthogonal regularization matches its closed form, value and gradient, and is 0 for orthogonal filters', async () => {
    const model = new TwoLayers();
    const beta = 0.5;
    const weights = orthogonalWeights(model);
    expect(weights.map(([name]) => name)).toEqual(['a.weight', 'b.weight']);
    const { value, grads } = tf.variableGrads(() => orthogonalRegularization(model, beta), weights.map(([, v]) => v));
    let expected = 0;
    for (const [, variable, axis] of weights) {
      // Rows = output units: Linear [in, out] and Conv2d [kh, kw, in, out] both have them last.
      expect(axis).toBe(variable.rank - 1);
      const values = await variable.data();
      const outputs = variable.shape[axis];
      const inputs = variable.size / outputs;
      const w = Array.from({ length: outputs }, (_, o) => Array.from({ length: inputs }, (_, i) => values[i * outputs + o]));
      const form = closedForm(w, beta);
      expected += form.value;
      const grad = new Float32Array(variable.size);
      for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) grad[i * outputs + o] = form.grad[o][i];
      await expectTensorsClose(grads[variable.name], tf.tensor(grad, variable.shape), { atol: 1e-4, rtol: 1e-3 });
    }
    expect((await value.data())[0]).toBeCloseTo(expected, 4);
    // Orthogonal (scaled) filters: zero.
    model.a.weight.assign(tf.tensor2d([[2, 0], [0, 3], [0, 0]]));
    model.b.weight.assign(tf.reshape(tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 5], [0, 0, 0]]), [2, 2, 1, 3]));
    expect((await orthogonalRegularization(model, beta).data())[0]).toBe(0);
    model.dispose();
  });

  it('DiffAugment is the identity at strength 0 and consumes the same draws', async () => {
    const x = new Generator(2).uniform([3, 6, 6, 2], { low: -1, high: 1 }) as tf.Tensor4D;
    const rngA = new Generator(3);
    const rngB = new Generator(3);
    await expectTensorsClose(diffAugment(x, { rng: rngA, strength: 0 }), x, { atol: 0 });
    diffAugment(x, { rng: rngB });
    expect(rngA.getState()).toEqual(rngB.getState());
  });

  it('DiffAugment translation moves pixels by whole steps and cutout zeroes a square', async () => {
    const image = tf.tensor4d(Array.from({ length: 64 }, (_, i) => (i === 27 ? 1 : 0)), [1, 8, 8, 1]); // pixel (3, 3)
    const shifted = await diffAugment(image, { rng: new Generator(4), policy: ['translation'], translationRatio: 0.25 }).data();
    expect(Array.from(shifted).reduce((s, v) => s + v, 0)).toBe(1);
    const at = shifted.indexOf(1);
    expect(Math.abs(Math.floor(at / 8) - 3)).toBeLessThanOrEqual(2);
    expect(Math.abs((at % 8) - 3)).toBeLessThanOrEqual(2);
    const ones = tf.ones([2, 8, 8, 1]) as tf.Tensor4D;
    const cut = await diffAugment(ones, { rng: new Generator(5), policy: ['cutout'] }).data();
    for (let b = 0; b < 2; b++) {
      const zeros = Array.from(cut.subarray(b * 64, (b + 1) * 64)).filter((v) => v === 0).length;
      expect(zeros).toBeGreaterThan(0);
      expect(zeros).toBeLessThanOrEqual(16);
    }
  });

  it('DiffAugment is differentiable: its gradient matches finite differences', async () => {
    const x = new Generator(6).uniform([2, 5, 5, 1], { low: -1, high: 1 }) as tf.Tensor4D;
    const weights = new Generator(7).normal([2, 5, 5, 1]);
    const f = (input: tf.Tensor) => tf.sum(tf.mul(weights, diffAugment(input as tf.Tensor4D, { rng: new Generator(8), translationRatio: 0.4 })));
    const grad = await tf.grad(f)(x).data();
    const base = await x.data();
    const epsilon = 1e-2;
    for (const index of [0, 7, 12, 31, 49]) {
      const plus = base.slice();
      const minus = base.slice();
      plus[index] += epsilon;
      minus[index] -= epsilon;
      const numeric = ((await f(tf.tensor(plus, x.shape)).data())[0] - (await f(tf.tensor(minus, x.shape)).data())[0]) / (2 * epsilon);
      expect(grad[index]).toBeCloseTo(numeric, 2);
    }
  });
});
