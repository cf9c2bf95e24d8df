import * as tf from '@tensorflow/tfjs-core';
import { Generator, losses, registerWasmTrainingKernels } from '@gen/core';
import { backendTolerance, countLeakedTensors, describeWithBackends, expectTensorsClose } from '@gen/core/testing';

const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

describeWithBackends('losses: GAN objectives (closed forms)', ({ backend }) => {
  const real = [2, -0.5, 0.25, 30];
  const fake = [-1.5, 0.5, -40, 3];
  const realT = () => tf.tensor1d(real);
  const fakeT = () => tf.tensor1d(fake);

  it('non-saturating losses equal binary cross-entropy from logits, finite at large logits', async () => {
    const expectedD = mean(real.map((r) => softplus(-r))) + mean(fake.map((f) => softplus(f)));
    await expectTensorsClose(losses.nonSaturatingDiscriminatorLoss(realT(), fakeT()), [expectedD]);
    await expectTensorsClose(losses.nonSaturatingGeneratorLoss(fakeT()), [mean(fake.map((f) => softplus(-f)))], {
      atol: backendTolerance(),
      rtol: 1e-5,
    });
    // Same as tf.losses.sigmoidCrossEntropy with labels 1 / 0 (a tfjs reference implementation).
    const bce = tf.add(
      tf.losses.sigmoidCrossEntropy(tf.onesLike(realT()), realT()),
      tf.losses.sigmoidCrossEntropy(tf.zerosLike(fakeT()), fakeT()),
    );
    await expectTensorsClose(losses.nonSaturatingDiscriminatorLoss(realT(), fakeT()), bce, { atol: 1e-4 });
    const extreme = losses.nonSaturatingDiscriminatorLoss(tf.tensor1d([1e4]), tf.tensor1d([-1e4]));
    expect(Number.isFinite((await extreme.data())[0])).toBe(true);
  });

  it('hinge values: max(0, 1 − real) + max(0, 1 + fake), generator −fake', async () => {
    const expected = mean(real.map((r) => Math.max(0, 1 - r))) + mean(fake.map((f) => Math.max(0, 1 + f)));
    await expectTensorsClose(losses.hingeDiscriminatorLoss(realT(), fakeT()), [expected]);
    await expectTensorsClose(losses.hingeGeneratorLoss(fakeT()), [-mean(fake)], { atol: 1e-4 });
    const none = losses.hingeDiscriminatorLoss(realT(), fakeT(), { reduction: tf.Reduction.NONE });
    await expectTensorsClose(none, real.map((r, i) => Math.max(0, 1 - r) + Math.max(0, 1 + fake[i])));
    const sum = losses.hingeDiscriminatorLoss(realT(), fakeT(), { reduction: tf.Reduction.SUM });
    await expectTensorsClose(sum, [expected * real.length], { atol: 1e-4 });
  });

  it('Wasserstein and least-squares values', async () => {
    await expectTensorsClose(losses.wassersteinCriticLoss(realT(), fakeT()), [mean(fake) - mean(real)], { atol: 1e-4 });
    await expectTensorsClose(losses.wassersteinGeneratorLoss(fakeT()), [-mean(fake)], { atol: 1e-4 });
    const lsD = mean(real.map((r) => 0.5 * (r - 1) ** 2)) + mean(fake.map((f) => 0.5 * f ** 2));
    await expectTensorsClose(losses.leastSquaresDiscriminatorLoss(realT(), fakeT()), [lsD], { rtol: 1e-5, atol: 1e-3 });
    const lsG = mean(fake.map((f) => 0.5 * (f - 1) ** 2));
    await expectTensorsClose(losses.leastSquaresGeneratorLoss(fakeT()), [lsG], { rtol: 1e-5, atol: 1e-3 });
    const custom = losses.leastSquaresDiscriminatorLoss(realT(), fakeT(), { realTarget: 1, fakeTarget: -1 });
    const expected = mean(real.map((r) => 0.5 * (r - 1) ** 2)) + mean(fake.map((f) => 0.5 * (f + 1) ** 2));
    await expectTensorsClose(custom, [expected], { rtol: 1e-5, atol: 1e-3 });
  });

  it('real and fake batches may differ in size', async () => {
    const loss = losses.hingeDiscriminatorLoss(tf.tensor2d([[0.5], [2]]), tf.tensor2d([[0]]));
    await expectTensorsClose(loss, [0.25 + 1]);
  });

  it('gradients match closed forms: d softplus(−x)/dx = −σ(−x), hinge and LSGAN', async () => {
    const gNs = tf.grad((f: tf.Tensor) => losses.nonSaturatingGeneratorLoss(f))(fakeT());
    await expectTensorsClose(gNs, fake.map((f) => -1 / (1 + Math.exp(f)) / fake.length));
    const [gReal, gFake] = tf.grads((r: tf.Tensor, f: tf.Tensor) => losses.hingeDiscriminatorLoss(r, f))([realT(), fakeT()]);
    await expectTensorsClose(gReal, real.map((r) => (r < 1 ? -1 : 0) / real.length));
    await expectTensorsClose(gFake, fake.map((f) => (f > -1 ? 1 : 0) / fake.length));
    const gLs = tf.grad((f: tf.Tensor) => losses.leastSquaresGeneratorLoss(f))(fakeT());
    await expectTensorsClose(gLs, fake.map((f) => (f - 1) / fake.length), { atol: backendTolerance(), rtol: 1e-5 });
  });

  it('leaves no tensors behind', async () => {
    const r = realT();
    const f = fakeT();
    const leaked = await countLeakedTensors(() => {
      for (const loss of [
        losses.nonSaturatingDiscriminatorLoss(r, f),
        losses.nonSaturatingGeneratorLoss(f),
        losses.hingeDiscriminatorLoss(r, f),
        losses.hingeGeneratorLoss(f),
        losses.wassersteinCriticLoss(r, f),
        losses.wassersteinGeneratorLoss(f),
        losses.leastSquaresDiscriminatorLoss(r, f),
        losses.leastSquaresGeneratorLoss(f),
      ]) {
        loss.dispose();
      }
    });
    expect(leaked).toBe(0);
    expect(backend).toBeTruthy();
  });
});

