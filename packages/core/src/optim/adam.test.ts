import * as tf from '@tensorflow/tfjs-core';
import { Adam, AdamW, cosineWithWarmupLr, InvalidArgumentError } from '@gen/core';
import { backendTolerance, describeWithBackends, expectTensorsClose } from '@gen/core/testing';

function expectInvalidArgument(fn: () => unknown, message: string): void {
  let error: unknown;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  expect(InvalidArgumentError.isInstance(error)).toBe(true);
  expect((error as Error).message).toBe(message);
}

/** Deterministic "random" gradient values (no Math.random in tests either). */
function wave(n: number, phase: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + 2.3 * phase + 0.4) * (1 + 0.5 * Math.cos(phase + i)));
}

/** Float64 reference of Adam / AdamW (Kingma & Ba Algorithm 1, Loshchilov & Hutter Algorithm 2). */
function referenceAdamW(
  theta0: number[],
  gradients: number[][],
  { lr, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0 }: { lr: (step: number) => number; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number },
): number[] {
  const theta = [...theta0];
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  gradients.forEach((g, index) => {
    const t = index + 1;
    const alpha = lr(index);
    for (let i = 0; i < theta.length; i++) {
      theta[i] *= 1 - alpha * weightDecay;
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      const mHat = m[i] / (1 - beta1 ** t);
      const vHat = v[i] / (1 - beta2 ** t);
      theta[i] -= (alpha * mHat) / (Math.sqrt(vHat) + epsilon);
    }
  });
  return theta;
}

