// DPM-Solver++ (multistep): Lu, Zhou, Bao, Chen, Li & Zhu 2022, "DPM-Solver++: Fast Solver for
// Guided Sampling of Diffusion Probabilistic Models" (arXiv:2211.01095), and DPM-Solver (Lu et al.
// 2022, arXiv:2206.00927). Exponential integrators of the probability-flow ODE in λ = log(α/σ) on
// the data prediction x_θ; `'sde-dpmsolver++'` is the same integrator for the reverse SDE
// (SDE-DPM-Solver++, Lu et al. 2022b, Appendix). Follows diffusers' scheduling_dpmsolver_multistep.py.
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
  requireGenerator,
  sigmasOf,
  trainAlphasCumprod,
} from './scheduling-utils';

/** The integrator: the ODE solver DPM-Solver++ or its SDE counterpart. */
export type DPMSolverAlgorithmType = 'dpmsolver++' | 'sde-dpmsolver++';
/** The 2nd-order update: 'midpoint' (Lu et al. 2022b, Algorithm 2) or 'heun'. */
export type DPMSolverType = 'midpoint' | 'heun';
/** The σ after the last step: 0 (a clean sample) or the training σ of t = 0. */
export type FinalSigmasType = 'zero' | 'sigma_min';

export const DPM_SOLVER_ALGORITHM_TYPES: readonly DPMSolverAlgorithmType[] = Object.freeze(['dpmsolver++', 'sde-dpmsolver++']);
export const DPM_SOLVER_TYPES: readonly DPMSolverType[] = Object.freeze(['midpoint', 'heun']);
export const FINAL_SIGMAS_TYPES: readonly FinalSigmasType[] = Object.freeze(['zero', 'sigma_min']);

/** Configuration of {@link DPMSolverMultistepScheduler}. */
export interface DPMSolverMultistepSchedulerConfig extends SchedulerConfig {
  /** 1, 2 (DPM-Solver++ 2M, recommended for guided sampling) or 3 (unguided; ODE only). Default 2. */
  solverOrder: number;
  /** Default 'dpmsolver++'. */
  algorithmType: DPMSolverAlgorithmType;
  /** Default 'midpoint'. */
  solverType: DPMSolverType;
  /** Lower the order of the last steps when fewer than 15 steps are taken (stability). Default true. */
  lowerOrderFinal: boolean;
  /** Take a first-order step last whatever the step count. Default false. */
  eulerAtFinal: boolean;
  /** Karras et al. 2022 noise levels (ρ = 7) over the training σ range. Default false. */
  useKarrasSigmas: boolean;
  /** Default 'zero' (the last step is then always first order, as diffusers). */
  finalSigmasType: FinalSigmasType;
}

/** diffusers' DPMSolverMultistepScheduler defaults (2M, midpoint, 'linspace' spacing). */
export const DPM_SOLVER_MULTISTEP_DEFAULT_CONFIG: Readonly<DPMSolverMultistepSchedulerConfig> = Object.freeze({
  ...DEFAULT_SCHEDULER_CONFIG,
  timestepSpacing: 'linspace',
  clipSample: false,
  solverOrder: 2,
  algorithmType: 'dpmsolver++' as DPMSolverAlgorithmType,
  solverType: 'midpoint' as DPMSolverType,
  lowerOrderFinal: true,
  eulerAtFinal: false,
  useKarrasSigmas: false,
  finalSigmasType: 'zero' as FinalSigmasType,
});

/**
 * Multistep DPM-Solver++: each step is one model evaluation; the order-k update reuses the k − 1
 * previous data predictions (kept on the scheduler, freed by `reset()` / `setTimesteps` and after
 * the last step). The SDE variant adds noise and needs a `generator`.
 */
export class DPMSolverMultistepScheduler implements Scheduler<DPMSolverMultistepSchedulerConfig> {
  readonly config: Readonly<DPMSolverMultistepSchedulerConfig>;
  readonly order = 1;
  readonly initNoiseSigma = 1;
  readonly alphasCumprod: Float64Array;
  readonly trainSigmas: Float64Array;
  /** σ (variance-exploding) of each step, then the final σ; empty before `setTimesteps`. */
  sigmas: Float64Array = new Float64Array(0);
  stepIndex: number | null = null;
  protected readonly name: string = 'DPMSolverMultistepScheduler';
  private timestepList: Int32Array = new Int32Array(0);
  private inferenceSteps: number | null = null;
  /** The last `solverOrder` data predictions x_θ, oldest first (kept tensors). */
  private modelOutputs: (tf.Tensor | null)[];
  private lowerOrderNums = 0;