// A critic linear in its input, D(x) = Σ w ⊙ x, has ∇ₓD = w for every x: GP = λ(‖w‖ − 1)²,
// R1 = γ/2·‖w‖², with gradients 2λ(‖w‖ − 1)·w/‖w‖ and γ·w w.r.t. w (second order through Mul).
describeWithBackends('losses: gradient penalties on a linear critic (closed forms)', () => {
  const weights = [0.3, -0.4, 0.5, 0.2, -0.1, 0.6];
  const norm = Math.sqrt(weights.reduce((a, w) => a + w * w, 0));

  function linearCritic(w: tf.Tensor): losses.Critic {
    return (x: tf.Tensor) => tf.sum(tf.mul(x, w), [1, 2, 3]);
  }

  it('WGAN-GP value and its gradient w.r.t. the critic weights', async () => {
    const w = tf.tensor4d(weights, [1, 2, 3, 1]);
    const real = tf.tensor4d([1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6], [2, 2, 3, 1]);
    const fake = tf.zerosLike(real);
    const penalty = (ww: tf.Tensor) =>
      losses.gradientPenalty({ critic: linearCritic(ww), real, fake, generator: new Generator(1), weight: 10 });
    await expectTensorsClose(penalty(w), [10 * (norm - 1) ** 2], { atol: 1e-4 });
    const gradient = tf.grad(penalty)(w);
    await expectTensorsClose(gradient, weights.map((v) => (20 * (norm - 1) * v) / norm), { atol: 1e-4 });
  });

  it('R1 value and its gradient w.r.t. the critic weights', async () => {
    const w = tf.tensor4d(weights, [1, 2, 3, 1]);
    const real = tf.tensor4d([1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6], [2, 2, 3, 1]);
    const penalty = (ww: tf.Tensor) => losses.r1Penalty({ critic: linearCritic(ww), real, gamma: 4 });
    await expectTensorsClose(penalty(w), [2 * norm ** 2], { atol: 1e-4 });
    await expectTensorsClose(tf.grad(penalty)(w), weights.map((v) => 4 * v), { atol: 1e-4 });
  });

  it('leaves no tensors behind, forward and backward', async () => {
    const w = tf.variable(tf.tensor4d(weights, [1, 2, 3, 1]));
    const real = tf.ones([2, 2, 3, 1]);
    const fake = tf.zeros([2, 2, 3, 1]);
    const generator = new Generator(3);
    const leaked = await countLeakedTensors(() => {
      for (let step = 0; step < 2; step++) {
        const { value, grads } = tf.variableGrads(
          () => tf.add(losses.gradientPenalty({ critic: linearCritic(w), real, fake, generator }), losses.r1Penalty({ critic: linearCritic(w), real })) as tf.Scalar,
          [w],
        );
        value.dispose();
        tf.dispose(grads);
      }
    });
    expect(leaked).toBe(0);
    w.dispose();
  });
});

