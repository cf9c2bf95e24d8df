import * as tf from '@tensorflow/tfjs-core';
import { describeValue, InvalidArgumentError } from '../errors';
import type { NamedTensors, Stateful } from '../types';
import { fusedAdamUpdate, hasFusedAdam } from './fused-adam';
import type { LearningRateSchedule } from './lr-schedules';

/** Options of {@link Adam}. */
export interface AdamOptions {
  /**
   * Step size α: a number, or a {@link LearningRateSchedule} called with the number of updates
   * already applied (0 for the first). Default 1e-3.
   */
  learningRate?: number | LearningRateSchedule;
  /** Decay of the first-moment average β₁, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment average β₂, in [0, 1). Default 0.999. */
  beta2?: number;
  /** ε added to √v̂ in the denominator. Default 1e-8 (as torch; tf.train.adam uses 1e-7). */
  epsilon?: number;
  /**
   * On wasm and cpu, update each parameter with one fused kernel (`GenAdamUpdate`, the same
   * float32 operations in the same order: bit-identical) instead of 11 kernels. Default true.
   */
  fused?: boolean;
}

interface Moments {
  m: tf.Tensor;
  v: tf.Tensor;
}

/**
 * Adam (Kingma & Ba 2015, Algorithm 1) with bias correction, keyed by stable parameter names:
 * `step(params, grads)` takes the module's named variables and the gradients of the same names
 * (e.g. from `tf.variableGrads` after remapping names). A parameter without a gradient is left
 * alone for that step, moments included; a gradient naming no parameter is an error.
 *
 * Bias correction uses the optimizer's step count (as tf.train.adam and Keras do), computed in
 * float64 from the step number, so a run resumed from `stateDict()` continues bit-identically.
 * State: `'m/<param>'`, `'v/<param>'` and `'step'` (int32 scalar).
 */
export class Adam implements Stateful {
  readonly learningRate: number | LearningRateSchedule;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Whether wasm / cpu run the update as one fused kernel per parameter (see {@link AdamOptions.fused}). */
  readonly fused: boolean;
  /** Decoupled weight decay λ (AdamW); 0 for Adam. */
  protected readonly decoupledWeightDecay: number = 0;

  private readonly moments = new Map<string, Moments>();
  private steps = 0;
  private stepTensor: tf.Scalar | null = null;
  private stepTensorValue = -1;
  private disposed = false;

  constructor({ learningRate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, fused = true }: AdamOptions = {}) {
    if (typeof learningRate !== 'function') checkNonNegative('learningRate', learningRate);
    checkUnitInterval('beta1', beta1);
    checkUnitInterval('beta2', beta2);
    checkNonNegative('epsilon', epsilon);
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    if (typeof fused !== 'boolean') throw new InvalidArgumentError('fused', fused, 'must be true or false');
    this.fused = fused;
  }

  /** Number of updates applied so far (the `step` of the state dict). */
  get stepCount(): number {
    return this.steps;
  }

