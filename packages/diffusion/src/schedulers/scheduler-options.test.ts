// The options of the family: timestep spacing against diffusers' set_timesteps values, Karras σ,
// DDPM's variance types, x₀ clipping and dynamic thresholding, zero-terminal-SNR rescaling.
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';
import {
  DDIMScheduler,
  DDPMScheduler,
  DPMSolverMultistepScheduler,
  EulerDiscreteScheduler,
  HeunDiscreteScheduler,
  thresholdSample,
  UniPCMultistepScheduler,
} from '@gen/diffusion';
import { mean, std } from './__fixtures__/exact-denoisers';

const TENS = (first: number, step: number, n = 10) => Array.from({ length: n }, (_, i) => first - i * step);

describe('timesteps match diffusers set_timesteps (T = 1000)', () => {
  // Values of diffusers' formulas (numpy, round half to even) for these configs.
  it.each([
    ['leading', 1, TENS(901, 100)],
    ['trailing', 0, TENS(999, 100)],
    ['linspace', 0, [999, 888, 777, 666, 555, 444, 333, 222, 111, 0]],
  ] as const)('DDPM / DDIM / Euler, %s (stepsOffset %d), 10 steps', (timestepSpacing, stepsOffset, expected) => {
    for (const Class of [DDPMScheduler, DDIMScheduler, EulerDiscreteScheduler]) {
      const scheduler = new Class({ timestepSpacing, stepsOffset });
      scheduler.setTimesteps(10);
      expect([Class.name, Array.from(scheduler.timesteps)]).toEqual([Class.name, expected]);
    }
  });

  it.each([
    ['linspace', [999, 899, 799, 699, 599, 500, 400, 300, 200, 100]],
    ['leading', TENS(900, 90)],
    ['trailing', TENS(999, 100)],
  ] as const)('DPM-Solver / UniPC (n + 1 points, last dropped), %s, 10 steps', (timestepSpacing, expected) => {
    for (const Class of [DPMSolverMultistepScheduler, UniPCMultistepScheduler]) {
      const scheduler = new Class({ timestepSpacing });
      scheduler.setTimesteps(10);
      expect([Class.name, Array.from(scheduler.timesteps)]).toEqual([Class.name, expected]);
      expect(scheduler.sigmas.length).toBe(11);
      expect(scheduler.sigmas[10]).toBe(0);
    }
  });

  it('Heun repeats every timestep but the first, and σ likewise, ending at σ = 0', () => {
    const scheduler = new HeunDiscreteScheduler({ timestepSpacing: 'linspace' });
    scheduler.setTimesteps(4);
    expect(Array.from(scheduler.timesteps)).toEqual([999, 666, 666, 333, 333, 0, 0]);
    const s = (t: number) => scheduler.trainSigmas[t];
    expect(Array.from(scheduler.sigmas)).toEqual([s(999), s(666), s(666), s(333), s(333), s(0), s(0), 0]);
    expect(scheduler.initNoiseSigma).toBe(s(999));
  });

  it('Karras σ (Karras et al. eq. 5) span the training σ range; timesteps are the nearest in log σ', () => {
    const scheduler = new DPMSolverMultistepScheduler({ useKarrasSigmas: true });
    scheduler.setTimesteps(5);
    const sigmas = Array.from(scheduler.sigmas);
    expect(sigmas[0]).toBe(scheduler.trainSigmas[999]);
    expect(sigmas[4]).toBe(scheduler.trainSigmas[0]);
    expect(sigmas[5]).toBe(0);
    const step = sigmas[1] ** (1 / 7) - sigmas[0] ** (1 / 7);
    for (let i = 1; i < 5; i++) expect(Math.abs(sigmas[i] ** (1 / 7) - sigmas[i - 1] ** (1 / 7) - step)).toBeLessThan(1e-12);
    expect(scheduler.timesteps[0]).toBe(999);
    expect(scheduler.timesteps[4]).toBe(0);
    const euler = new EulerDiscreteScheduler({ useKarrasSigmas: true, timestepSpacing: 'trailing' });
    euler.setTimesteps(5);
    expect(euler.sigmas[0]).toBe(euler.trainSigmas[999]);
    expect(euler.sigmas[4]).toBe(euler.trainSigmas[199]); // Euler: between the spaced σ, as diffusers
  });

  it('zero-terminal-SNR rescaling: ᾱ_T = 0 for DDIM, clamped to 2⁻²⁴ (σ_max = 4096) for σ-samplers', () => {
    const ddim = new DDIMScheduler({ rescaleBetasZeroSnr: true, predictionType: 'v_prediction', timestepSpacing: 'trailing' });
    expect(ddim.alphasCumprod[999]).toBe(0);
    const euler = new EulerDiscreteScheduler({ rescaleBetasZeroSnr: true, predictionType: 'v_prediction', timestepSpacing: 'trailing' });
    euler.setTimesteps(10);
    expect(euler.alphasCumprod[999]).toBe(2 ** -24);
    expect(Math.abs(euler.initNoiseSigma - Math.sqrt(2 ** 24 - 1))).toBeLessThan(1e-9);
  });

  it('scheduler-specific options are validated', () => {
    expect(() => new DDPMScheduler({ varianceType: 'learned' as never })).toThrow('config.varianceType ("learned") must be one of ["fixed_small", "fixed_large"]');
    expect(() => new DDIMScheduler({ eta: -1 })).toThrow('config.eta (-1) must be a finite number >= 0 (0 = deterministic DDIM, 1 = DDPM-like)');
    expect(() => new DPMSolverMultistepScheduler({ solverOrder: 4 })).toThrow('config.solverOrder (4) must be 1, 2 or 3');
    expect(() => new DPMSolverMultistepScheduler({ solverOrder: 3, algorithmType: 'sde-dpmsolver++' })).toThrow(
      'config.solverOrder (3) must be 1 or 2 with algorithmType "sde-dpmsolver++" (3 is ODE-only)',
    );
    expect(() => new UniPCMultistepScheduler({ solverType: 'midpoint' as never })).toThrow('config.solverType ("midpoint") must be one of ["bh1", "bh2"]');
  });
});