// ——— Second-order gradients on small nonlinear critics vs float64 finite differences ———
//
// The reference below re-implements the critic and its input gradient in plain JS doubles,
// so central differences (h = 1e-5) of the penalty are accurate to ~1e-9 and any
// disagreement beyond float32 rounding is tfjs's.

interface Activation {
  tf: (x: tf.Tensor) => tf.Tensor;
  f: (x: number) => number;
  df: (x: number) => number;
}

const ACTIVATIONS: Record<string, Activation> = {
  leakyRelu: { tf: (x) => tf.leakyRelu(x, 0.2), f: (x) => (x > 0 ? x : 0.2 * x), df: (x) => (x > 0 ? 1 : 0.2) },
  tanh: { tf: (x) => tf.tanh(x), f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2 },
  elu: { tf: (x) => tf.elu(x), f: (x) => (x > 0 ? x : Math.expm1(x)), df: (x) => (x > 0 ? 1 : Math.exp(x)) },
};

/** Dense critic: x [N, I] → act(x·W1 + b1) · W2 + b2, in float64. Returns D and ∂D/∂x per sample. */
function denseCriticReference(
  params: Record<string, Float64Array>,
  x: Float64Array,
  batch: number,
  inputs: number,
  hidden: number,
  activation: Activation,
): Float64Array {
  const gradient = new Float64Array(batch * inputs);
  for (let n = 0; n < batch; n++) {
    for (let j = 0; j < hidden; j++) {
      let z = params.b1[j];
      for (let i = 0; i < inputs; i++) z += x[n * inputs + i] * params.w1[i * hidden + j];
      const dz = params.w2[j] * activation.df(z);
      for (let i = 0; i < inputs; i++) gradient[n * inputs + i] += dz * params.w1[i * hidden + j];
    }
  }
  return gradient;
}

/** Conv critic: x [N, 4, 4, C] → conv 3×3 valid (C→F) + b1 → act → flatten → dense(1). ∂D/∂x. */
function convCriticReference(
  params: Record<string, Float64Array>,
  x: Float64Array,
  batch: number,
  channels: number,
  filters: number,
  activation: Activation,
): Float64Array {
  const size = 4;
  const out = size - 2;
  const gradient = new Float64Array(batch * size * size * channels);
  const at = (n: number, i: number, j: number, c: number) => ((n * size + i) * size + j) * channels + c;
  const kernel = (di: number, dj: number, c: number, f: number) => ((di * 3 + dj) * channels + c) * filters + f;
  for (let n = 0; n < batch; n++) {
    for (let i = 0; i < out; i++) {
      for (let j = 0; j < out; j++) {
        for (let f = 0; f < filters; f++) {
          let z = params.b1[f];
          for (let di = 0; di < 3; di++)
            for (let dj = 0; dj < 3; dj++)
              for (let c = 0; c < channels; c++) z += x[at(n, i + di, j + dj, c)] * params.k[kernel(di, dj, c, f)];
          const dz = params.w2[(i * out + j) * filters + f] * activation.df(z);
          for (let di = 0; di < 3; di++)
            for (let dj = 0; dj < 3; dj++)
              for (let c = 0; c < channels; c++) gradient[at(n, i + di, j + dj, c)] += dz * params.k[kernel(di, dj, c, f)];
        }
      }
    }
  }
  return gradient;
}

/** GP (target 1) or R1 from per-sample input gradients, float64, as the library defines them. */
function penaltyReference(kind: 'gp' | 'r1', gradient: Float64Array, batch: number, scale: number): number {
  const per = gradient.length / batch;
  let total = 0;
  for (let n = 0; n < batch; n++) {
    let squared = 0;
    for (let i = 0; i < per; i++) squared += gradient[n * per + i] ** 2;
    total += kind === 'gp' ? (Math.sqrt(squared + 1e-12) - 1) ** 2 : squared;
  }
  return kind === 'gp' ? (scale * total) / batch : ((scale / 2) * total) / batch;
}

/** Central differences of `penalty` w.r.t. every parameter, in float64. */
function finiteDifferences(params: Record<string, Float64Array>, penalty: (p: Record<string, Float64Array>) => number) {
  const h = 1e-5;
  const result: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(params)) {
    result[name] = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const saved = values[i];
      values[i] = saved + h;
      const plus = penalty(params);
      values[i] = saved - h;
      const minus = penalty(params);
      values[i] = saved;
      result[name][i] = (plus - minus) / (2 * h);
    }
  }
  return result;
}

