import * as tf from '@tensorflow/tfjs-core';
import { losses, registerWasmTrainingKernels } from '@gen/core';
import { backendTolerance, describeWithBackends, expectTensorsClose } from '@gen/core/testing';

// Each case builds h(w) = Σᵢ dᵢ·∂F(w, x)/∂xᵢ with tf.grad (first order, taped) and compares
// dh/dw (second order) with central differences of the same h written in float64 JS.

const X = [0.7, -1.3, 0.2, 2.1, -0.4, 6.5];
const C = [0.5, -1, 0.8, 0.3, -0.6, 1.1];
const D = [1, 0.4, -0.7, 0.9, 0.2, -0.5];
const W = 0.9;

function centralDifference(h: (w: number) => number, w: number): number {
  const step = 1e-6;
  return (h(w + step) - h(w - step)) / (2 * step);
}

interface ElementwiseCase {
  tf: (x: tf.Tensor) => tf.Tensor;
  /** f′ in float64. */
  df: (x: number) => number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const ELEMENTWISE: Record<string, ElementwiseCase> = {
  tanh: { tf: tf.tanh, df: (x) => 1 - Math.tanh(x) ** 2 },
  sigmoid: { tf: tf.sigmoid, df: (x) => sigmoid(x) * (1 - sigmoid(x)) },
  exp: { tf: tf.exp, df: Math.exp },
  elu: { tf: tf.elu, df: (x) => (x > 0 ? 1 : Math.exp(x)) },
  selu: { tf: tf.selu, df: (x) => (x > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(x)) },
  'leakyRelu (Greater)': { tf: (x) => tf.leakyRelu(x, 0.2), df: (x) => (x > 0 ? 1 : 0.2) },
  'prelu (Greater)': { tf: (x) => tf.prelu(x, tf.scalar(0.1)), df: (x) => (x > 0 ? 1 : 0.1) },
  'relu6 (LessEqual)': { tf: tf.relu6, df: (x) => (x > 0 && x <= 6 ? 1 : 0) },
  'clipByValue (LogicalAnd)': { tf: (x) => tf.clipByValue(x, -0.5, 1), df: (x) => (x >= -0.5 && x <= 1 ? 1 : 0) },
  'maximum (GreaterEqual)': { tf: (x) => tf.maximum(x, tf.mul(x, 0.3)), df: (x) => (x >= 0 ? 1 : 0.3) },
  'minimum (LessEqual)': { tf: (x) => tf.minimum(x, tf.mul(x, 0.3)), df: (x) => (x <= 0 ? 1 : 0.3) },
  softplus: { tf: tf.softplus, df: sigmoid },
};

describeWithBackends('second-order gradients: elementwise kernels vs float64 finite differences', () => {
  beforeAll(() => losses.registerSecondOrderGradients());

  for (const [name, kernel] of Object.entries(ELEMENTWISE)) {
    it(name, async () => {
      // F(w, x) = Σ cᵢ·f(w·xᵢ)  ⇒  ∂F/∂xᵢ = cᵢ·w·f′(w·xᵢ).
      const x = tf.tensor1d(X);
      const c = tf.tensor1d(C);
      const d = tf.tensor1d(D);
      const h = (w: tf.Tensor) => tf.sum(tf.mul(d, tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(c, kernel.tf(tf.mul(w, xx)))))(x)));
      const hReference = (w: number) => X.reduce((sum, xi, i) => sum + D[i] * C[i] * w * kernel.df(w * xi), 0);
      const expected = centralDifference(hReference, W);
      await expectTensorsClose(tf.grad(h)(tf.scalar(W)), [expected], { atol: 10 * backendTolerance(), rtol: 1e-3 });
    });
  }

  it('softmax', async () => {
    // F(w, x) = Σⱼ cⱼ·softmax(w·x)ⱼ  ⇒  ∂F/∂xᵢ = w·pᵢ·(cᵢ − p·c).
    const x = tf.tensor2d([X.slice(0, 5)]);
    const c = tf.tensor2d([C.slice(0, 5)]);
    const d = tf.tensor2d([D.slice(0, 5)]);
    const h = (w: tf.Tensor) => tf.sum(tf.mul(d, tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(c, tf.softmax(tf.mul(w, xx)))))(x)));
    const hReference = (w: number) => {
      const logits = X.slice(0, 5).map((v) => w * v);
      const top = Math.max(...logits);
      const e = logits.map((v) => Math.exp(v - top));
      const total = e.reduce((a, b) => a + b, 0);
      const p = e.map((v) => v / total);
      const pc = p.reduce((sum, pi, i) => sum + pi * C[i], 0);
      return p.reduce((sum, pi, i) => sum + D[i] * w * pi * (C[i] - pc), 0);
    };
    await expectTensorsClose(tf.grad(h)(tf.scalar(W)), [centralDifference(hReference, W)], { atol: 10 * backendTolerance(), rtol: 1e-3 });
  });
});