  constructor(config: Partial<DPMSolverMultistepSchedulerConfig> = {}, defaults: Readonly<DPMSolverMultistepSchedulerConfig> = DPM_SOLVER_MULTISTEP_DEFAULT_CONFIG) {
    this.config = resolveSchedulerConfig(defaults, config);
    const { solverOrder, algorithmType } = this.config;
    checkOneOf('config.algorithmType', algorithmType, DPM_SOLVER_ALGORITHM_TYPES);
    checkOneOf('config.solverType', this.config.solverType, DPM_SOLVER_TYPES);
    checkOneOf('config.finalSigmasType', this.config.finalSigmasType, FINAL_SIGMAS_TYPES);
    for (const key of ['lowerOrderFinal', 'eulerAtFinal', 'useKarrasSigmas'] as const) checkBoolean(`config.${key}`, this.config[key]);
    if (![1, 2, 3].includes(solverOrder)) throw new InvalidArgumentError('config.solverOrder', solverOrder, 'must be 1, 2 or 3');
    if (solverOrder === 3 && algorithmType !== 'dpmsolver++') {
      throw new InvalidArgumentError('config.solverOrder', solverOrder, `must be 1 or 2 with algorithmType "${algorithmType}" (3 is ODE-only)`);
    }
    this.alphasCumprod = trainAlphasCumprod(this.config, { clampZeroTerminal: true });
    this.trainSigmas = sigmasOf(this.alphasCumprod);
    this.modelOutputs = new Array(solverOrder).fill(null);
  }

  /**
   * A DPMSolverMultistepScheduler with the fields of `config` it knows (any scheduler's
   * `getConfig()`). UniPC's `solverType` ('bh1' / 'bh2') is another field under the same name, so
   * it is left out, as diffusers does when swapping.
   */
  static fromConfig(config: Readonly<Partial<DPMSolverMultistepSchedulerConfig>>): DPMSolverMultistepScheduler {
    return new DPMSolverMultistepScheduler(dpmSolverFields(DPM_SOLVER_MULTISTEP_DEFAULT_CONFIG, config));
  }

  getConfig(): DPMSolverMultistepSchedulerConfig {
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

  /** Frees the kept model outputs and forgets the position in the schedule. */
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
    this.lowerOrderNums = 0;
  }

  scaleModelInput(sample: tf.Tensor, _timestep?: number): tf.Tensor {
    return tf.clone(sample);
  }

  /** α_t = 1/√(σ²+1), σ_t = σ α_t (VP coefficients of a VE σ) and λ_t = log α_t − log σ_t. */
  private alphaSigmaLambda(sigma: number): { alpha: number; sigma: number; lambda: number } {
    const alpha = 1 / Math.sqrt(sigma * sigma + 1);
    const sigmaT = sigma * alpha;
    return { alpha, sigma: sigmaT, lambda: Math.log(alpha) - Math.log(sigmaT) };
  }

  /** The data prediction x_θ(x_t, t) from the model output (Lu et al. 2022b, §3.1). */
  private convertModelOutput(modelOutput: tf.Tensor, sample: tf.Tensor, sigma: number): tf.Tensor {
    const { alpha, sigma: sigmaT } = this.alphaSigmaLambda(sigma);
    const { predictionType } = this.config;
    let x0: tf.Tensor;
    if (predictionType === 'epsilon') x0 = tf.div(tf.sub(sample, tf.mul(modelOutput, sigmaT)), alpha);
    else if (predictionType === 'sample') x0 = tf.clone(modelOutput);
    else x0 = tf.sub(tf.mul(sample, alpha), tf.mul(modelOutput, sigmaT));
    return processPredictedOriginal(x0, this.config);
  }