describeWithBackends('Adam / AdamW', ({ backend }) => {
  const atol = backendTolerance(backend);

  it('constant gradient: each step moves by lr·g/(|g|+ε) (bias correction makes m̂ = g, v̂ = g²)', async () => {
    const g = [0.5, -2, 1e-3];
    const w = tf.variable(tf.tensor1d([1, 2, 3]));
    const adam = new Adam({ learningRate: 0.01 });
    for (let i = 0; i < 5; i++) adam.step({ w }, { w: tf.tensor1d(g) });
    const expected = [1, 2, 3].map((p, i) => p - (5 * 0.01 * g[i]) / (Math.abs(g[i]) + 1e-8));
    await expectTensorsClose(w, expected, { atol });
    expect(adam.stepCount).toBe(5);
    adam.dispose();
  });

  it('AdamW, constant gradient: θ_t = cᵗθ₀ − lr·u(1 − cᵗ)/(1 − c) with c = 1 − lr·λ', async () => {
    const g = [0.3, -1.2];
    const [lr, lambda] = [0.05, 0.5];
    const w = tf.variable(tf.tensor1d([2, -1]));
    const adamw = new AdamW({ learningRate: lr, weightDecay: lambda });
    for (let i = 0; i < 6; i++) adamw.step({ w }, { w: tf.tensor1d(g) });
    const c = 1 - lr * lambda;
    const expected = [2, -1].map((p, i) => {
      const u = g[i] / (Math.abs(g[i]) + 1e-8);
      return c ** 6 * p - (lr * u * (1 - c ** 6)) / (1 - c);
    });
    await expectTensorsClose(w, expected, { atol });
    adamw.dispose();
  });

  it('AdamW with varying gradients and a scheduled rate matches a float64 reference', async () => {
    const theta0 = [0.3, -0.7, 1.1, 0.05];
    const gradients = Array.from({ length: 6 }, (_, step) => wave(4, step));
    const lr = cosineWithWarmupLr({ peak: 0.1, warmupSteps: 2, totalSteps: 6, final: 0.01 });
    const options = { lr, beta1: 0.8, beta2: 0.95, epsilon: 1e-6, weightDecay: 0.2 };
    const w = tf.variable(tf.tensor1d(theta0));
    const adamw = new AdamW({ learningRate: lr, beta1: 0.8, beta2: 0.95, epsilon: 1e-6, weightDecay: 0.2 });
    for (const g of gradients) adamw.step({ w }, { w: tf.tensor1d(g) });
    await expectTensorsClose(w, referenceAdamW(theta0, gradients, options), { atol: 10 * atol });
    adamw.dispose();
  });

  it('matches tf.train.adam when weightDecay = 0', async () => {
    const init = tf.tensor2d([[0.1, -0.2, 0.3], [1, 2, -3]]);
    const ours = tf.variable(init.clone());
    const theirs = tf.variable(init.clone(), true, `adam-reference-${backend}-${Date.now()}`);
    const adamw = new AdamW({ learningRate: 0.02, beta1: 0.85, beta2: 0.99, epsilon: 1e-7, weightDecay: 0 });
    const reference = tf.train.adam(0.02, 0.85, 0.99, 1e-7);
    for (let step = 0; step < 5; step++) {
      const g = tf.tensor2d(wave(6, step), [2, 3]);
      adamw.step({ w: ours }, { w: g });
      reference.applyGradients([{ name: theirs.name, tensor: g }]);
    }
    await expectTensorsClose(ours, theirs, { atol });
    reference.dispose();
    theirs.dispose();
    adamw.dispose();
  });

  it('skips parameters without gradients and rejects unknown or mis-shaped ones', () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor1d([3]));
    const adam = new Adam();
    adam.step({ a, b }, { a: tf.tensor1d([1, 1]) });
    expect(Array.from(b.dataSync())).toEqual([3]);
    expect(Object.keys(adam.stateDict()).sort()).toEqual(['m/a', 'step', 'v/a']);
    expectInvalidArgument(() => adam.step({ a, b }, { c: tf.tensor1d([1]) }), 
      `grads['c'] (Tensor<float32>[1]) has no parameter of that name (params holds ["a", "b"])`,
    );
    expectInvalidArgument(() => adam.step({ a, b }, { a: tf.tensor1d([1, 2, 3]) }), 
      `grads['a'] (Tensor<float32>[3]) must have the shape of params['a'] [2]`,
    );
    expectInvalidArgument(
      () => adam.step({ a: tf.tensor1d([1, 2]) as unknown as tf.Variable }, { a: tf.tensor1d([1, 1]) }),
      `params['a'] (Tensor<float32>[2]) must be a tf.Variable (the optimizer assigns to it)`,
    );
    expect(adam.stepCount).toBe(1);
    adam.dispose();
  });

  it('a run resumed from stateDict continues bit-identically', async () => {
    const lr = cosineWithWarmupLr({ peak: 0.05, warmupSteps: 2, totalSteps: 8 });
    const original = { w: tf.variable(tf.tensor2d([[0.5, -0.5], [0.25, 1]])), b: tf.variable(tf.tensor1d([0.1])) };
    const first = new AdamW({ learningRate: lr, weightDecay: 0.1 });
    const gradsAt = (step: number) => ({ w: tf.tensor2d(wave(4, step), [2, 2]), b: tf.tensor1d(wave(1, step + 7)) });
    for (let step = 0; step < 3; step++) first.step(original, gradsAt(step));

    const resumedParams = { w: tf.variable(original.w.clone()), b: tf.variable(original.b.clone()) };
    const resumed = new AdamW({ learningRate: lr, weightDecay: 0.1 });
    resumed.loadStateDict(first.stateDict());
    expect(resumed.stepCount).toBe(3);
    for (let step = 3; step < 6; step++) {
      first.step(original, gradsAt(step));
      resumed.step(resumedParams, gradsAt(step));
    }
    expect(Array.from(await resumedParams.w.data())).toEqual(Array.from(await original.w.data()));
    expect(Array.from(await resumedParams.b.data())).toEqual(Array.from(await original.b.data()));
    const [s1, s2] = [first.stateDict(), resumed.stateDict()];
    for (const key of Object.keys(s1)) expect(Array.from(await s2[key].data())).toEqual(Array.from(await s1[key].data()));
    first.dispose();
    resumed.dispose();
  });

  it('rejects inconsistent state dicts with one-line messages', () => {
    const adam = new Adam();
    const m = tf.zeros([2]);
    expectInvalidArgument(() => adam.loadStateDict({ 'm/w': m, 'v/w': m }), `state['step'] (undefined) is required: the number of updates applied`);
    const step = tf.scalar(2, 'int32');
    expectInvalidArgument(() => adam.loadStateDict({ step, 'm/w': m }), 
      `state['v/w'] (undefined) is required: every 'm/<param>' needs its 'v/<param>'`,
    );
    expectInvalidArgument(() => adam.loadStateDict({ step, 'm/w': m, 'v/w': tf.zeros([3]) }), 
      `state['v/w'] (Tensor<float32>[3]) must have the shape of state['m/w'] [2]`,
    );
    expectInvalidArgument(() => adam.loadStateDict({ step, extra: m }), 
      `state['extra'] (Tensor<float32>[2]) is unexpected: optimizer state holds 'step', 'm/<param>' and 'v/<param>'`,
    );
    adam.loadStateDict({ step, extra: m }, { strict: false });
    expect(adam.stepCount).toBe(2);
    adam.dispose();
  });

  it('leaks no tensors over 50 steps, also inside an outer tf.tidy', () => {
    const params = { w: tf.variable(tf.ones([3, 2])), b: tf.variable(tf.zeros([2])) };
    const adamw = new AdamW({ learningRate: 1e-2 });
    const train = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.add(tf.matMul(tf.ones([1, 3]), params.w), params.b))) as tf.Scalar, [params.w, params.b]);
        adamw.step(params, { w: grads[params.w.name], b: grads[params.b.name] });
      });
    train();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 49; i++) train();
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.values(adamw.stateDict()).every((t) => !t.isDisposed)).toBe(true);
    adamw.dispose();
    expect(tf.memory().numTensors).toBe(before - 4);
  });
});

describe('Adam options', () => {
  it.each([
    [() => new Adam({ learningRate: -1 }), 'learningRate (-1) must be a finite number >= 0'],
    [() => new Adam({ beta1: 1 }), 'beta1 (1) must be a number in [0, 1)'],
    [() => new Adam({ beta2: Number.NaN }), 'beta2 (NaN) must be a number in [0, 1)'],
    [() => new Adam({ epsilon: -1e-8 }), 'epsilon (-1e-8) must be a finite number >= 0'],
    [() => new AdamW({ weightDecay: -0.1 }), 'weightDecay (-0.1) must be a finite number >= 0'],
  ])('%#: rejects bad options with a one-line message', (make, message) => {
    expectInvalidArgument(make, message);
  });

  it('reports a schedule that returns a bad rate', () => {
    const adam = new Adam({ learningRate: () => Number.NaN });
    expectInvalidArgument(() => adam.currentLearningRate(), 'learningRate(0) (NaN) must return a finite number >= 0');
  });
});