describeWithBackends('second-order gradients: backward kernels of pooling and convolution', ({ backend }) => {
  beforeAll(() => {
    losses.registerSecondOrderGradients();
    if (backend === 'wasm') registerWasmTrainingKernels();
  });
  const image = [0.3, -0.8, 1.2, 0.5, -0.1, 0.9, -1.4, 0.6, 0.2];

  it('AvgPoolGrad (the backward of avgPool)', async () => {
    // F(w, x) = Σ c ⊙ tanh(avgPool₂ₓ₂(w·x)) on a 3×3 image ⇒ ∂F/∂x spreads
    // c·w·tanh′(a)/4 over each window.
    const c = [0.5, -1, 0.8, 0.3];
    const x = tf.tensor4d(image, [1, 3, 3, 1]);
    const h = (w: tf.Tensor) =>
      tf.sum(tf.mul(tf.tensor4d(D.concat(D).slice(0, 9), [1, 3, 3, 1]), tf.grad((xx: tf.Tensor) =>
        tf.sum(tf.mul(tf.tensor4d(c, [1, 2, 2, 1]), tf.tanh(tf.avgPool(tf.mul(w, xx) as tf.Tensor4D, 2, 1, 'valid')))),
      )(x)));
    const hReference = (w: number) => {
      const gradient = new Array(9).fill(0);
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++) {
          const cells = [(i) * 3 + j, i * 3 + j + 1, (i + 1) * 3 + j, (i + 1) * 3 + j + 1];
          const a = cells.reduce((sum, k) => sum + w * image[k], 0) / 4;
          for (const k of cells) gradient[k] += (c[i * 2 + j] * w * (1 - Math.tanh(a) ** 2)) / 4;
        }
      return gradient.reduce((sum, g, k) => sum + D.concat(D)[k] * g, 0);
    };
    await expectTensorsClose(tf.grad(h)(tf.scalar(W)), [centralDifference(hReference, W)], { atol: 10 * backendTolerance(), rtol: 1e-3 });
  });

  it('Conv2DBackpropFilter (a weight gradient differentiated w.r.t. the input)', async () => {
    // G(x) = ∂/∂K Σ tanh(conv(x, K)) (2×2 filter, 3×3 image); h(x) = Σ c ⊙ G(x); compare ∂h/∂x.
    const kernel = [0.4, -0.7, 0.9, 0.2];
    const c = [1, -0.5, 0.3, 0.8];
    const h = (x: tf.Tensor) =>
      tf.sum(tf.mul(tf.tensor4d(c, [2, 2, 1, 1]), tf.grad((k: tf.Tensor) => tf.sum(tf.tanh(tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, 'valid'))))(
        tf.tensor4d(kernel, [2, 2, 1, 1]),
      )));
    const hReference = (x: number[]) => {
      let total = 0;
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++) {
          let z = 0;
          for (let di = 0; di < 2; di++) for (let dj = 0; dj < 2; dj++) z += x[(i + di) * 3 + j + dj] * kernel[di * 2 + dj];
          const slope = 1 - Math.tanh(z) ** 2;
          for (let di = 0; di < 2; di++) for (let dj = 0; dj < 2; dj++) total += c[di * 2 + dj] * x[(i + di) * 3 + j + dj] * slope;
        }
      return total;
    };
    const expected = image.map((_, k) => {
      const plus = image.slice();
      const minus = image.slice();
      plus[k] += 1e-6;
      minus[k] -= 1e-6;
      return (hReference(plus) - hReference(minus)) / 2e-6;
    });
    await expectTensorsClose(tf.grad(h)(tf.tensor4d(image, [1, 3, 3, 1])), expected, { atol: 10 * backendTolerance(), rtol: 1e-3 });
  });
});

describeWithBackends('registerSecondOrderGradients', () => {
  it('registers each kernel once and reports them', () => {
    losses.registerSecondOrderGradients();
    expect(losses.registerSecondOrderGradients()).toEqual([]);
    for (const kernelName of losses.secondOrderGradientKernels()) expect(tf.getGradient(kernelName)).toBeDefined();
    expect(losses.secondOrderGradientKernels()).toEqual(
      expect.arrayContaining(['Greater', 'Tanh', 'Sigmoid', 'Exp', 'Elu', 'Softmax', 'AvgPoolGrad', 'Conv2DBackpropFilter']),
    );
  });
}, { only: ['cpu'] });