  step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor, options: SchedulerStepOptions = {}): SchedulerOutput {
    checkStepTensors(modelOutput, sample);
    const index = nextStepIndex(this.timestepList, this.stepIndex, timestep, this.name);
    const sde = this.config.algorithmType === 'sde-dpmsolver++';
    const generator = sde ? requireGenerator(options, this.name, 'with algorithmType "sde-dpmsolver++" adds noise at every step') : undefined;
    const n = this.timestepList.length;
    const { solverOrder, lowerOrderFinal, eulerAtFinal, finalSigmasType } = this.config;
    // Lower orders at the end improve stability for few steps (and into σ = 0, always first order).
    const finalFirstOrder = index === n - 1 && (eulerAtFinal || (lowerOrderFinal && n < 15) || finalSigmasType === 'zero');
    const finalSecondOrder = index === n - 2 && lowerOrderFinal && n < 15;

    const result = tf.tidy(() => {
      // 1. x_θ at this step, appended to the history (the oldest is dropped).
      const x0 = tf.keep(this.convertModelOutput(modelOutput, sample, this.sigmas[index]));
      disposeIfTensor(this.modelOutputs[0]);
      for (let i = 0; i < solverOrder - 1; i++) this.modelOutputs[i] = this.modelOutputs[i + 1];
      this.modelOutputs[solverOrder - 1] = x0;

      const noise = generator ? generator.normal(sample.shape) : null;
      let prevSample: tf.Tensor;
      if (solverOrder === 1 || this.lowerOrderNums < 1 || finalFirstOrder) {
        prevSample = this.firstOrderUpdate(x0, sample, index, noise);
      } else if (solverOrder === 2 || this.lowerOrderNums < 2 || finalSecondOrder) {
        prevSample = this.secondOrderUpdate(sample, index, noise);
      } else {
        prevSample = this.thirdOrderUpdate(sample, index);
      }
      return { prevSample, predOriginalSample: tf.clone(x0) };
    });
    if (this.lowerOrderNums < solverOrder) this.lowerOrderNums += 1;
    this.stepIndex = index + 1;
    // Nothing can use the history after the last step: free it now rather than at reset().
    if (this.stepIndex === n) this.clearHistory();
    return result;
  }

  /**
   * DPM-Solver++(1), i.e. DDIM in λ (Lu et al. 2022b, eq. for the first-order update):
   * x_t = (σ_t/σ_s) x_s − α_t (e^{−h} − 1) x_θ,  h = λ_t − λ_s.
   * SDE form: x_t = (σ_t/σ_s) e^{−h} x_s + α_t (1 − e^{−2h}) x_θ + σ_t √(1 − e^{−2h}) z.
   */
  private firstOrderUpdate(x0: tf.Tensor, sample: tf.Tensor, index: number, noise: tf.Tensor | null): tf.Tensor {
    const t = this.alphaSigmaLambda(this.sigmas[index + 1]);
    const s = this.alphaSigmaLambda(this.sigmas[index]);
    const h = t.lambda - s.lambda;
    if (noise === null) {
      return tf.add(tf.mul(sample, t.sigma / s.sigma), tf.mul(x0, -t.alpha * Math.expm1(-h)));
    }
    const decay = Math.exp(-h);
    return tf.addN([
      tf.mul(sample, (t.sigma / s.sigma) * decay),
      tf.mul(x0, t.alpha * -Math.expm1(-2 * h)),
      tf.mul(noise, t.sigma * Math.sqrt(-Math.expm1(-2 * h))),
    ]);
  }

  /**
   * Multistep DPM-Solver++(2M) — Lu et al. 2022b, Algorithm 2:
   * r₀ = h₀/h, D₀ = x_θ(s₀), D₁ = (D₀ − x_θ(s₁))/r₀;
   * midpoint: x_t = (σ_t/σ_s₀) x − α_t (e^{−h} − 1) D₀ − ½ α_t (e^{−h} − 1) D₁;
   * heun:     x_t = (σ_t/σ_s₀) x − α_t (e^{−h} − 1) D₀ + α_t ((e^{−h} − 1)/h + 1) D₁.
   * The SDE form replaces e^{−h} by e^{−2h} in the data terms, scales x by e^{−h} and adds σ_t √(1 − e^{−2h}) z.
   */
  private secondOrderUpdate(sample: tf.Tensor, index: number, noise: tf.Tensor | null): tf.Tensor {
    const order = this.config.solverOrder;
    const m0 = this.modelOutputs[order - 1] as tf.Tensor;
    const m1 = this.modelOutputs[order - 2] as tf.Tensor;
    const t = this.alphaSigmaLambda(this.sigmas[index + 1]);
    const s0 = this.alphaSigmaLambda(this.sigmas[index]);
    const s1 = this.alphaSigmaLambda(this.sigmas[index - 1]);
    const h = t.lambda - s0.lambda;
    const h0 = s0.lambda - s1.lambda;
    const r0 = h0 / h;
    const d1 = tf.mul(tf.sub(m0, m1), 1 / r0);
    const midpoint = this.config.solverType === 'midpoint';
    if (noise === null) {
      const phi = Math.expm1(-h); // e^{−h} − 1
      return tf.addN([
        tf.mul(sample, t.sigma / s0.sigma),
        tf.mul(m0, -t.alpha * phi),
        tf.mul(d1, midpoint ? -0.5 * t.alpha * phi : t.alpha * (phi / h + 1)),
      ]);
    }
    const phi2 = -Math.expm1(-2 * h); // 1 − e^{−2h}
    return tf.addN([
      tf.mul(sample, (t.sigma / s0.sigma) * Math.exp(-h)),
      tf.mul(m0, t.alpha * phi2),
      tf.mul(d1, midpoint ? 0.5 * t.alpha * phi2 : t.alpha * (phi2 / (-2 * h) + 1)),
      tf.mul(noise, t.sigma * Math.sqrt(phi2)),
    ]);
  }

  /**
   * Multistep DPM-Solver++(3M) — Lu et al. 2022 (arXiv:2206.00927) §3.3 written for x_θ:
   * D₁ = D₁₀ + r₀/(r₀+r₁)(D₁₀ − D₁₁), D₂ = (D₁₀ − D₁₁)/(r₀+r₁);
   * x_t = (σ_t/σ_s₀) x − α_t (e^{−h} − 1) D₀ + α_t ((e^{−h} − 1)/h + 1) D₁ − α_t ((e^{−h} − 1 + h)/h² − ½) D₂.
   */
  private thirdOrderUpdate(sample: tf.Tensor, index: number): tf.Tensor {
    const [m2, m1, m0] = this.modelOutputs as tf.Tensor[];
    const t = this.alphaSigmaLambda(this.sigmas[index + 1]);
    const s0 = this.alphaSigmaLambda(this.sigmas[index]);
    const s1 = this.alphaSigmaLambda(this.sigmas[index - 1]);
    const s2 = this.alphaSigmaLambda(this.sigmas[index - 2]);
    const h = t.lambda - s0.lambda;
    const r0 = (s0.lambda - s1.lambda) / h;
    const r1 = (s1.lambda - s2.lambda) / h;
    const d10 = tf.mul(tf.sub(m0, m1), 1 / r0);
    const d11 = tf.mul(tf.sub(m1, m2), 1 / r1);
    const d1 = tf.add(d10, tf.mul(tf.sub(d10, d11), r0 / (r0 + r1)));
    const d2 = tf.mul(tf.sub(d10, d11), 1 / (r0 + r1));
    const phi = Math.expm1(-h);
    return tf.addN([
      tf.mul(sample, t.sigma / s0.sigma),
      tf.mul(m0, -t.alpha * phi),
      tf.mul(d1, t.alpha * (phi / h + 1)),
      tf.mul(d2, -t.alpha * ((phi + h) / (h * h) - 0.5)),
    ]);
  }

  /** √ᾱ_t x₀ + √(1 − ᾱ_t) ε (Ho et al. 2020, eq. 4), one timestep per batch element. */
  addNoise(originalSamples: tf.Tensor, noise: tf.Tensor, timesteps: tf.Tensor1D | Int32Array): tf.Tensor {
    return addNoiseVariancePreserving(originalSamples, noise, timesteps, this.alphasCumprod);
  }
}

