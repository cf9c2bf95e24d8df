import { InvalidArgumentError } from '../errors';

/** A float64 sequence: Float64Array, or a plain array of numbers. */
export type Float64Sequence = Float64Array | readonly number[];

/** ᾱ_t = Π_{s ≤ t} (1 − β_s) (Ho et al. 2020, notation above eq. 4), in float64. */
export function alphasCumprod(betas: Float64Sequence): Float64Array {
  checkBetas(betas);
  const out = new Float64Array(betas.length);
  let product = 1;
  for (let i = 0; i < betas.length; i++) {
    product *= 1 - betas[i];
    out[i] = product;
  }
  return out;
}

/**
 * Rescales betas so the last step has zero SNR (ᾱ_T = 0) while ᾱ₁ is kept (Lin et al. 2023,
 * "Common Diffusion Noise Schedules and Sample Steps are Flawed", Algorithm 1):
 * √ᾱ ← (√ᾱ − √ᾱ_T) · √ᾱ₁ / (√ᾱ₁ − √ᾱ_T), then β_t = 1 − ᾱ_t / ᾱ_{t−1} (so β_T = 1).
 * Samplers must then predict with v or x₀: ε-prediction is undefined at the final step.
 */
export function rescaleZeroTerminalSnr(betas: Float64Sequence): Float64Array {
  const alphaBar = alphasCumprod(betas);
  const n = alphaBar.length;
  if (n < 2) throw new InvalidArgumentError('betas', Array.from(betas), 'must hold at least 2 steps to rescale');
  const sqrtAlphaBar = alphaBar.map(Math.sqrt);
  const first = sqrtAlphaBar[0];
  const last = sqrtAlphaBar[n - 1];
  if (!(first > last)) {
    throw new InvalidArgumentError('betas', Array.from(betas).slice(0, 4), 'must lower ᾱ from the first to the last step');
  }
  // 1. Shift so the last √ᾱ is 0; 2. scale so the first √ᾱ is unchanged.
  const rescaled = sqrtAlphaBar.map((value) => ((value - last) * first) / (first - last));
  rescaled[n - 1] = 0;
  // 3. Back to betas: α_t = ᾱ_t / ᾱ_{t−1}, α₁ = ᾱ₁.
  const out = new Float64Array(n);
  let previous = 1;
  for (let i = 0; i < n; i++) {
    const current = rescaled[i] * rescaled[i];
    out[i] = 1 - current / previous;
    previous = current;
  }
  out[0] = betas[0];
  return out;
}

/** Signal-to-noise ratio SNR(t) = ᾱ_t / (1 − ᾱ_t) (Kingma et al. 2021, eq. 2 with σ² = 1 − ᾱ). */
export function snrFromAlphasCumprod(alphasCumprod: Float64Sequence): Float64Array {
  checkAlphaBar(alphasCumprod);
  return Float64Array.from(alphasCumprod, (a) => a / (1 - a));
}

/**
 * Noise levels of the equivalent variance-exploding process, σ_t = √((1 − ᾱ_t) / ᾱ_t)
 * (Karras et al. 2022, Table 1, VP column; diffusers' Euler/Karras schedulers). σ = ∞ where ᾱ = 0.
 */
export function sigmasFromAlphasCumprod(alphasCumprod: Float64Sequence): Float64Array {
  checkAlphaBar(alphasCumprod);
  return Float64Array.from(alphasCumprod, (a) => Math.sqrt((1 - a) / a));
}

/** Inverse of {@link sigmasFromAlphasCumprod}: ᾱ = 1 / (1 + σ²). */
export function alphasCumprodFromSigmas(sigmas: Float64Sequence): Float64Array {
  return Float64Array.from(sigmas, (sigma) => {
    if (!(sigma >= 0)) throw new InvalidArgumentError('sigmas', sigma, 'must hold numbers >= 0');
    return 1 / (1 + sigma * sigma);
  });
}

/** Options of {@link karrasSigmas}. */
export interface KarrasSigmasOptions {
  /** Number of noise levels n (≥ 1). */
  numSteps: number;
  sigmaMin: number;
  sigmaMax: number;
  /** ρ of Karras et al.; 7 balances truncation error over the levels. Default 7. */
  rho?: number;
}

/**
 * The noise levels of Karras et al. 2022, eq. 5: σ_i = (σ_max^{1/ρ} + i/(n−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ,
 * i = 0 … n−1, decreasing from sigmaMax to sigmaMin (the trailing σ = 0 is the sampler's to add).
 */
export function karrasSigmas({ numSteps, sigmaMin, sigmaMax, rho = 7 }: KarrasSigmasOptions): Float64Array {
  if (!Number.isInteger(numSteps) || numSteps < 1) throw new InvalidArgumentError('numSteps', numSteps, 'must be an integer >= 1');
  if (typeof sigmaMin !== 'number' || !(sigmaMin > 0) || !Number.isFinite(sigmaMin)) {
    throw new InvalidArgumentError('sigmaMin', sigmaMin, 'must be a finite number > 0');
  }
  if (typeof sigmaMax !== 'number' || !(sigmaMax >= sigmaMin) || !Number.isFinite(sigmaMax)) {
    throw new InvalidArgumentError('sigmaMax', sigmaMax, `must be a finite number >= sigmaMin (${sigmaMin})`);
  }
  if (typeof rho !== 'number' || !(rho > 0) || !Number.isFinite(rho)) throw new InvalidArgumentError('rho', rho, 'must be a finite number > 0');
  const maxInvRho = sigmaMax ** (1 / rho);
  const minInvRho = sigmaMin ** (1 / rho);
  const out = new Float64Array(numSteps);
  for (let i = 0; i < numSteps; i++) {
    const ramp = numSteps === 1 ? 0 : i / (numSteps - 1);
    out[i] = (maxInvRho + ramp * (minInvRho - maxInvRho)) ** rho;
  }
  out[0] = sigmaMax;
  if (numSteps > 1) out[numSteps - 1] = sigmaMin;
  return out;
}

function checkBetas(betas: Float64Sequence): void {
  if (betas == null || typeof betas.length !== 'number' || betas.length === 0) {
    throw new InvalidArgumentError('betas', betas, 'must be a non-empty array of numbers in [0, 1]');
  }
  for (let i = 0; i < betas.length; i++) {
    if (!(betas[i] >= 0 && betas[i] <= 1)) {
      throw new InvalidArgumentError(`betas[${i}]`, betas[i], 'must be a number in [0, 1]');
    }
  }
}

function checkAlphaBar(alphaBar: Float64Sequence): void {
  if (alphaBar == null || typeof alphaBar.length !== 'number') {
    throw new InvalidArgumentError('alphasCumprod', alphaBar, 'must be an array of numbers in [0, 1]');
  }
  for (let i = 0; i < alphaBar.length; i++) {
    if (!(alphaBar[i] >= 0 && alphaBar[i] <= 1)) {
      throw new InvalidArgumentError(`alphasCumprod[${i}]`, alphaBar[i], 'must be a number in [0, 1]');
    }
  }
}
