// UniPC: Zhao, Bai, Rao, Zhou & Lu 2023, "UniPC: A Unified Predictor-Corrector Framework for Fast
// Sampling of Diffusion Models" (arXiv:2302.04867). A multistep exponential integrator in
// λ = log(α/σ) (the predictor UniP, like DPM-Solver++) followed, once the model has been evaluated
// at the new point, by a corrector UniC that raises the order by one at no extra model evaluation.
// Follows diffusers' scheduling_unipc_multistep.py (B(h) variants 'bh1' / 'bh2', data prediction).
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_SCHEDULER_CONFIG, InvalidArgumentError, resolveSchedulerConfig } from '@gen/core';
import type { Scheduler, SchedulerConfig, SchedulerOutput, SchedulerStepOptions } from '@gen/core';
import {
  addNoiseVariancePreserving,
  checkBoolean,
  checkNumInferenceSteps,
  checkOneOf,
  checkStepTensors,
  copyConfig,
  disposeIfTensor,
  karrasSchedule,
  knownConfigFields,
  multistepTimesteps,
  nextStepIndex,
  processPredictedOriginal,
  sigmasOf,
  solveLinearSystem,
  trainAlphasCumprod,
} from './scheduling-utils';

/** B(h) of the UniPC update: 'bh1' = h (for unconditional sampling), 'bh2' = e^h − 1 (guided; the default). */
export type UniPCSolverType = 'bh1' | 'bh2';
export const UNIPC_SOLVER_TYPES: readonly UniPCSolverType[] = Object.freeze(['bh1', 'bh2']);

/** Configuration of {@link UniPCMultistepScheduler}. */
export interface UniPCMultistepSchedulerConfig extends SchedulerConfig {
  /** Order p of the predictor (1, 2 or 3); the corrector makes it p + 1. Default 2. */
  solverOrder: number;
  /** Default 'bh2'. */
  solverType: UniPCSolverType;
  /** Integrate the data prediction x_θ (UniPC with x₀, default true) or the noise prediction ε_θ. */
  predictX0: boolean;
  /** Lower the order of the last steps (it drops to the steps that remain). Default true. */
  lowerOrderFinal: boolean;
  /** Step indices after which the corrector is skipped. Default []. */
  disableCorrector: readonly number[];
  /** Karras et al. 2022 noise levels (ρ = 7) over the training σ range. Default false. */
  useKarrasSigmas: boolean;
  /** The σ after the last step: 0 (default) or the training σ of t = 0. */
  finalSigmasType: 'zero' | 'sigma_min';
}

/** diffusers' UniPCMultistepScheduler defaults (order 2, bh2, data prediction, 'linspace' spacing). */
export const UNIPC_MULTISTEP_DEFAULT_CONFIG: Readonly<UniPCMultistepSchedulerConfig> = Object.freeze({
  ...DEFAULT_SCHEDULER_CONFIG,
  timestepSpacing: 'linspace',
  clipSample: false,
  solverOrder: 2,
  solverType: 'bh2' as UniPCSolverType,
  predictX0: true,
  lowerOrderFinal: true,
  disableCorrector: Object.freeze([]) as readonly number[],
  useKarrasSigmas: false,
  finalSigmasType: 'zero' as const,
});

/**
 * UniPC: predictor UniP-p plus corrector UniC, one model evaluation per step, the previous
 * `solverOrder` converted model outputs and the last sample kept on the scheduler (freed by
 * `reset()` / `setTimesteps` and after the last step). Deterministic.
 */
export class UniPCMultistepScheduler implements Scheduler<UniPCMultistepSchedulerConfig> {
  readonly config: Readonly<UniPCMultistepSchedulerConfig>;
  readonly order = 1;
  readonly initNoiseSigma = 1;
  readonly alphasCumprod: Float64Array;
  readonly trainSigmas: Float64Array;
  sigmas: Float64Array = new Float64Array(0);
  stepIndex: number | null = null;
  private timestepList: Int32Array = new Int32Array(0);
  private inferenceSteps: number | null = null;
  private modelOutputs: (tf.Tensor | null)[];
  private lastSample: tf.Tensor | null = null;
  private lowerOrderNums = 0;
  private thisOrder = 1;

