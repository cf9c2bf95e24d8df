// Mathematics rather than pinned outputs: every scheduler, driven by the exact denoiser of a known
// data distribution, must reproduce that distribution; and on a deterministic ODE case, halving the
// step size must shrink the error against the exact probability-flow solution at the rate of the
// method's order.
import * as tf from '@tensorflow/tfjs-core';
import type { PredictionType, Scheduler } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import { SCHEDULERS } from '@gen/diffusion';
import type { SchedulerName } from '@gen/diffusion';
import { exactFlow, gaussian, mean, rmsDifference, sampleWithExactDenoiser, std } from './__fixtures__/exact-denoisers';
import type { GaussianMixture } from './__fixtures__/exact-denoisers';

const PREDICTION_TYPES: PredictionType[] = ['epsilon', 'sample', 'v_prediction'];

function create(name: SchedulerName, config: object): Scheduler {
  return new (SCHEDULERS[name] as unknown as new (config: object) => Scheduler)({ clipSample: false, ...config });
}

/**
 * Steps per scheduler and the discretization allowance δ its estimates may add to the sampling
 * error (4 standard errors): first-order and ancestral samplers lose a few percent of the spread
 * at 50 steps; second-order ones are within 1–2 % at 15–20.
 */
const SETTINGS: Record<SchedulerName, { steps: number; delta: number }> = {
  ddpm: { steps: 50, delta: 0.06 },
  ddim: { steps: 50, delta: 0.04 },
  euler: { steps: 50, delta: 0.04 },
  'euler-ancestral': { steps: 50, delta: 0.06 },
  heun: { steps: 15, delta: 0.02 },
  'dpmpp-2m': { steps: 20, delta: 0.03 },
  'dpmpp-2m-sde': { steps: 30, delta: 0.04 },
  unipc: { steps: 20, delta: 0.03 },
};

const NAMES = Object.keys(SETTINGS) as SchedulerName[];
const N = 1024;

describeWithBackends(
  'schedulers reproduce the data distribution under its exact denoiser',
  () => {
    const data = gaussian(0.5, 0.5);
    it.each(NAMES.flatMap((name) => PREDICTION_TYPES.map((p) => [name, p] as const)))('%s (%s): N(0.5, 0.5²)', (name, predictionType) => {
      const { steps, delta } = SETTINGS[name];
      const { samples } = sampleWithExactDenoiser(create(name, { predictionType }), { data, shape: [N, 1], numInferenceSteps: steps, seed: 11 });
      const s = data.std;
      expect(Math.abs(mean(samples) - 0.5)).toBeLessThan((4 * s) / Math.sqrt(N) + delta);
      expect(Math.abs(std(samples) - s)).toBeLessThan((4 * s) / Math.sqrt(2 * N) + delta);
    });

    const mixture: GaussianMixture = { weights: [0.3, 0.7], means: [-1, 1], std: 0.2 };
    it.each(NAMES)('%s: two-component mixture 0.3·N(−1, 0.2²) + 0.7·N(1, 0.2²) — weights and modes', (name) => {
      const { steps, delta } = SETTINGS[name];
      const { samples } = sampleWithExactDenoiser(create(name, {}), { data: mixture, shape: [N, 1], numInferenceSteps: steps, seed: 12 });
      const positive = Array.from(samples).filter((x) => x > 0);
      const negative = Array.from(samples).filter((x) => x <= 0);
      expect(Math.abs(positive.length / N - 0.7)).toBeLessThan(4 * Math.sqrt((0.3 * 0.7) / N) + 0.01);
      expect(Math.abs(mean(positive) - 1)).toBeLessThan(0.05);
      expect(Math.abs(mean(negative) + 1)).toBeLessThan(0.05);
      expect(Math.abs(std(positive) - 0.2)).toBeLessThan(0.02 + 2 * delta);
    });

    it('DDIM with η = 1 is stochastic and still reproduces N(0.5, 0.5²)', () => {
      const { samples } = sampleWithExactDenoiser(create('ddim', { eta: 1 }), { data, shape: [N, 1], numInferenceSteps: 50, seed: 13 });
      expect(Math.abs(mean(samples) - 0.5)).toBeLessThan((4 * 0.5) / Math.sqrt(N) + 0.06);
      expect(Math.abs(std(samples) - 0.5)).toBeLessThan((4 * 0.5) / Math.sqrt(2 * N) + 0.06);
    });
  },
  { skip: ['webgl'] },
);

/**
 * Betas whose log-SNR λ = log(α/σ) falls linearly from 6 to −5 over 1000 steps, so evenly spaced
 * timesteps are evenly spaced in λ (and geometric in σ): the smooth regime where the methods'
 * orders show from 10 steps on. (With the linear DDPM betas, σ ∝ √t near t = 0 and the last step
 * dominates until thousands of steps.)
 */
const T = 1000;
const LOG_SNR_ALPHA_BAR = Array.from({ length: T }, (_, t) => 1 / (1 + Math.exp(-2 * (6 - (11 * t) / (T - 1)))));
const LOG_SNR_BETAS = LOG_SNR_ALPHA_BAR.map((a, t) => 1 - a / (t === 0 ? 1 : LOG_SNR_ALPHA_BAR[t - 1]));

