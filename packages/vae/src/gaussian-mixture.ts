// A Gaussian mixture with diagonal covariances, fitted by EM (Dempster et al. 1977) in
// float64 on the CPU. Fitted to a VAE's aggregate posterior (the encoded training set) it
// samples latents from where the decoder was trained rather than from the prior's empty
// regions ("ex-post density estimation", Ghosh et al. 2020), often with much better images.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type Generator } from '@gen/core';
import { checkNonNegativeNumber, checkPositiveInteger, checkPositiveNumber } from './validate';

const LOG_2PI = Math.log(2 * Math.PI);

/** JSON form of a mixture (`toJSON` / `GaussianMixture.fromJSON`). */
export interface GaussianMixtureJSON {
  kind: 'gaussian-mixture';
  dim: number;
  weights: number[];
  /** `[numComponents][dim]`. */
  means: number[][];
  variances: number[][];
}

/** Σ_k π_k N(x; μ_k, diag(σ²_k)). Parameters are float64 arrays, component-major. */
export class GaussianMixture {
  readonly dim: number;
  readonly numComponents: number;
  /** Mixing weights π_k (sum to 1). */
  readonly weights: Float64Array;
  /** μ, `numComponents × dim` row-major. */
  readonly means: Float64Array;
  /** σ², `numComponents × dim` row-major. */
  readonly variances: Float64Array;

  constructor({ weights, means, variances }: { weights: ArrayLike<number>; means: ArrayLike<number>; variances: ArrayLike<number> }) {
    const numComponents = weights?.length ?? 0;
    if (numComponents < 1) throw new InvalidArgumentError('weights', weights, 'must hold at least one mixing weight');
    if (!means || means.length % numComponents !== 0 || means.length === 0) {
      throw new InvalidArgumentError('means', means?.length, `must hold numComponents (${numComponents}) × dim values`);
    }
    const dim = means.length / numComponents;
    if (!variances || variances.length !== means.length) throw new InvalidArgumentError('variances', variances?.length, `must hold ${means.length} values like means`);
    let total = 0;
    for (let k = 0; k < numComponents; k++) {
      if (!(weights[k] >= 0)) throw new InvalidArgumentError(`weights[${k}]`, weights[k], 'must be ≥ 0');
      total += weights[k];
    }
    if (!(Math.abs(total - 1) < 1e-6)) throw new InvalidArgumentError('weights', `sum ${total}`, 'must sum to 1');
    for (let i = 0; i < variances.length; i++) {
      if (!(variances[i] > 0 && Number.isFinite(variances[i]))) throw new InvalidArgumentError(`variances[${i}]`, variances[i], 'must be a positive finite number');
      if (!Number.isFinite(means[i])) throw new InvalidArgumentError(`means[${i}]`, means[i], 'must be finite');
    }
    this.dim = dim;
    this.numComponents = numComponents;
    this.weights = Float64Array.from(weights);
    this.means = Float64Array.from(means);
    this.variances = Float64Array.from(variances);
  }

  static fromJSON(json: GaussianMixtureJSON): GaussianMixture {
    if (json?.kind !== 'gaussian-mixture') throw new InvalidArgumentError('json.kind', json?.kind, "must be 'gaussian-mixture'");
    return new GaussianMixture({ weights: json.weights, means: json.means.flat(), variances: json.variances.flat() });
  }

  toJSON(): GaussianMixtureJSON {
    const rows = (flat: Float64Array) => Array.from({ length: this.numComponents }, (_, k) => Array.from(flat.subarray(k * this.dim, (k + 1) * this.dim)));
    return { kind: 'gaussian-mixture', dim: this.dim, weights: Array.from(this.weights), means: rows(this.means), variances: rows(this.variances) };
  }

  /** log p(x) per point for `points` (`count × dim` row-major), float64. */
  logProb(points: ArrayLike<number>): Float64Array {
    const count = checkPoints('points', points, this.dim);
    const out = new Float64Array(count);
    const joint = new Float64Array(this.numComponents);
    for (let n = 0; n < count; n++) out[n] = this.componentLogJoint(points, n, joint);
    return out;
  }

  /**
   * `count` draws, a float32 tensor `[count, dim]`: a component by its weight, then
   * μ_k + σ_k·ε, all from `generator`.
   */
  sample({ count, generator }: { count: number; generator: Generator }): tf.Tensor2D {
    checkPositiveInteger('count', count);
    if (typeof generator?.uniformArray !== 'function') throw new InvalidArgumentError('generator', generator, 'must be a Generator from @gen/core');
    const uniforms = generator.uniformArray(count);
    const noise = generator.normalArray(count * this.dim);
    const values = new Float32Array(count * this.dim);
    for (let n = 0; n < count; n++) {
      let k = 0;
      let cumulative = this.weights[0];
      while (uniforms[n] >= cumulative && k < this.numComponents - 1) cumulative += this.weights[++k];
      for (let d = 0; d < this.dim; d++) {
        const j = k * this.dim + d;
        values[n * this.dim + d] = this.means[j] + Math.sqrt(this.variances[j]) * noise[n * this.dim + d];
      }
    }
    return tf.tensor2d(values, [count, this.dim]);
  }