  constructor(config: Partial<UniPCMultistepSchedulerConfig> = {}) {
    this.config = resolveSchedulerConfig(UNIPC_MULTISTEP_DEFAULT_CONFIG, config);
    const { solverOrder, disableCorrector } = this.config;
    if (![1, 2, 3].includes(solverOrder)) throw new InvalidArgumentError('config.solverOrder', solverOrder, 'must be 1, 2 or 3');
    checkOneOf('config.solverType', this.config.solverType, UNIPC_SOLVER_TYPES);
    checkOneOf('config.finalSigmasType', this.config.finalSigmasType, ['zero', 'sigma_min'] as const);
    for (const key of ['predictX0', 'lowerOrderFinal', 'useKarrasSigmas'] as const) checkBoolean(`config.${key}`, this.config[key]);
    if (!Array.isArray(disableCorrector) || !disableCorrector.every((i) => Number.isInteger(i) && i >= 0)) {
      throw new InvalidArgumentError('config.disableCorrector', disableCorrector, 'must be an array of step indices (integers >= 0)');
    }
    this.alphasCumprod = trainAlphasCumprod(this.config, { clampZeroTerminal: true });
    this.trainSigmas = sigmasOf(this.alphasCumprod);
    this.modelOutputs = new Array(solverOrder).fill(null);
  }

  /**
   * A UniPCMultistepScheduler with the fields of `config` it knows (any scheduler's `getConfig()`).
   * DPM-Solver's `solverType` ('midpoint' / 'heun') is another field under the same name, so it
   * is left out (diffusers maps it to 'bh2', the default).
   */
  static fromConfig(config: Readonly<Partial<UniPCMultistepSchedulerConfig>>): UniPCMultistepScheduler {
    const fields = knownConfigFields(UNIPC_MULTISTEP_DEFAULT_CONFIG, config);
    if (fields.solverType !== undefined && !UNIPC_SOLVER_TYPES.includes(fields.solverType)) delete fields.solverType;
    return new UniPCMultistepScheduler(fields);
  }

  getConfig(): UniPCMultistepSchedulerConfig {
    return copyConfig(this.config);
  }

  get timesteps(): Int32Array {
    return this.timestepList;
  }

  get numInferenceSteps(): number | null {
    return this.inferenceSteps;
  }

  setTimesteps(numInferenceSteps: number): void {
    checkNumInferenceSteps(numInferenceSteps, this.config.numTrainTimesteps);
    let timesteps: Int32Array = multistepTimesteps(numInferenceSteps, this.config);
    let sigmas: Float64Array = Float64Array.from(timesteps, (t) => this.trainSigmas[t]);
    if (this.config.useKarrasSigmas) {
      const sigmaMax = this.trainSigmas[this.trainSigmas.length - 1];
      ({ sigmas, timesteps } = karrasSchedule(numInferenceSteps, this.trainSigmas[0], sigmaMax, this.trainSigmas));
    }
    const sigmaLast = this.config.finalSigmasType === 'zero' ? 0 : this.trainSigmas[0];
    this.timestepList = timesteps;
    this.sigmas = Float64Array.from([...sigmas, sigmaLast]);
    this.inferenceSteps = numInferenceSteps;
    this.reset();
  }

  /** Frees the kept model outputs and sample and forgets the position in the schedule. */
  reset(): void {
    this.clearHistory();
    this.stepIndex = null;
  }

  dispose(): void {
    this.reset();
  }

  private clearHistory(): void {
    for (const tensor of this.modelOutputs) disposeIfTensor(tensor);
    this.modelOutputs.fill(null);
    disposeIfTensor(this.lastSample);
    this.lastSample = null;
    this.lowerOrderNums = 0;
    this.thisOrder = 1;
  }

  scaleModelInput(sample: tf.Tensor, _timestep?: number): tf.Tensor {
    return tf.clone(sample);
  }

  private alphaSigmaLambda(sigma: number): { alpha: number; sigma: number; lambda: number } {
    const alpha = 1 / Math.sqrt(sigma * sigma + 1);
    const sigmaT = sigma * alpha;
    return { alpha, sigma: sigmaT, lambda: Math.log(alpha) - Math.log(sigmaT) };
  }

