import {
  alphasCumprod,
  alphasCumprodFromSigmas,
  betaSchedule,
  InvalidArgumentError,
  karrasSigmas,
  linearBetas,
  rescaleZeroTerminalSnr,
  scaledLinearBetas,
  sigmasFromAlphasCumprod,
  sigmoidBetas,
  snrFromAlphasCumprod,
  squaredcosCapV2Betas,
} from '@gen/core';
import type { BetaScheduleName } from '@gen/core';

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

const increasing = (values: ArrayLike<number>) => Array.from(values).every((v, i, all) => i === 0 || v > all[i - 1]);
const decreasing = (values: ArrayLike<number>) => Array.from(values).every((v, i, all) => i === 0 || v < all[i - 1]);
/** |actual − expected| ≤ relative · max(1, |expected|); throws only on failure, so it is cheap in loops. */
function close(actual: number, expected: number, relative = 1e-12): void {
  if (!(Math.abs(actual - expected) <= relative * Math.max(1, Math.abs(expected)))) {
    throw new Error(`expected ${actual} to be within ${relative} (relative) of ${expected}`);
  }
}

describe('beta schedules', () => {
  it('linear: exact endpoints and constant increments (Ho et al. 2020)', () => {
    const betas = linearBetas(1000, 1e-4, 0.02);
    expect(betas).toBeInstanceOf(Float64Array);
    expect([betas.length, betas[0], betas[999]]).toEqual([1000, 1e-4, 0.02]);
    for (let i = 1; i < 1000; i++) close(betas[i] - betas[i - 1], (0.02 - 1e-4) / 999, 1e-12);
  });

  it('scaled_linear: √β linear from √betaStart to √betaEnd', () => {
    const betas = scaledLinearBetas(1000, 0.00085, 0.012);
    close(betas[0], 0.00085);
    close(betas[999], 0.012);
    const step = (Math.sqrt(0.012) - Math.sqrt(0.00085)) / 999;
    for (let i = 1; i < 1000; i++) close(Math.sqrt(betas[i]) - Math.sqrt(betas[i - 1]), step, 1e-12);
  });

  it('squaredcos_cap_v2: ᾱ_t = f(t/T)/f(0), f(t) = cos²(π/2·(t+s)/(1+s)) (Nichol & Dhariwal eq. 17)', () => {
    const T = 1000;
    const betas = squaredcosCapV2Betas(T);
    const alphaBar = alphasCumprod(betas);
    const f = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    const clipped = Array.from(betas).findIndex((b) => b >= 0.999);
    expect(clipped).toBe(T - 1); // only the last step reaches the cap
    for (let i = 0; i < T - 1; i++) close(alphaBar[i], f((i + 1) / T) / f(0), 1e-11);
  });

  it('sigmoid: σ over linspace(−6, 6) scaled to [betaStart, betaEnd], point-symmetric', () => {
    const betas = sigmoidBetas(10, 1e-4, 0.02);
    // numpy: 1/(1+exp(-linspace(-6, 6, 10)))*(0.02-1e-4)+1e-4
    close(betas[0], 0.000149206, 1e-5);
    close(betas[3], 0.00247214, 1e-5);
    for (let i = 0; i < 10; i++) close(betas[i] + betas[9 - i], 1e-4 + 0.02, 1e-14);
  });

  it('every named schedule gives increasing betas in (0, 1), so ᾱ, SNR decrease and σ increases', () => {
    for (const name of ['linear', 'scaled_linear', 'squaredcos_cap_v2', 'sigmoid'] as BetaScheduleName[]) {
      const betas = betaSchedule(name, { numTrainTimesteps: 200 });
      expect([name, increasing(betas), betas[0] > 0, betas[199] < 1]).toEqual([name, true, true, true]);
      const alphaBar = alphasCumprod(betas);
      expect(decreasing(alphaBar)).toBe(true);
      expect(decreasing(snrFromAlphasCumprod(alphaBar))).toBe(true);
      expect(increasing(sigmasFromAlphasCumprod(alphaBar))).toBe(true);
    }
  });

  it('rejects bad arguments with one-line messages', () => {
    expectInvalidArgument(() => linearBetas(0), 'numTrainTimesteps (0) must be an integer >= 1');
    expectInvalidArgument(() => linearBetas(10, 0, 0.02), 'betaStart (0) must be a number in (0, 1)');
    expectInvalidArgument(() => scaledLinearBetas(10, 0.001, 1.5), 'betaEnd (1.5) must be a number in (0, 1)');
    expectInvalidArgument(
      () => betaSchedule('cosine' as BetaScheduleName, { numTrainTimesteps: 10 }),
      'betaSchedule ("cosine") must be one of ["linear", "scaled_linear", "squaredcos_cap_v2", "sigmoid"]',
    );
  });
});

