import * as tf from '@tensorflow/tfjs-core';
import { describeValue, InvalidArgumentError } from '../errors';
import type { NamedTensors, Stateful } from '../types';
import { checkNonNegative } from './adam';

/** How the decay ramps up over the first updates. */
export type EMAWarmup = 'none' | 'power' | 'ratio';

/** Options of {@link EMA}. */
export interface EMAOptions {
  /** Largest decay used (the target decay). Default 0.9999. */
  decay?: number;
  /** Smallest decay used once averaging starts. Default 0. */
  minDecay?: number;
  /** Updates that only copy the weights before averaging starts. Default 0. */
  updateAfterStep?: number;
  /**
   * Decay warm-up, as diffusers' EMAModel (with s = update − updateAfterStep − 1, and decay 0
   * — a plain copy — while s ≤ 0):
   * - `'none'` (default): the constant `decay` from the first update after `updateAfterStep`;
   * - `'power'`: 1 − (1 + s / invGamma)^(−power) (diffusers `use_ema_warmup=True`);
   * - `'ratio'`: (1 + s) / (10 + s) (diffusers' default, as tf.train.ExponentialMovingAverage's num_updates).
   * The result is clamped to [minDecay, decay].
   */
  warmup?: EMAWarmup;
  /** γ of the `'power'` warm-up. Default 1. */
  invGamma?: number;
  /** Exponent of the `'power'` warm-up: 2/3 suits short runs, 3/4 long ones. Default 2/3. */
  power?: number;
}

/**
 * Exponential moving average of weights: shadow ← shadow − (1 − d)(shadow − θ) at each
 * `update(params)`. The shadows start as copies of the parameters given to the constructor.
 * `copyTo(params)` writes the averages into the model; `swap(params)` exchanges model and
 * averages (call it again to swap back), for evaluating with EMA weights. State:
 * `'shadow/<param>'` and `'step'` (number of updates, int32 scalar).
 */
export class EMA implements Stateful {
  readonly decay: number;
  readonly minDecay: number;
  readonly updateAfterStep: number;
  readonly warmup: EMAWarmup;
  readonly invGamma: number;
  readonly power: number;

  private readonly shadows = new Map<string, tf.Tensor>();
  private updates = 0;
  private stepTensor: tf.Scalar | null = null;
  private stepTensorValue = -1;
  private disposed = false;

  constructor(
    params: Record<string, tf.Tensor>,
    { decay = 0.9999, minDecay = 0, updateAfterStep = 0, warmup = 'none', invGamma = 1, power = 2 / 3 }: EMAOptions = {},
  ) {
    if (typeof decay !== 'number' || !(decay >= 0 && decay <= 1)) {
      throw new InvalidArgumentError('decay', decay, 'must be a number in [0, 1]');
    }
    if (typeof minDecay !== 'number' || !(minDecay >= 0 && minDecay <= decay)) {
      throw new InvalidArgumentError('minDecay', minDecay, `must be a number in [0, decay (${decay})]`);
    }
    if (!Number.isInteger(updateAfterStep) || updateAfterStep < 0) {
      throw new InvalidArgumentError('updateAfterStep', updateAfterStep, 'must be an integer >= 0');
    }
    if (warmup !== 'none' && warmup !== 'power' && warmup !== 'ratio') {
      throw new InvalidArgumentError('warmup', warmup, "must be 'none', 'power' or 'ratio'");
    }
    if (typeof invGamma !== 'number' || !(invGamma > 0) || !Number.isFinite(invGamma)) {
      throw new InvalidArgumentError('invGamma', invGamma, 'must be a finite number > 0');
    }
    checkNonNegative('power', power);
    this.decay = decay;
    this.minDecay = minDecay;
    this.updateAfterStep = updateAfterStep;
    this.warmup = warmup;
    this.invGamma = invGamma;
    this.power = power;
    for (const name of Object.keys(params)) {
      const param = params[name];
      if (param.dtype !== 'float32') throw new InvalidArgumentError(`params['${name}']`, param, 'must be float32');
      this.shadows.set(name, tf.keep(tf.clone(param)));
    }
  }

  /** Number of `update()` calls so far. */
  get stepCount(): number {
    return this.updates;
  }

  /** The decay used by update number `update` (1-based); see {@link EMAOptions.warmup}. */
  decayAt(update: number): number {
    if (!Number.isInteger(update) || update < 1) {
      throw new InvalidArgumentError('update', update, 'must be an integer >= 1');
    }
    if (update <= this.updateAfterStep) return 0;
    let value = this.decay;
    if (this.warmup !== 'none') {
      const s = update - this.updateAfterStep - 1;
      if (s <= 0) return 0;
      value = this.warmup === 'power' ? 1 - Math.pow(1 + s / this.invGamma, -this.power) : (1 + s) / (10 + s);
    }
    return Math.max(this.minDecay, Math.min(value, this.decay));
  }