/** Defaults of {@link DPMSolverMultistepSDEScheduler}: DPM-Solver++'s with `algorithmType: 'sde-dpmsolver++'`. */
export const DPM_SOLVER_MULTISTEP_SDE_DEFAULT_CONFIG: Readonly<DPMSolverMultistepSchedulerConfig> = Object.freeze({
  ...DPM_SOLVER_MULTISTEP_DEFAULT_CONFIG,
  algorithmType: 'sde-dpmsolver++' as DPMSolverAlgorithmType,
});

/**
 * SDE-DPM-Solver++(2M): {@link DPMSolverMultistepScheduler} with `algorithmType: 'sde-dpmsolver++'`
 * as its own class, so it has a name in `SCHEDULERS` and `fromConfig` keeps it stochastic.
 */
export class DPMSolverMultistepSDEScheduler extends DPMSolverMultistepScheduler {
  protected override readonly name: string = 'DPMSolverMultistepSDEScheduler';

  constructor(config: Partial<DPMSolverMultistepSchedulerConfig> = {}) {
    super(config, DPM_SOLVER_MULTISTEP_SDE_DEFAULT_CONFIG);
    if (this.config.algorithmType !== 'sde-dpmsolver++') {
      throw new InvalidArgumentError('config.algorithmType', this.config.algorithmType, 'must be "sde-dpmsolver++" for DPMSolverMultistepSDEScheduler (use DPMSolverMultistepScheduler for the ODE solver)');
    }
  }

  /** Takes the fields of `config` it knows except `algorithmType`, which stays 'sde-dpmsolver++'. */
  static override fromConfig(config: Readonly<Partial<DPMSolverMultistepSchedulerConfig>>): DPMSolverMultistepSDEScheduler {
    const { algorithmType: _ignored, ...rest } = dpmSolverFields(DPM_SOLVER_MULTISTEP_SDE_DEFAULT_CONFIG, config);
    return new DPMSolverMultistepSDEScheduler(rest);
  }
}

/** The fields of another scheduler's config DPM-Solver++ takes (UniPC's `solverType` values are not its own). */
function dpmSolverFields(defaults: Readonly<DPMSolverMultistepSchedulerConfig>, config: object): Partial<DPMSolverMultistepSchedulerConfig> {
  const fields = knownConfigFields(defaults, config);
  if (fields.solverType !== undefined && !DPM_SOLVER_TYPES.includes(fields.solverType)) delete fields.solverType;
  return fields;
}