describeWithBackends('x₀ post-processing and DDPM variance', () => {
  it('dynamic thresholding (Imagen §2.3): s = quantile(|x₀|, ratio) clamped to [1, max]; clip to [−s, s], divide by s', async () => {
    const x0 = tf.tensor2d([
      [0.5, -0.25, 0.75, 1],
      [-4, 0, 1, 2],
    ]);
    const out = await thresholdSample(x0, 0.5, 3).data();
    const expected = [0.5, -0.25, 0.75, 1, -1, 0, 1 / 1.5, 1];
    expected.forEach((v, i) => expect(Math.abs(out[i] - v)).toBeLessThan(1e-6));
  });

  it('clipSample clips predOriginalSample to ±clipSampleRange; thresholding takes precedence', async () => {
    const ddim = new DDIMScheduler({ numTrainTimesteps: 10, predictionType: 'sample', clipSampleRange: 0.5 });
    ddim.setTimesteps(2);
    const sample = tf.zeros([1, 3]);
    const { predOriginalSample } = ddim.step(tf.tensor2d([[-2, 0.25, 3]]), ddim.timesteps[0], sample);
    expect(Array.from(await (predOriginalSample as tf.Tensor).data())).toEqual([-0.5, 0.25, 0.5]);
    const thresholded = new DDIMScheduler({ numTrainTimesteps: 10, predictionType: 'sample', thresholding: true, dynamicThresholdingRatio: 1, sampleMaxValue: 2 });
    thresholded.setTimesteps(2);
    const out = thresholded.step(tf.tensor2d([[-2, 0.25, 3]]), thresholded.timesteps[0], sample).predOriginalSample as tf.Tensor;
    expect(Array.from(await out.data())).toEqual([-1, 0.125, 1]);
  });

  it.each(['fixed_small', 'fixed_large'] as const)('DDPM %s: the noise added has variance β̃_t or β_t (Ho et al. §3.2)', async (varianceType) => {
    const scheduler = new DDPMScheduler({ varianceType, predictionType: 'sample', clipSample: false });
    scheduler.setTimesteps(10); // strided: t = 900 → 800
    const t = scheduler.timesteps[0];
    const sample = tf.zeros([4096, 1]);
    const { prevSample } = scheduler.step(tf.zerosLike(sample), t, sample, { generator: new Generator(3) });
    // With x̂₀ = 0 and x_t = 0 the posterior mean is 0, so prevSample is the noise itself.
    const a = scheduler.alphasCumprod[t];
    const aPrev = scheduler.alphasCumprod[scheduler.previousTimestep(t)];
    const beta = 1 - a / aPrev;
    const variance = varianceType === 'fixed_large' ? beta : ((1 - aPrev) / (1 - a)) * beta;
    const values = await prevSample.data();
    expect(Math.abs(mean(values))).toBeLessThan((4 * Math.sqrt(variance)) / 64);
    expect(Math.abs(std(values) / Math.sqrt(variance) - 1)).toBeLessThan(4 / Math.sqrt(2 * 4096));
  });

  it('DDIM with η = 0 is deterministic and needs no generator', async () => {
    const scheduler = new DDIMScheduler({ numTrainTimesteps: 100 });
    scheduler.setTimesteps(5);
    const sample = tf.ones([2, 2]);
    const a = await scheduler.step(tf.mul(sample, 0.1), scheduler.timesteps[0], sample).prevSample.data();
    const b = await scheduler.step(tf.mul(sample, 0.1), scheduler.timesteps[0], sample, { generator: new Generator(9) }).prevSample.data();
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});