  /** One averaging step towards `params` (same names and shapes as at construction). */
  update(params: Record<string, tf.Tensor>): void {
    this.assertMatches(params);
    const decay = this.decayAt(this.updates + 1);
    for (const [name, shadow] of this.shadows) {
      const param = params[name];
      const next =
        decay === 0
          ? tf.clone(param)
          : tf.tidy(() => tf.sub(shadow, tf.mul(tf.sub(shadow, param), 1 - decay)));
      this.shadows.set(name, tf.keep(next));
      shadow.dispose();
    }
    this.updates += 1;
  }

  /** Writes the averaged weights into `params`. */
  copyTo(params: Record<string, tf.Variable>): void {
    this.assertMatches(params);
    for (const [name, shadow] of this.shadows) params[name].assign(shadow);
  }

  /** Exchanges the model's weights and the averages; a second call swaps back. */
  swap(params: Record<string, tf.Variable>): void {
    this.assertMatches(params);
    for (const [name, shadow] of this.shadows) {
      const current = tf.keep(tf.clone(params[name]));
      params[name].assign(shadow);
      shadow.dispose();
      this.shadows.set(name, current);
    }
  }

  /** The averaged weights under the parameter names (live tensors the EMA owns; valid until the next update). */
  averages(): NamedTensors {
    this.assertUsable();
    return Object.fromEntries(this.shadows);
  }

  /** `'shadow/<param>'` (live tensors, valid until the next update) and `'step'`. */
  stateDict(): NamedTensors {
    this.assertUsable();
    const state: NamedTensors = {};
    for (const [name, shadow] of this.shadows) state[`shadow/${name}`] = shadow;
    if (this.stepTensor == null || this.stepTensor.isDisposed || this.stepTensorValue !== this.updates) {
      this.stepTensor?.dispose();
      this.stepTensor = tf.keep(tf.scalar(this.updates, 'int32'));
      this.stepTensorValue = this.updates;
    }
    state.step = this.stepTensor;
    return state;
  }

  /**
   * Copies the shadows and step count in. Every tracked parameter needs its `'shadow/<param>'`
   * of the same shape; with `strict` (default true) other keys are rejected.
   */
  loadStateDict(state: NamedTensors, { strict = true }: { strict?: boolean } = {}): void {
    this.assertUsable();
    const step = state.step;
    if (step == null) throw new InvalidArgumentError("state['step']", step, 'is required: the number of updates applied');
    const stepValue = step.size === 1 ? step.dataSync()[0] : NaN;
    if (step.rank !== 0 || !Number.isInteger(stepValue) || stepValue < 0) {
      throw new InvalidArgumentError("state['step']", step, 'must be a scalar integer >= 0');
    }
    for (const [name, shadow] of this.shadows) {
      const loaded = state[`shadow/${name}`];
      if (loaded == null) throw new InvalidArgumentError(`state['shadow/${name}']`, loaded, 'is required: the EMA tracks this parameter');
      if (loaded.dtype !== 'float32' || !tf.util.arraysEqual(loaded.shape, shadow.shape)) {
        throw new InvalidArgumentError(`state['shadow/${name}']`, loaded, `must be float32 of shape [${shadow.shape.join(', ')}]`);
      }
    }
    if (strict) {
      for (const key of Object.keys(state)) {
        if (key !== 'step' && !(key.startsWith('shadow/') && this.shadows.has(key.slice(7)))) {
          throw new InvalidArgumentError(`state['${key}']`, state[key], "is unexpected: EMA state holds 'step' and 'shadow/<param>' of the tracked parameters");
        }
      }
    }
    for (const [name, shadow] of this.shadows) {
      this.shadows.set(name, tf.keep(tf.clone(state[`shadow/${name}`])));
      shadow.dispose();
    }
    this.updates = stepValue;
  }

  /** Frees the shadows. The EMA cannot be used afterwards. */
  dispose(): void {
    for (const shadow of this.shadows.values()) shadow.dispose();
    this.shadows.clear();
    this.stepTensor?.dispose();
    this.stepTensor = null;
    this.disposed = true;
  }

  private assertMatches(params: Record<string, tf.Tensor>): void {
    this.assertUsable();
    for (const [name, shadow] of this.shadows) {
      const param = params[name];
      if (param == null) {
        throw new InvalidArgumentError(`params['${name}']`, param, 'is required: the EMA was created with this parameter');
      }
      if (!tf.util.arraysEqual(param.shape, shadow.shape)) {
        throw new InvalidArgumentError(`params['${name}']`, param, `must have shape [${shadow.shape.join(', ')}] as at construction`);
      }
    }
    for (const name of Object.keys(params)) {
      if (!this.shadows.has(name)) {
        throw new InvalidArgumentError(
          `params['${name}']`,
          params[name],
          `is not tracked by this EMA (it holds ${describeValue([...this.shadows.keys()])})`,
        );
      }
    }
  }

  private assertUsable(): void {
    if (this.disposed) throw new InvalidArgumentError('ema', 'disposed', 'cannot be used after dispose()');
  }
}