/**
 * Deterministic cases and their expected order. The end point is ᾱ₀ (`setAlphaToOne: false`,
 * `finalSigmasType: 'sigma_min'`) or the data (σ = 0) for Euler / Heun; the reference is the exact
 * flow of Gaussian data, in closed form.
 */
const ORDER_CASES: { name: SchedulerName; config: object; toAlphaBar0: boolean; order: [number, number] }[] = [
  { name: 'ddim', config: { setAlphaToOne: false }, toAlphaBar0: true, order: [0.85, 1.2] },
  { name: 'euler', config: {}, toAlphaBar0: false, order: [0.85, 1.2] },
  { name: 'heun', config: {}, toAlphaBar0: false, order: [1.8, 2.5] },
  { name: 'dpmpp-2m', config: { finalSigmasType: 'sigma_min' }, toAlphaBar0: true, order: [1.7, 2.5] },
  { name: 'unipc', config: { finalSigmasType: 'sigma_min' }, toAlphaBar0: true, order: [1.8, 3.5] },
];

describeWithBackends(
  'deterministic samplers converge at their order',
  () => {
    const data = gaussian(0.5, 0.5);
    it.each(ORDER_CASES.map((c) => [c.name, c] as const))('%s', (_name, { name, config, toAlphaBar0, order }) => {
      const scheduler = create(name, { trainedBetas: LOG_SNR_BETAS, timestepSpacing: 'trailing', ...config });
      const errors = [10, 20, 40].map((numInferenceSteps) => {
        const run = sampleWithExactDenoiser(scheduler, { data, shape: [64, 1], numInferenceSteps, seed: 5 });
        const reference = exactFlow(run.initial, run.initialAlphaBar, data, toAlphaBar0 ? LOG_SNR_ALPHA_BAR[0] : 1);
        return rmsDifference(run.samples, reference);
      });
      // Observed order between successive halvings of the step: log₂(e(h)/e(h/2)).
      const rates = [Math.log2(errors[0] / errors[1]), Math.log2(errors[1] / errors[2])];
      expect(errors[2]).toBeLessThan(errors[0]);
      expect(rates[1]).toBeGreaterThan(order[0]);
      expect(rates[1]).toBeLessThan(order[1]);
    });
  },
  { skip: ['webgl'] },
);

describeWithBackends('addNoise is the forward process q(x_t | x₀)', () => {
  it('VP schedulers: x_t = √ᾱ x₀ + √(1−ᾱ) ε; σ-schedulers: x₀ + σ ε with σ = √((1−ᾱ)/ᾱ)', async () => {
    for (const name of NAMES) {
      const scheduler = create(name, {}) as Scheduler & { alphasCumprod: Float64Array };
      const x0 = tf.fill([3, 2], 0.5);
      const noise = tf.tensor2d([[1, -1], [2, 0], [0.5, 3]]);
      const timesteps = Int32Array.from([0, 500, 999]);
      const noisy = await scheduler.addNoise(x0, noise, timesteps).data();
      const ve = name === 'euler' || name === 'euler-ancestral' || name === 'heun';
      const noiseValues = await noise.data();
      for (let i = 0; i < 6; i++) {
        const a = scheduler.alphasCumprod[timesteps[Math.floor(i / 2)]];
        const expected = ve ? 0.5 + Math.sqrt((1 - a) / a) * noiseValues[i] : Math.sqrt(a) * 0.5 + Math.sqrt(1 - a) * noiseValues[i];
        expect(Math.abs(noisy[i] - expected)).toBeLessThan(1e-4 * Math.max(1, Math.abs(expected)));
      }
    }
  });
});

describeWithBackends(
  'equivalent samplers give the same samples from the same noise',
  () => {
    const mixture: GaussianMixture = { weights: [0.3, 0.7], means: [-1, 1], std: 0.2 };
    const sampleBoth = (a: SchedulerName, b: SchedulerName, steps: number) =>
      [a, b].map((name) => sampleWithExactDenoiser(create(name, { timestepSpacing: 'leading' }), { data: mixture, shape: [256, 1], numInferenceSteps: steps, seed: 21 }).samples);

    // DDIM with η = 0 is the Euler method of the probability-flow ODE written for x/σ (Song et al.
    // 2021; Karras et al. 2022, §3): the same map from the same initial noise (scaled by σ_max).
    it.each([10, 50])('DDIM (η = 0) and Euler, %i steps', (steps) => {
      const [ddim, euler] = sampleBoth('ddim', 'euler', steps);
      expect(rmsDifference(ddim, euler)).toBeLessThan(1e-4);
    });

    // DDPM's posterior step with the fixed-small variance is Euler ancestral's σ_down / σ_up split.
    it.each([10, 50])('DDPM and Euler ancestral, %i steps', (steps) => {
      const [ddpm, ancestral] = sampleBoth('ddpm', 'euler-ancestral', steps);
      expect(rmsDifference(ddpm, ancestral)).toBeLessThan(1e-4);
    });
  },
  { skip: ['webgl'] },
);