  /** log p(x_n), with `joint[k]` = log π_k + log N(x_n; μ_k, σ²_k) written as a side effect. */
  componentLogJoint(points: ArrayLike<number>, n: number, joint: Float64Array): number {
    const { dim } = this;
    let max = -Infinity;
    for (let k = 0; k < this.numComponents; k++) {
      let logDensity = 0;
      for (let d = 0; d < dim; d++) {
        const j = k * dim + d;
        const diff = points[n * dim + d] - this.means[j];
        logDensity -= 0.5 * (LOG_2PI + Math.log(this.variances[j]) + (diff * diff) / this.variances[j]);
      }
      joint[k] = Math.log(this.weights[k]) + logDensity;
      if (joint[k] > max) max = joint[k];
    }
    if (max === -Infinity) return -Infinity;
    let sum = 0;
    for (let k = 0; k < this.numComponents; k++) sum += Math.exp(joint[k] - max);
    return max + Math.log(sum);
  }
}

export interface FitGaussianMixtureOptions {
  /** Points, `count × dim`: a rank-2 tensor, or a flat array with `dim`. */
  data: tf.Tensor | ArrayLike<number>;
  /** Dimension of a flat-array `data` (ignored for a tensor). */
  dim?: number;
  /** Mixture components. Default 10. */
  numComponents?: number;
  /** Most EM iterations. Default 200. */
  maxIterations?: number;
  /** Stop when the mean log-likelihood per point improves by less than this. Default 1e-6. */
  tolerance?: number;
  /** Added to every variance (keeps components from collapsing onto one point). Default 1e-6. */
  minVariance?: number;
  /** Draws the k-means++ initial means. */
  generator: Generator;
}

