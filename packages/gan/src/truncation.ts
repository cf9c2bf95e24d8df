// The truncation trick (Brock et al. 2019, §3.1): sample z from a normal truncated to
// [−τ, τ] per component; smaller τ trades variety for fidelity.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type Generator } from '@gen/core';
import { checkPositiveInteger } from './validate';

/** Checks a truncation threshold: a number > 0, or Infinity for none. */
export function checkTruncation(truncation: unknown): number {
  if (typeof truncation !== 'number' || !(truncation > 0)) {
    throw new InvalidArgumentError('truncation', truncation, 'must be a number > 0 (Infinity for no truncation)');
  }
  return truncation;
}

/** Standard normal CDF Φ(x) = ½ erfc(−x/√2) in float64, relative error < 1.2e-7 (ample for float32 latents). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** erfc with fractional error < 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal quantile Φ⁻¹(p), float64 (Wichura 1988, AS 241 PPND16, relative error ~1e-16). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r +
          13731.693765509461125) * r + 1971.5909503065514427) * r + 133.14166789178437745) * r + 3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r +
        5394.1960214247511077) * r + 687.1870074920579083) * r + 42.313330701600911252) * r + 1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r +
        3.64784832476320460504) * r + 5.7694972214606914055) * r + 4.6303378461565452959) * r + 1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r +
        0.68976733498510000455) * r + 1.6763848301838038494) * r + 2.05319162663775882187) * r + 1);
  } else {
    r -= 5;
    value =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r +
        0.29656057182850489123) * r + 1.7848265399172913358) * r + 5.4637849111641143699) * r + 6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
        0.0148753612908506148525) * r + 0.13692988092273580531) * r + 0.59983220655588793769) * r + 1);
  }
  return q < 0 ? -value : value;
}

/**
 * Maps standard-normal values onto the normal truncated to [−τ, τ] by the probability
 * integral transform, z ↦ Φ⁻¹(Φ(−τ) + Φ(z)·(1 − 2Φ(−τ))): a N(0, 1) draw becomes an exact
 * truncated-normal draw, every |z| shrinks (monotonically as τ falls), and τ = Infinity is
 * the identity. Unlike resampling, one base draw gives a continuous family of latents, which
 * is what a truncation sweep shows.
 */
export function truncateValues(values: Float32Array, truncation: number): Float32Array {
  checkTruncation(truncation);
  if (truncation === Infinity) return values.slice();
  const low = normalCdf(-truncation);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const p = low + normalCdf(values[i]) * (1 - 2 * low);
    // Clamp to [−τ, τ]: float32 rounding of a value near the bound must not cross it.
    out[i] = Math.max(-truncation, Math.min(truncation, normalQuantile(p)));
  }
  // float32 rounding of ±τ itself may exceed τ by half an ulp; pull those inside.
  for (let i = 0; i < out.length; i++) {
    if (Math.abs(out[i]) > truncation) out[i] = Math.sign(out[i]) * Math.fround(truncation * (1 - 2 ** -23));
  }
  return out;
}

/** `truncateValues` on a tensor (reads it back: for sampling, not training). */
export function truncateLatents(latents: tf.Tensor, truncation: number): tf.Tensor {
  checkTruncation(truncation);
  if (!(latents instanceof tf.Tensor) || latents.dtype !== 'float32') {
    throw new InvalidArgumentError('latents', latents, 'must be a float32 tensor');
  }
  return tf.tensor(truncateValues(latents.dataSync() as Float32Array, truncation), latents.shape, 'float32');
}

export interface SampleLatentsOptions {
  /** Number of latent vectors. */
  n: number;
  latentDim: number;
  /** Truncation threshold τ > 0 (Infinity, the default: plain N(0, I)). */
  truncation?: number;
  rng: Generator;
}

/** Latents `[n, latentDim]`: N(0, I) draws from `rng`, truncated to [−τ, τ] per component by {@link truncateValues}. */
export function sampleLatents({ n, latentDim, truncation = Infinity, rng }: SampleLatentsOptions): tf.Tensor2D {
  checkPositiveInteger('n', n);
  checkPositiveInteger('latentDim', latentDim);
  checkTruncation(truncation);
  if (!rng || typeof rng.normalArray !== 'function') throw new InvalidArgumentError('rng', rng, 'must be a Generator from @gen/core');
  const values = truncateValues(rng.normalArray(n * latentDim), truncation);
  return tf.tensor2d(values, [n, latentDim], 'float32');
}