  /** x_θ (predictX0) or ε_θ from the model output at noise level σ. */
  private convertModelOutput(modelOutput: tf.Tensor, sample: tf.Tensor, sigma: number): tf.Tensor {
    const { alpha, sigma: sigmaT } = this.alphaSigmaLambda(sigma);
    const { predictionType, predictX0 } = this.config;
    if (predictX0) {
      let x0: tf.Tensor;
      if (predictionType === 'epsilon') x0 = tf.div(tf.sub(sample, tf.mul(modelOutput, sigmaT)), alpha);
      else if (predictionType === 'sample') x0 = tf.clone(modelOutput);
      else x0 = tf.sub(tf.mul(sample, alpha), tf.mul(modelOutput, sigmaT));
      return processPredictedOriginal(x0, this.config);
    }
    if (predictionType === 'epsilon') return tf.clone(modelOutput);
    if (predictionType === 'sample') return tf.div(tf.sub(sample, tf.mul(modelOutput, alpha)), sigmaT);
    return tf.add(tf.mul(modelOutput, alpha), tf.mul(sample, sigmaT));
  }

  step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor, _options: SchedulerStepOptions = {}): SchedulerOutput {
    checkStepTensors(modelOutput, sample);
    const index = nextStepIndex(this.timestepList, this.stepIndex, timestep, 'UniPCMultistepScheduler');
    const { solverOrder } = this.config;
    const n = this.timestepList.length;
    const useCorrector = index > 0 && !this.config.disableCorrector.includes(index - 1) && this.lastSample !== null;

    const result = tf.tidy(() => {
      // 1. Convert the model output at x_t (before correction), as diffusers.
      const converted = tf.keep(this.convertModelOutput(modelOutput, sample, this.sigmas[index]));
      // 2. UniC: correct x_t with the new evaluation (Zhao et al. 2023, Algorithm 2, corrector).
      const current = useCorrector ? this.correct(converted, this.lastSample as tf.Tensor, index, this.thisOrder) : sample;
      // 3. Append to the history (dropping the oldest).
      disposeIfTensor(this.modelOutputs[0]);
      for (let i = 0; i < solverOrder - 1; i++) this.modelOutputs[i] = this.modelOutputs[i + 1];
      this.modelOutputs[solverOrder - 1] = converted;
      // 4. Order of this step: warm up from 1, and lower it near the end.
      const order = this.config.lowerOrderFinal ? Math.min(solverOrder, n - index) : solverOrder;
      this.thisOrder = Math.min(order, this.lowerOrderNums + 1);
      disposeIfTensor(this.lastSample);
      this.lastSample = tf.keep(tf.clone(current));
      // 5. UniP: predict x at the next noise level.
      const prevSample = this.predict(current, index, this.thisOrder);
      const predOriginalSample = this.config.predictX0 ? tf.clone(converted) : undefined;
      return predOriginalSample ? { prevSample, predOriginalSample } : { prevSample };
    });
    if (this.lowerOrderNums < solverOrder) this.lowerOrderNums += 1;
    this.stepIndex = index + 1;
    if (this.stepIndex === n) this.clearHistory();
    return result;
  }

  /**
   * R (rows r_k^{i−1}) and b (b_i = h φ_{i+1}(h)·i!/B(h)) of the UniPC order conditions
   * (Zhao et al. 2023, eq. 8 and Algorithm 2), with hh = −h for data prediction, +h for noise.
   */
  private orderConditions(rks: number[], hh: number, order: number): { R: number[][]; b: number[]; hPhi1: number; Bh: number } {
    const hPhi1 = Math.expm1(hh); // h φ₁(h) = e^h − 1
    let hPhiK = hPhi1 / hh - 1;
    let factorial = 1;
    const Bh = this.config.solverType === 'bh1' ? hh : Math.expm1(hh);
    const R: number[][] = [];
    const b: number[] = [];
    for (let i = 1; i <= order; i++) {
      R.push(rks.map((r) => r ** (i - 1)));
      b.push((hPhiK * factorial) / Bh);
      factorial *= i + 1;
      hPhiK = hPhiK / hh - 1 / factorial;
    }
    return { R, b, hPhi1, Bh };
  }

  /** The linear part of both updates: (σ_t/σ_s) x − α_t (e^{−h} − 1) m₀ for x_θ, (α_t/α_s) x − σ_t (e^h − 1) m₀ for ε_θ. */
  private baseUpdate(x: tf.Tensor, m0: tf.Tensor, t: ReturnType<UniPCMultistepScheduler['alphaSigmaLambda']>, s0: ReturnType<UniPCMultistepScheduler['alphaSigmaLambda']>, h: number): tf.Tensor {
    if (this.config.predictX0) return tf.sub(tf.mul(x, t.sigma / s0.sigma), tf.mul(m0, t.alpha * Math.expm1(-h)));
    // σ_t (e^h − 1) written as α_t σ_s/α_s (1 − e^{−h}), finite when σ_t = 0.
    return tf.sub(tf.mul(x, t.alpha / s0.alpha), tf.mul(m0, ((t.alpha * s0.sigma) / s0.alpha) * -Math.expm1(-h)));
  }

  /**
   * UniP-p — Zhao et al. 2023, Algorithm 2 (predictor): with D_k = (m_k − m₀)/r_k,
   * x_t = base − α_t B(h) Σ_k ρ_k^p D_k (x_θ form; σ_t for ε_θ); ρ^p = ½ for p = 2, else R ρ = b.
   */
  private predict(x: tf.Tensor, index: number, order: number): tf.Tensor {
    const history = this.modelOutputs;
    const m0 = history[history.length - 1] as tf.Tensor;
    const t = this.alphaSigmaLambda(this.sigmas[index + 1]);
    const s0 = this.alphaSigmaLambda(this.sigmas[index]);
    const h = t.lambda - s0.lambda;
    const base = this.baseUpdate(x, m0, t, s0, h);
    if (order === 1) return base;
    const rks: number[] = [];
    const d1s: tf.Tensor[] = [];
    for (let k = 1; k < order; k++) {
      const sk = this.alphaSigmaLambda(this.sigmas[index - k]);
      const rk = (sk.lambda - s0.lambda) / h;
      rks.push(rk);
      d1s.push(tf.div(tf.sub(history[history.length - 1 - k] as tf.Tensor, m0), rk));
    }
    rks.push(1);
    const hh = this.config.predictX0 ? -h : h;
    const { R, b, Bh } = this.orderConditions(rks, hh, order);
    const rhos = order === 2 ? [0.5] : solveLinearSystem(R.slice(0, -1).map((row) => row.slice(0, -1)), b.slice(0, -1));
    const residual = tf.addN(d1s.map((d, k) => tf.mul(d, rhos[k])));
    const scale = this.config.predictX0 ? t.alpha : t.sigma;
    return tf.sub(base, tf.mul(residual, scale * Bh));
  }

  /**
   * UniC-p — Zhao et al. 2023, Algorithm 2 (corrector): with the new evaluation m_t and
   * D_t = m_t − m₀, x_t^c = base − α_t B(h) (Σ_k ρ_k^c D_k + ρ_p^c D_t), ρ^c = ½ for p = 1, else R ρ = b.
   */
  private correct(modelT: tf.Tensor, lastSample: tf.Tensor, index: number, order: number): tf.Tensor {
    const history = this.modelOutputs;
    const m0 = history[history.length - 1] as tf.Tensor;
    const t = this.alphaSigmaLambda(this.sigmas[index]);
    const s0 = this.alphaSigmaLambda(this.sigmas[index - 1]);
    const h = t.lambda - s0.lambda;
    const rks: number[] = [];
    const d1s: tf.Tensor[] = [];
    for (let k = 1; k < order; k++) {
      const sk = this.alphaSigmaLambda(this.sigmas[index - (k + 1)]);
      const rk = (sk.lambda - s0.lambda) / h;
      rks.push(rk);
      d1s.push(tf.div(tf.sub(history[history.length - 1 - k] as tf.Tensor, m0), rk));
    }
    rks.push(1);
    const hh = this.config.predictX0 ? -h : h;
    const { R, b, Bh } = this.orderConditions(rks, hh, order);
    const rhos = order === 1 ? [0.5] : solveLinearSystem(R, b);
    const base = this.baseUpdate(lastSample, m0, t, s0, h);
    const terms = [tf.mul(tf.sub(modelT, m0), rhos[rhos.length - 1]), ...d1s.map((d, k) => tf.mul(d, rhos[k]))];
    const correction = terms.length === 1 ? terms[0] : tf.addN(terms);
    const scale = this.config.predictX0 ? t.alpha : t.sigma;
    return tf.sub(base, tf.mul(correction, scale * Bh));
  }

  /** √ᾱ_t x₀ + √(1 − ᾱ_t) ε (Ho et al. 2020, eq. 4), one timestep per batch element. */
  addNoise(originalSamples: tf.Tensor, noise: tf.Tensor, timesteps: tf.Tensor1D | Int32Array): tf.Tensor {
    return addNoiseVariancePreserving(originalSamples, noise, timesteps, this.alphasCumprod);
  }
}