describe('noise-schedule helpers', () => {
  it('alphasCumprod is the running product of 1 − β', () => {
    expect(Array.from(alphasCumprod([0.5, 0.5, 0.25]))).toEqual([0.5, 0.25, 0.1875]);
  });

  it('rescaleZeroTerminalSnr gives ᾱ_T = 0, keeps ᾱ₁, and maps √ᾱ affinely (Lin et al. Algorithm 1)', () => {
    const betas = scaledLinearBetas(1000, 0.00085, 0.012);
    const before = alphasCumprod(betas);
    const rescaled = rescaleZeroTerminalSnr(betas);
    const after = alphasCumprod(rescaled);
    expect(after[999]).toBe(0);
    expect(rescaled[999]).toBe(1);
    expect(after[0]).toBe(before[0]);
    const [first, last] = [Math.sqrt(before[0]), Math.sqrt(before[999])];
    for (const i of [1, 10, 500, 998]) close(Math.sqrt(after[i]), ((Math.sqrt(before[i]) - last) * first) / (first - last), 1e-10);
    expect(decreasing(after)).toBe(true);
    expect(snrFromAlphasCumprod(after)[999]).toBe(0);
  });

  it('SNR = ᾱ/(1 − ᾱ) and σ = √((1 − ᾱ)/ᾱ) = 1/√SNR; ᾱ = 1/(1 + σ²) inverts σ', () => {
    const alphaBar = alphasCumprod(linearBetas(50));
    const snr = snrFromAlphasCumprod(alphaBar);
    const sigmas = sigmasFromAlphasCumprod(alphaBar);
    for (let i = 0; i < 50; i++) {
      close(snr[i], alphaBar[i] / (1 - alphaBar[i]));
      close(sigmas[i], 1 / Math.sqrt(snr[i]), 1e-12);
    }
    const back = alphasCumprodFromSigmas(sigmas);
    for (let i = 0; i < 50; i++) close(back[i], alphaBar[i], 1e-14);
  });

  it('karrasSigmas: σ^{1/ρ} linear from σ_max to σ_min (Karras et al. eq. 5)', () => {
    const sigmas = karrasSigmas({ numSteps: 10, sigmaMin: 0.002, sigmaMax: 80 });
    expect([sigmas[0], sigmas[9]]).toEqual([80, 0.002]);
    expect(decreasing(sigmas)).toBe(true);
    const step = (0.002 ** (1 / 7) - 80 ** (1 / 7)) / 9;
    for (let i = 1; i < 10; i++) close(sigmas[i] ** (1 / 7) - sigmas[i - 1] ** (1 / 7), step, 1e-12);
    expect(Array.from(karrasSigmas({ numSteps: 1, sigmaMin: 1, sigmaMax: 2 }))).toEqual([2]);
  });

  it('rejects bad arguments with one-line messages', () => {
    expectInvalidArgument(() => alphasCumprod([0.1, 1.5]), 'betas[1] (1.5) must be a number in [0, 1]');
    expectInvalidArgument(() => alphasCumprod([]), 'betas ([]) must be a non-empty array of numbers in [0, 1]');
    expectInvalidArgument(() => rescaleZeroTerminalSnr([0.1]), 'betas ([0.1]) must hold at least 2 steps to rescale');
    expectInvalidArgument(() => snrFromAlphasCumprod([0.5, -1]), 'alphasCumprod[1] (-1) must be a number in [0, 1]');
    expectInvalidArgument(
      () => karrasSigmas({ numSteps: 5, sigmaMin: 1, sigmaMax: 0.5 }),
      'sigmaMax (0.5) must be a finite number >= sigmaMin (1)',
    );
    expectInvalidArgument(() => karrasSigmas({ numSteps: 0, sigmaMin: 1, sigmaMax: 2 }), 'numSteps (0) must be an integer >= 1');
  });
});