function seededValues(seed: number, count: number, scale: number): Float64Array {
  // Float32-representable values so tfjs and the reference see identical parameters.
  const draws = new Generator(seed).uniformArray(count);
  return Float64Array.from(draws, (u: number) => Math.fround((2 * u - 1) * scale));
}

/** tf.variableGrads of the library penalty w.r.t. the critic variables, vs the float64 reference. */
async function checkSecondOrder(
  kind: 'gp' | 'r1',
  params: Record<string, Float64Array>,
  shapes: Record<string, number[]>,
  critic: (vars: Record<string, tf.Variable>) => losses.Critic,
  reference: (p: Record<string, Float64Array>, x: Float64Array) => Float64Array,
  real: Float64Array,
  fake: Float64Array,
  inputShape: number[],
): Promise<void> {
  const batch = inputShape[0];
  const scale = kind === 'gp' ? 10 : 2;
  const epsilon = kind === 'gp' ? await new Generator(11).uniform([batch, ...inputShape.slice(1).map(() => 1)]).data() : null;
  const per = real.length / batch;
  const interpolated = Float64Array.from(real, (r, i) =>
    epsilon ? Math.fround(epsilon[Math.floor(i / per)] * r) + Math.fround((1 - epsilon[Math.floor(i / per)]) * fake[i]) : r,
  );
  const expected = finiteDifferences(params, (p) => penaltyReference(kind, reference(p, interpolated), batch, scale));

  const vars = Object.fromEntries(
    Object.entries(params).map(([name, values]) => [name, tf.variable(tf.tensor(Float32Array.from(values), shapes[name]))]),
  );
  const realT = tf.tensor(Float32Array.from(real), inputShape);
  const fakeT = tf.tensor(Float32Array.from(fake), inputShape);
  const { value, grads } = tf.variableGrads(() =>
    kind === 'gp'
      ? losses.gradientPenalty({ critic: critic(vars), real: realT, fake: fakeT, generator: new Generator(11), weight: scale })
      : losses.r1Penalty({ critic: critic(vars), real: realT, gamma: scale }),
  );
  await expectTensorsClose(value, [penaltyReference(kind, reference(params, interpolated), batch, scale)], {
    atol: 10 * backendTolerance(),
    rtol: 1e-4,
  });
  for (const [name, v] of Object.entries(vars)) {
    const actual = grads[v.name] ?? tf.zerosLike(v); // a final bias does not enter ∇ₓD
    await expectTensorsClose(actual, expected[name], { atol: 10 * backendTolerance(), rtol: 1e-3 });
  }
  Object.values(vars).forEach((v) => v.dispose());
}

describeWithBackends('losses: GP and R1 second-order gradients vs float64 finite differences, dense critic', () => {
  const batch = 2;
  const inputs = 3;
  const hidden = 4;
  const shapes = { w1: [inputs, hidden], b1: [hidden], w2: [hidden, 1], b2: [1] };
  const params = () => ({
    w1: seededValues(1, inputs * hidden, 0.8),
    b1: seededValues(2, hidden, 0.3),
    w2: seededValues(3, hidden, 0.8),
    b2: seededValues(4, 1, 0.3),
  });
  const critic = (activation: Activation) => (v: Record<string, tf.Variable>) => (x: tf.Tensor) =>
    tf.add(tf.matMul(activation.tf(tf.add(tf.matMul(x as tf.Tensor2D, v.w1 as tf.Tensor2D), v.b1)) as tf.Tensor2D, v.w2 as tf.Tensor2D), v.b2);
  const real = seededValues(5, batch * inputs, 1);
  const fake = seededValues(6, batch * inputs, 1);

  for (const [name, activation] of Object.entries(ACTIVATIONS)) {
    for (const kind of ['gp', 'r1'] as const) {
      it(`${kind} with ${name}`, async () => {
        const reference = (p: Record<string, Float64Array>, x: Float64Array) => denseCriticReference(p, x, batch, inputs, hidden, activation);
        await checkSecondOrder(kind, params(), shapes, critic(activation), reference, real, fake, [batch, inputs]);
      });
    }
  }
});

