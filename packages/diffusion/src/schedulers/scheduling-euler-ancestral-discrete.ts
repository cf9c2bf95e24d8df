// Euler ancestral: the ancestral sampler of Song et al. 2021 ("Score-Based Generative Modeling
// through SDEs", arXiv:2011.13456) written as an Euler step in σ plus fresh noise, as in
// Crowson's k-diffusion `sample_euler_ancestral` and diffusers' scheduling_euler_ancestral_discrete.py.
// Everything but `step` (schedule, σ scale, model-input scaling) is Euler's.
import * as tf from '@tensorflow/tfjs-core';
import type { SchedulerOutput, SchedulerStepOptions } from '@gen/core';
import { EULER_DEFAULT_CONFIG, EulerDiscreteScheduler } from './scheduling-euler-discrete';
import type { EulerDiscreteSchedulerConfig } from './scheduling-euler-discrete';
import { checkStepTensors, knownConfigFields, nextStepIndex, requireGenerator } from './scheduling-utils';

/** Configuration of {@link EulerAncestralDiscreteScheduler} (the same fields as Euler's). */
export type EulerAncestralDiscreteSchedulerConfig = EulerDiscreteSchedulerConfig;

/** diffusers' EulerAncestralDiscreteScheduler defaults ('linspace' spacing, no x₀ clipping). */
export const EULER_ANCESTRAL_DEFAULT_CONFIG: Readonly<EulerAncestralDiscreteSchedulerConfig> = EULER_DEFAULT_CONFIG;

/**
 * Each step goes down to σ_down with Euler's method, then adds noise of std σ_up so the marginal
 * noise level is σ_next (σ_down² + σ_up² = σ_next²). Stochastic; needs a `generator`.
 */
export class EulerAncestralDiscreteScheduler extends EulerDiscreteScheduler {
  protected override readonly name: string = 'EulerAncestralDiscreteScheduler';

  constructor(config: Partial<EulerAncestralDiscreteSchedulerConfig> = {}) {
    super(config, EULER_ANCESTRAL_DEFAULT_CONFIG);
  }

  static override fromConfig(config: Readonly<Partial<EulerAncestralDiscreteSchedulerConfig>>): EulerAncestralDiscreteScheduler {
    return new EulerAncestralDiscreteScheduler(knownConfigFields(EULER_ANCESTRAL_DEFAULT_CONFIG, config));
  }

  override step(modelOutput: tf.Tensor, timestep: number, sample: tf.Tensor, options: SchedulerStepOptions = {}): SchedulerOutput {
    checkStepTensors(modelOutput, sample);
    const index = nextStepIndex(this.timestepList, this.stepIndex, timestep, this.name);
    const generator = requireGenerator(options, this.name, 'adds noise at every step');
    const result = tf.tidy(() => {
      const sigmaFrom = this.sigmas[index];
      const sigmaTo = this.sigmas[index + 1];
      // 1. Denoised estimate D(x; σ) = x̂₀.
      const predOriginalSample = this.predictOriginal(modelOutput, sample, sigmaFrom);
      // 2. Split σ_next into a deterministic part σ_down and fresh noise σ_up (k-diffusion get_ancestral_step):
      //    σ_up = √(σ_next² (σ² − σ_next²)/σ²), σ_down = √(σ_next² − σ_up²).
      const sigmaUp = Math.sqrt((sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo)) / (sigmaFrom * sigmaFrom));
      const sigmaDown = Math.sqrt(Math.max(sigmaTo * sigmaTo - sigmaUp * sigmaUp, 0));
      // 3. Euler step to σ_down on dx/dσ = (x − D)/σ (Karras et al. 2022, Algorithm 1 line 4–5).
      const derivative = tf.div(tf.sub(sample, predOriginalSample), sigmaFrom);
      let prevSample = tf.add(sample, tf.mul(derivative, sigmaDown - sigmaFrom));
      // 4. Add σ_up z, z ~ N(0, I).
      prevSample = tf.add(prevSample, tf.mul(generator.normal(sample.shape), sigmaUp));
      return { prevSample, predOriginalSample };
    });
    this.stepIndex = index + 1;
    return result;
  }
}
