// Tiny real training state for trainLoop tests (browser-safe): a linear regression model,
// SGD with momentum, an EMA of the weights, a counter-based RNG and a data position — each a
// Stateful / JsonStateful built from tf.Variables, independent of the nn / optim modules.
import * as tf from '@tensorflow/tfjs-core';
import type { JsonValue, NamedTensors, Stateful } from '../../types';
import type { JsonStateful, StepContext, StepLosses } from '../train-loop';

function loadInto(owner: string, variables: Record<string, tf.Variable>, state: NamedTensors): void {
  const missing = Object.keys(variables).find((key) => !(key in state));
  if (missing) throw new Error(`${owner}.loadStateDict: missing "${missing}"`);
  const extra = Object.keys(state).find((key) => !(key in variables));
  if (extra) throw new Error(`${owner}.loadStateDict: unexpected "${extra}"`);
  for (const [key, variable] of Object.entries(variables)) variable.assign(state[key]);
}

export class LinearModel implements Stateful {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  constructor(init: number) {
    this.w = tf.variable(tf.fill([3, 1], init));
    this.b = tf.variable(tf.zeros([1]));
  }
  stateDict(): NamedTensors {
    return { w: this.w, b: this.b };
  }
  loadStateDict(state: NamedTensors): void {
    loadInto('LinearModel', { w: this.w, b: this.b }, state);
  }
  dispose(): void {
    tf.dispose([this.w, this.b]);
  }
}

/** SGD with momentum: v ← μ v + g; θ ← θ − lr v. State: velocities and an int32 step count. */
export class MomentumSgd implements Stateful {
  readonly velocity: Record<string, tf.Variable>;
  readonly iterations = tf.variable(tf.scalar(0, 'int32'));
  constructor(
    readonly model: LinearModel,
    readonly learningRate = 0.1,
    readonly momentum = 0.9,
  ) {
    this.velocity = { w: tf.variable(tf.zerosLike(model.w)), b: tf.variable(tf.zerosLike(model.b)) };
  }
  apply(grads: Record<'w' | 'b', tf.Tensor>): void {
    tf.tidy(() => {
      for (const key of ['w', 'b'] as const) {
        const v = tf.add(tf.mul(this.momentum, this.velocity[key]), grads[key]);
        this.velocity[key].assign(v);
        this.model[key].assign(tf.sub(this.model[key], tf.mul(this.learningRate, v)));
      }
      this.iterations.assign(tf.add(this.iterations, tf.scalar(1, 'int32')));
    });
  }
  stateDict(): NamedTensors {
    return { 'velocity/w': this.velocity.w, 'velocity/b': this.velocity.b, iterations: this.iterations };
  }
  loadStateDict(state: NamedTensors): void {
    loadInto('MomentumSgd', { 'velocity/w': this.velocity.w, 'velocity/b': this.velocity.b, iterations: this.iterations }, state);
  }
  dispose(): void {
    tf.dispose([this.velocity.w, this.velocity.b, this.iterations]);
  }
}

export class Ema implements Stateful {
  readonly shadow: Record<'w' | 'b', tf.Variable>;
  constructor(
    readonly model: LinearModel,
    readonly decay = 0.9,
  ) {
    this.shadow = { w: tf.variable(model.w.clone()), b: tf.variable(model.b.clone()) };
  }
  update(): void {
    tf.tidy(() => {
      for (const key of ['w', 'b'] as const) {
        this.shadow[key].assign(tf.add(tf.mul(this.decay, this.shadow[key]), tf.mul(1 - this.decay, this.model[key])));
      }
    });
  }
  stateDict(): NamedTensors {
    return { w: this.shadow.w, b: this.shadow.b };
  }
  loadStateDict(state: NamedTensors): void {
    loadInto('Ema', this.shadow, state);
  }
  dispose(): void {
    tf.dispose([this.shadow.w, this.shadow.b]);
  }
}

/** A counter-based RNG (splitmix32 of seed + counter): its whole state is two integers. */
export class CounterRng implements JsonStateful {
  constructor(
    public seed: number,
    public counter = 0,
  ) {}
  uniform(): number {
    let z = (this.seed + Math.imul(this.counter++, 0x9e3779b9)) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  }
  getState(): JsonValue {
    return { seed: this.seed, counter: this.counter };
  }
  setState(state: JsonValue): void {
    const { seed, counter } = state as { seed: number; counter: number };
    this.seed = seed;
    this.counter = counter;
  }
}

export interface Regression {
  model: LinearModel;
  optimizer: MomentumSgd;
  ema: Ema;
  rng: CounterRng;
  state: { model: LinearModel; optimizer: MomentumSgd; ema: Ema; rng: CounterRng };
  dispose(): void;
}

/** Fresh training state; `init` changes the initial weights (a resumed run must not care). */
export function makeRegression(init = 0, seed = 1234): Regression {
  const model = new LinearModel(init);
  const optimizer = new MomentumSgd(model);
  const ema = new Ema(model);
  const rng = new CounterRng(seed);
  return {
    model,
    optimizer,
    ema,
    rng,
    state: { model, optimizer, ema, rng },
    dispose: () => {
      model.dispose();
      optimizer.dispose();
      ema.dispose();
    },
  };
}

const TRUE_W = [1, -2, 0.5];
const TRUE_B = 0.3;
const BATCH = 8;

/**
 * One SGD step on a fresh batch y = x·w* + b* + noise drawn from the RNG, with the
 * hand-written gradient of the mean squared error. `corruptAt` makes that step's targets NaN.
 */
export function regressionStep(run: Regression, { corruptAt = -1 }: { corruptAt?: number } = {}) {
  return ({ step }: StepContext): StepLosses => {
    const x = new Float32Array(BATCH * 3);
    const y = new Float32Array(BATCH);
    for (let i = 0; i < BATCH; i++) {
      let target = TRUE_B + 0.01 * (run.rng.uniform() - 0.5);
      for (let j = 0; j < 3; j++) {
        x[i * 3 + j] = 2 * run.rng.uniform() - 1;
        target += x[i * 3 + j] * TRUE_W[j];
      }
      y[i] = step === corruptAt ? NaN : target;
    }
    const mse = tf.tidy(() => {
      const inputs = tf.tensor2d(x, [BATCH, 3]);
      const targets = tf.tensor2d(y, [BATCH, 1]);
      const error = tf.sub(tf.add(tf.matMul(inputs, run.model.w), run.model.b), targets);
      const loss = tf.mean(tf.square(error)) as tf.Scalar;
      // ∂/∂w mean((xw + b − y)²) = 2/n xᵀ(xw + b − y); ∂/∂b = 2/n Σ(xw + b − y)
      const grads = {
        w: tf.mul(2 / BATCH, tf.matMul(inputs, error, true, false)),
        b: tf.mul(2 / BATCH, tf.sum(error, 0)),
      };
      run.optimizer.apply(grads);
      run.ema.update();
      return loss;
    });
    return { mse };
  };
}

/** Every state tensor's bytes plus the JSON state, for bit-exact comparisons. */
export async function snapshot(run: Regression): Promise<Record<string, number[] | JsonValue>> {
  const out: Record<string, number[] | JsonValue> = {};
  for (const [part, stateful] of Object.entries({ model: run.model, optimizer: run.optimizer, ema: run.ema })) {
    for (const [key, tensor] of Object.entries(stateful.stateDict())) {
      const data = await tensor.data();
      out[`${part}/${key}`] = Array.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  }
  out.rng = run.rng.getState();
  return out;
}