  /** The learning rate the next `step()` uses. */
  currentLearningRate(): number {
    if (typeof this.learningRate === 'number') return this.learningRate;
    const value = this.learningRate(this.steps);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`learningRate(${this.steps})`, value, 'must return a finite number >= 0');
    }
    return value;
  }

  /**
   * Applies one update to every parameter that has a gradient in `grads`. Validates all names
   * and shapes before changing anything; never reads tensor values back (no dataSync).
   */
  step(params: Record<string, tf.Variable>, grads: Record<string, tf.Tensor | null | undefined>): void {
    this.assertUsable();
    const names: string[] = [];
    for (const name of Object.keys(grads)) {
      const grad = grads[name];
      if (grad == null) continue;
      const param = params[name];
      if (param == null) {
        throw new InvalidArgumentError(
          `grads['${name}']`,
          grad,
          `has no parameter of that name (params holds ${describeValue(Object.keys(params))})`,
        );
      }
      if (!tf.util.arraysEqual(grad.shape, param.shape)) {
        throw new InvalidArgumentError(`grads['${name}']`, grad, `must have the shape of params['${name}'] [${param.shape.join(', ')}]`);
      }
      if (!(param instanceof tf.Variable)) {
        throw new InvalidArgumentError(`params['${name}']`, param, 'must be a tf.Variable (the optimizer assigns to it)');
      }
      if (param.dtype !== 'float32') {
        throw new InvalidArgumentError(`params['${name}']`, param, 'must be float32');
      }
      const moments = this.moments.get(name);
      if (moments && !tf.util.arraysEqual(moments.m.shape, param.shape)) {
        throw new InvalidArgumentError(`m/${name}`, moments.m, `must have the shape of params['${name}'] [${param.shape.join(', ')}]`);
      }
      names.push(name);
    }

    // 1. Scalars of this step, in float64 from the step number t (Algorithm 1 of Kingma & Ba).
    const t = this.steps + 1;
    const lr = this.currentLearningRate();
    const biasCorrection1 = 1 - Math.pow(this.beta1, t);
    const biasCorrection2 = 1 - Math.pow(this.beta2, t);
    const stepSize = lr / biasCorrection1;
    const weightDecayFactor = 1 - lr * this.decoupledWeightDecay;

    // wasm / cpu: one fused kernel per parameter (optim/fused-adam.ts), the same equations.
    const fused = this.fused && hasFusedAdam();
    for (const name of names) {
      const param = params[name];
      const grad = grads[name] as tf.Tensor;
      const old = this.moments.get(name);
      const next = tf.tidy(() => {
        const m0 = old ? old.m : tf.zerosLike(param);
        const v0 = old ? old.v : tf.zerosLike(param);
        const g = grad.dtype === 'float32' ? grad : tf.cast(grad, 'float32');
        if (fused && param.size > 0) {
          const [p1, m1, v1] = fusedAdamUpdate(param, g, m0, v0, {
            beta1: this.beta1,
            beta2: this.beta2,
            epsilon: this.epsilon,
            stepSize,
            sqrtBiasCorrection2: Math.sqrt(biasCorrection2),
            decay: weightDecayFactor,
          });
          param.assign(p1);
          return { m: m1, v: v1 };
        }
        // 2. m_t = β₁ m_{t−1} + (1 − β₁) g_t ;  v_t = β₂ v_{t−1} + (1 − β₂) g_t²
        const m = tf.add(tf.mul(m0, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(v0, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        // 3. θ_t = θ_{t−1}(1 − αλ) − α/(1 − β₁ᵗ) · m_t / (√v_t / √(1 − β₂ᵗ) + ε)
        //    (decoupled decay, Loshchilov & Hutter 2019 Algorithm 2; λ = 0 for Adam)
        const denominator = tf.add(tf.div(tf.sqrt(v), Math.sqrt(biasCorrection2)), this.epsilon);
        const decayed = weightDecayFactor === 1 ? param : tf.mul(param, weightDecayFactor);
        param.assign(tf.sub(decayed, tf.mul(tf.div(m, denominator), stepSize)));
        return { m, v };
      });
      this.moments.set(name, { m: tf.keep(next.m), v: tf.keep(next.v) });
      if (old) {
        old.m.dispose();
        old.v.dispose();
      }
    }
    this.steps = t;
  }

  /**
   * The moments (live tensors, valid until the next `step()` or `dispose()`; do not dispose
   * them) and the step count as an int32 scalar the optimizer owns.
   */
  stateDict(): NamedTensors {
    this.assertUsable();
    const state: NamedTensors = {};
    for (const [name, { m, v }] of this.moments) {
      state[`m/${name}`] = m;
      state[`v/${name}`] = v;
    }
    if (this.stepTensor == null || this.stepTensor.isDisposed || this.stepTensorValue !== this.steps) {
      this.stepTensor?.dispose();
      this.stepTensor = tf.keep(tf.scalar(this.steps, 'int32'));
      this.stepTensorValue = this.steps;
    }
    state.step = this.stepTensor;
    return state;
  }

  /**
   * Replaces the optimizer state with copies of `state` (the caller keeps ownership of its
   * tensors). `strict` (default true) rejects keys other than 'step', 'm/<param>', 'v/<param>'.
   */
  loadStateDict(state: NamedTensors, { strict = true }: { strict?: boolean } = {}): void {
    this.assertUsable();
    const step = state.step;
    if (step == null) {
      throw new InvalidArgumentError("state['step']", step, 'is required: the number of updates applied');
    }
    const stepValue = step.size === 1 ? step.dataSync()[0] : NaN;
    if (step.rank !== 0 || !Number.isInteger(stepValue) || stepValue < 0) {
      throw new InvalidArgumentError("state['step']", step, 'must be a scalar integer >= 0');
    }
    const loaded = new Map<string, { m: tf.Tensor; v: tf.Tensor }>();
    for (const key of Object.keys(state)) {
      if (key === 'step') continue;
      const kind = key.slice(0, 2);
      const name = key.slice(2);
      if ((kind !== 'm/' && kind !== 'v/') || name.length === 0) {
        if (strict) {
          throw new InvalidArgumentError(`state['${key}']`, state[key], "is unexpected: optimizer state holds 'step', 'm/<param>' and 'v/<param>'");
        }
        continue;
      }
      if (kind === 'v/') continue;
      const m = state[key];
      const v = state[`v/${name}`];
      if (v == null) {
        throw new InvalidArgumentError(`state['v/${name}']`, v, `is required: every 'm/<param>' needs its 'v/<param>'`);
      }
      for (const [label, tensor] of [[key, m], [`v/${name}`, v]] as const) {
        if (tensor.dtype !== 'float32') throw new InvalidArgumentError(`state['${label}']`, tensor, 'must be float32');
      }
      if (!tf.util.arraysEqual(m.shape, v.shape)) {
        throw new InvalidArgumentError(`state['v/${name}']`, v, `must have the shape of state['m/${name}'] [${m.shape.join(', ')}]`);
      }
      loaded.set(name, { m, v });
    }
    for (const key of Object.keys(state)) {
      if (key.startsWith('v/') && key.length > 2 && !loaded.has(key.slice(2))) {
        throw new InvalidArgumentError(`state['m/${key.slice(2)}']`, undefined, `is required: every 'v/<param>' needs its 'm/<param>'`);
      }
    }
    this.disposeMoments();
    for (const [name, { m, v }] of loaded) {
      this.moments.set(name, { m: tf.keep(tf.clone(m)), v: tf.keep(tf.clone(v)) });
    }
    this.steps = stepValue;
  }

  /** Frees the moments. The optimizer cannot be used afterwards. */
  dispose(): void {
    this.disposeMoments();
    this.stepTensor?.dispose();
    this.stepTensor = null;
    this.disposed = true;
  }

  private disposeMoments(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }

  private assertUsable(): void {
    if (this.disposed) throw new InvalidArgumentError('optimizer', 'disposed', 'cannot be used after dispose()');
  }
}

/** Throws unless `value` is a finite number >= 0. */
export function checkNonNegative(argument: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(argument, value, 'must be a finite number >= 0');
  }
}

function checkUnitInterval(argument: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new InvalidArgumentError(argument, value, 'must be a number in [0, 1)');
  }
}