export interface GaussianMixtureFit {
  mixture: GaussianMixture;
  /** Mean log p(x) per point at the end, nats. */
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

/**
 * Fits a diagonal-covariance Gaussian mixture by EM. Initial means by k-means++ (Arthur &
 * Vassilvitskii 2007) seeded from `generator`, variances from the data, equal weights; a
 * component that loses all its points is re-seeded at the worst-explained point.
 */
export async function fitGaussianMixture(options: FitGaussianMixtureOptions): Promise<GaussianMixtureFit> {
  const { data, numComponents = 10, maxIterations = 200, tolerance = 1e-6, minVariance = 1e-6, generator } = options ?? ({} as FitGaussianMixtureOptions);
  checkPositiveInteger('numComponents', numComponents);
  checkPositiveInteger('maxIterations', maxIterations);
  checkNonNegativeNumber('tolerance', tolerance);
  checkPositiveNumber('minVariance', minVariance);
  if (typeof generator?.uniformArray !== 'function') throw new InvalidArgumentError('generator', generator, 'must be a Generator from @gen/core');
  let points: ArrayLike<number>;
  let dim: number;
  if (data instanceof tf.Tensor) {
    if (data.rank !== 2) throw new InvalidArgumentError('data', data, 'must be a rank-2 tensor [count, dim]');
    dim = data.shape[1] as number;
    points = Float64Array.from(await data.data());
  } else {
    dim = checkPositiveInteger('dim', options.dim);
    points = data;
  }
  const count = checkPoints('data', points, dim);
  if (count < numComponents) throw new InvalidArgumentError('numComponents', numComponents, `must not exceed the number of points (${count})`);

  // 1. Initialisation: k-means++ means, the global variance, equal weights.
  const globalMean = new Float64Array(dim);
  const globalVariance = new Float64Array(dim);
  for (let n = 0; n < count; n++) for (let d = 0; d < dim; d++) globalMean[d] += points[n * dim + d] / count;
  for (let n = 0; n < count; n++) for (let d = 0; d < dim; d++) globalVariance[d] += (points[n * dim + d] - globalMean[d]) ** 2 / count;
  const means = kMeansPlusPlus(points, count, dim, numComponents, generator);
  const variances = new Float64Array(numComponents * dim);
  for (let k = 0; k < numComponents; k++) for (let d = 0; d < dim; d++) variances[k * dim + d] = globalVariance[d] + minVariance;
  let mixture = new GaussianMixture({ weights: new Float64Array(numComponents).fill(1 / numComponents), means, variances });

  // 2. EM.
  const joint = new Float64Array(numComponents);
  const responsibilities = new Float64Array(count * numComponents);
  const pointLogLikelihood = new Float64Array(count);
  let previous = -Infinity;
  let logLikelihood = -Infinity;
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    // E step: r_nk = π_k N(x_n; μ_k, σ²_k) / p(x_n).
    let total = 0;
    for (let n = 0; n < count; n++) {
      const logP = mixture.componentLogJoint(points, n, joint);
      pointLogLikelihood[n] = logP;
      total += logP;
      for (let k = 0; k < numComponents; k++) responsibilities[n * numComponents + k] = Math.exp(joint[k] - logP);
    }
    logLikelihood = total / count;
    iterations += 1;
    if (logLikelihood - previous < tolerance) {
      converged = true;
      break;
    }
    previous = logLikelihood;
    // M step: N_k = Σ_n r_nk; π_k = N_k / N; μ_k = Σ r x / N_k; σ²_k = Σ r (x − μ_k)² / N_k + minVariance.
    const weights = new Float64Array(numComponents);
    const nextMeans = new Float64Array(numComponents * dim);
    const nextVariances = new Float64Array(numComponents * dim);
    for (let n = 0; n < count; n++) {
      for (let k = 0; k < numComponents; k++) {
        const r = responsibilities[n * numComponents + k];
        weights[k] += r;
        for (let d = 0; d < dim; d++) nextMeans[k * dim + d] += r * points[n * dim + d];
      }
    }
    for (let k = 0; k < numComponents; k++) {
      if (weights[k] < 1e-8) {
        // A dead component: restart it on the point the mixture explains worst.
        let worst = 0;
        for (let n = 1; n < count; n++) if (pointLogLikelihood[n] < pointLogLikelihood[worst]) worst = n;
        pointLogLikelihood[worst] = Infinity;
        for (let d = 0; d < dim; d++) nextMeans[k * dim + d] = points[worst * dim + d];
        weights[k] = 1;
        continue;
      }
      for (let d = 0; d < dim; d++) nextMeans[k * dim + d] /= weights[k];
    }
    for (let n = 0; n < count; n++) {
      for (let k = 0; k < numComponents; k++) {
        const r = responsibilities[n * numComponents + k];
        if (r === 0) continue;
        for (let d = 0; d < dim; d++) nextVariances[k * dim + d] += r * (points[n * dim + d] - nextMeans[k * dim + d]) ** 2;
      }
    }
    let weightTotal = 0;
    for (let k = 0; k < numComponents; k++) weightTotal += weights[k];
    for (let k = 0; k < numComponents; k++) {
      for (let d = 0; d < dim; d++) {
        const j = k * dim + d;
        nextVariances[j] = weights[k] >= 1e-8 && nextVariances[j] > 0 ? nextVariances[j] / weights[k] + minVariance : globalVariance[d] + minVariance;
      }
      weights[k] /= weightTotal;
    }
    mixture = new GaussianMixture({ weights, means: nextMeans, variances: nextVariances });
  }
  return { mixture, logLikelihood, iterations, converged };
}

function checkPoints(argument: string, points: ArrayLike<number>, dim: number): number {
  if (!points || typeof points.length !== 'number' || points.length === 0 || points.length % dim !== 0) {
    throw new InvalidArgumentError(argument, points?.length, `must hold count × dim (${dim}) values, count ≥ 1`);
  }
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i])) throw new InvalidArgumentError(`${argument}[${i}]`, points[i], 'must be finite');
  }
  return points.length / dim;
}

/** k-means++ seeding: the first centre uniformly, each next one with probability ∝ squared distance to the nearest centre. */
function kMeansPlusPlus(points: ArrayLike<number>, count: number, dim: number, numComponents: number, generator: Generator): Float64Array {
  const centres = new Float64Array(numComponents * dim);
  const uniforms = generator.uniformArray(numComponents);
  const nearest = new Float64Array(count).fill(Infinity);
  let chosen = Math.min(count - 1, Math.floor(uniforms[0] * count));
  for (let k = 0; k < numComponents; k++) {
    for (let d = 0; d < dim; d++) centres[k * dim + d] = points[chosen * dim + d];
    if (k === numComponents - 1) break;
    let total = 0;
    for (let n = 0; n < count; n++) {
      let distance = 0;
      for (let d = 0; d < dim; d++) distance += (points[n * dim + d] - centres[k * dim + d]) ** 2;
      if (distance < nearest[n]) nearest[n] = distance;
      total += nearest[n];
    }
    if (total === 0) {
      chosen = (chosen + 1) % count;
      continue;
    }
    let target = uniforms[k + 1] * total;
    chosen = count - 1;
    for (let n = 0; n < count; n++) {
      target -= nearest[n];
      if (target < 0) {
        chosen = n;
        break;
      }
    }
  }
  return centres;
}