// tfjs-backend-wasm 4.22 has no conv filter gradient; @gen/core's registerWasmTrainingKernels
// (called by initBackend) adds it, so this suite registers it too.
describeWithBackends(
  'losses: GP and R1 second-order gradients vs float64 finite differences, conv + dense critic',
  ({ backend }) => {
    beforeAll(() => {
      if (backend === 'wasm') registerWasmTrainingKernels();
    });
    const batch = 2;
    const channels = 2;
    const filters = 2;
    const shapes = { k: [3, 3, channels, filters], b1: [filters], w2: [2 * 2 * filters, 1], b2: [1] };
    const params = () => ({
      k: seededValues(21, 9 * channels * filters, 0.5),
      b1: seededValues(22, filters, 0.2),
      w2: seededValues(23, 4 * filters, 0.8),
      b2: seededValues(24, 1, 0.3),
    });
    const critic = (activation: Activation) => (v: Record<string, tf.Variable>) => (x: tf.Tensor) => {
      const h = activation.tf(tf.add(tf.conv2d(x as tf.Tensor4D, v.k as tf.Tensor4D, 1, 'valid'), v.b1));
      return tf.add(tf.matMul(tf.reshape(h, [x.shape[0], -1]), v.w2 as tf.Tensor2D), v.b2);
    };
    const real = seededValues(25, batch * 16 * channels, 1);
    const fake = seededValues(26, batch * 16 * channels, 1);

    for (const name of ['leakyRelu', 'tanh']) {
      for (const kind of ['gp', 'r1'] as const) {
        it(`${kind} with ${name}`, async () => {
          const activation = ACTIVATIONS[name];
          const reference = (p: Record<string, Float64Array>, x: Float64Array) => convCriticReference(p, x, batch, channels, filters, activation);
          await checkSecondOrder(kind, params(), shapes, critic(activation), reference, real, fake, [batch, 4, 4, channels]);
        });
      }
    }
  },
);

describeWithBackends('losses: GAN argument checks', () => {
  const r = () => tf.tensor1d([1, 2]);
  const critic: losses.Critic = (x: tf.Tensor) => tf.sum(x, [1, 2, 3]);

  it('names the argument, the value and what is allowed', () => {
    expect(() => losses.hingeDiscriminatorLoss([1, 2] as unknown as tf.Tensor, r())).toThrow('realLogits ([1, 2]) must be a tf.Tensor');
    expect(() => losses.hingeGeneratorLoss(tf.tensor1d([1], 'int32'))).toThrow('fakeLogits (Tensor<int32>[1]) must have dtype float32');
    expect(() => losses.hingeDiscriminatorLoss(r(), tf.zeros([3]), { reduction: tf.Reduction.NONE })).toThrow(
      'fakeLogits (Tensor<float32>[3]) must have the shape of realLogits [2]',
    );
    expect(() => losses.wassersteinCriticLoss(r(), r(), { reduction: 'mean' as unknown as tf.Reduction })).toThrow(
      'reduction ("mean") must be a tf.Reduction (NONE, MEAN, SUM or SUM_BY_NONZERO_WEIGHTS)',
    );
    expect(() => losses.leastSquaresGeneratorLoss(r(), { realTarget: NaN })).toThrow('realTarget (NaN) must be a finite number');
  });

  it('checks the penalties’ options', () => {
    const real = tf.ones([2, 2, 2, 1]);
    const generator = new Generator(0);
    expect(() => losses.gradientPenalty({ critic, real, fake: tf.ones([2, 2, 2, 3]), generator })).toThrow(
      'fake (Tensor<float32>[2, 2, 2, 3]) must have the shape of real [2, 2, 2, 1]',
    );
    expect(() => losses.gradientPenalty({ critic, real, fake: real, generator: {} as Generator })).toThrow(
      'generator ({}) must have a uniform(shape, { low, high }) method (a @gen/core Generator)',
    );
    expect(() => losses.gradientPenalty({ critic, real, fake: real, generator, weight: -1 })).toThrow('weight (-1) must be a finite number ≥ 0');
    expect(() => losses.r1Penalty({ critic: 'D' as unknown as losses.Critic, real })).toThrow(
      'critic ("D") must be a function (input: tf.Tensor) => tf.Tensor',
    );
    expect(() => losses.r1Penalty({ critic, real: tf.ones([3]) })).toThrow('real (Tensor<float32>[3]) must have rank ≥ 2 (a leading batch axis)');
    expect(() => losses.r1Penalty({ critic: (x: tf.Tensor) => tf.reshape(x, [2, 2, 2]), real })).toThrow(
      'critic output (Tensor<float32>[2, 2, 2]) must hold one score per sample: [2] or [2, 1]',
    );
  });
});
