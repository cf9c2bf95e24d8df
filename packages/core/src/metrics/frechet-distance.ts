import { InvalidArgumentError } from '../errors';
import type { Generator } from '../random';
import { readFeatures, selectRows, type FeatureInput, type FeatureMatrix } from './features';
import { sqrtmPsd, symmetricEigen } from './symmetric-eigen';

/** Mean and covariance of a feature set (the "FID statistics" of a data set), in float64. */
export interface FeatureStatistics {
  /** μ, length `dim`. */
  mean: Float64Array;
  /** Σ, `dim`×`dim` row-major, unbiased (divides by count − 1, as numpy.cov). */
  covariance: Float64Array;
  dim: number;
  /** Number of samples the statistics came from. */
  count: number;
}

/** μ and the unbiased Σ of the rows of `features` (at least 2 rows). */
export async function featureStatistics(features: FeatureInput): Promise<FeatureStatistics> {
  return statisticsOf(await readFeatures(features, 'features'), 'features');
}

/** Synchronous {@link featureStatistics} of a matrix already in float64. */
export function statisticsOf({ values, rows, cols }: FeatureMatrix, argument = 'features'): FeatureStatistics {
  if (rows < 2) throw new InvalidArgumentError(`${argument} rows`, rows, 'must be at least 2 to estimate a covariance');
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += values[r * cols + c];
  for (let c = 0; c < cols; c++) mean[c] /= rows;
  const covariance = new Float64Array(cols * cols);
  const centred = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) centred[c] = values[r * cols + c] - mean[c];
    for (let i = 0; i < cols; i++) {
      const ci = centred[i];
      if (ci === 0) continue;
      const offset = i * cols;
      for (let j = i; j < cols; j++) covariance[offset + j] += ci * centred[j];
    }
  }
  for (let i = 0; i < cols; i++) {
    for (let j = i; j < cols; j++) {
      const value = covariance[i * cols + j] / (rows - 1);
      covariance[i * cols + j] = value;
      covariance[j * cols + i] = value;
    }
  }
  return { mean, covariance, dim: cols, count: rows };
}

/**
 * Fréchet distance between the Gaussians N(μ₁, Σ₁) and N(μ₂, Σ₂) (Dowson & Landau 1982; the FID
 * of Heusel et al. 2017, eq. 6): ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^{1/2}. The trace term
 * is Σᵢ √λᵢ over the eigenvalues of the symmetric PSD matrix Σ₁^{1/2} Σ₂ Σ₁^{1/2}, which has the
 * eigenvalues of Σ₁Σ₂; both decompositions are symmetric Jacobi in float64, so no complex
 * square root arises. The result is clamped at 0 against rounding.
 */
export function frechetDistanceFromStatistics(a: FeatureStatistics, b: FeatureStatistics): number {
  if (a.dim !== b.dim) throw new InvalidArgumentError('b.dim', b.dim, `must equal a.dim (${a.dim})`);
  const n = a.dim;
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;
  let traceA = 0;
  let traceB = 0;
  for (let i = 0; i < n; i++) {
    traceA += a.covariance[i * n + i];
    traceB += b.covariance[i * n + i];
  }
  // 1. S = Σ₁^{1/2};  2. M = S Σ₂ S (symmetric PSD);  3. tr (Σ₁Σ₂)^{1/2} = Σ √λ(M).
  const s = sqrtmPsd(a.covariance, n);
  const sb = multiply(s, b.covariance, n);
  const m = multiply(sb, s, n);
  const { values } = symmetricEigen(m, n, { vectors: false });
  let traceSqrt = 0;
  for (const value of values) traceSqrt += Math.sqrt(Math.max(value, 0));
  return Math.max(0, meanTerm + traceA + traceB - 2 * traceSqrt);
}

/**
 * Fréchet distance between two feature sets (or precomputed {@link FeatureStatistics}),
 * computed in float64. See {@link frechetDistanceFromStatistics}.
 */
export async function frechetDistance(a: FeatureInput | FeatureStatistics, b: FeatureInput | FeatureStatistics): Promise<number> {
  const [statsA, statsB] = await Promise.all([toStatistics(a, 'a'), toStatistics(b, 'b')]);
  return frechetDistanceFromStatistics(statsA, statsB);
}

/** Options of {@link fidFloor} and {@link fidWithFloor}. */
export interface FidFloorOptions {
  /**
   * Shuffles the real rows before splitting them. Without it the subsets are consecutive rows
   * (0 … k−1 and k … 2k−1), which is only fair when the rows are not ordered (e.g. by class).
   */
  generator?: Generator;
}

/**
 * The real-vs-real Fréchet distance between two disjoint subsets of `real` of `subsetSize`
 * rows each (default: half the rows). FID is biased upwards at finite sample sizes (Chong &
 * Forsyth 2020), so a model's FID is best read against this floor at the same size.
 */
export async function fidFloor(real: FeatureInput, { subsetSize, generator }: FidFloorOptions & { subsetSize?: number } = {}): Promise<number> {
  const matrix = await readFeatures(real, 'real');
  const size = subsetSize ?? Math.floor(matrix.rows / 2);
  const [first, second] = disjointSubsets(matrix, size, generator, 'subsetSize');
  return frechetDistanceFromStatistics(statisticsOf(first, 'real'), statisticsOf(second, 'real'));
}

/** Result of {@link fidWithFloor}. */
export interface FidWithFloor {
  /** FD(generated, real subset A). */
  fid: number;
  /** FD(real subset B, real subset A): the distance a perfect model would score at this size. */
  floor: number;
  /** fid / floor: 1 is indistinguishable from real data at this sample size. */
  ratio: number;
}

/**
 * FID of `generated` against a subset A of `real` with as many rows, reported next to the floor
 * FD(B, A) of a disjoint real subset B of the same size; `real` needs at least twice as many
 * rows as `generated`.
 */
export async function fidWithFloor({ generated, real, generator }: FidFloorOptions & { generated: FeatureInput; real: FeatureInput }): Promise<FidWithFloor> {
  const [fake, realMatrix] = await Promise.all([readFeatures(generated, 'generated'), readFeatures(real, 'real')]);
  if (fake.cols !== realMatrix.cols) {
    throw new InvalidArgumentError('generated columns', fake.cols, `must equal the real feature columns (${realMatrix.cols})`);
  }
  if (realMatrix.rows < 2 * fake.rows) {
    throw new InvalidArgumentError('real rows', realMatrix.rows, `must be at least twice the generated rows (${fake.rows}) for two disjoint real subsets`);
  }
  const [subsetA, subsetB] = disjointSubsets(realMatrix, fake.rows, generator, 'generated rows');
  const statsA = statisticsOf(subsetA, 'real');
  const fid = frechetDistanceFromStatistics(statisticsOf(fake, 'generated'), statsA);
  const floor = frechetDistanceFromStatistics(statisticsOf(subsetB, 'real'), statsA);
  return { fid, floor, ratio: fid / floor };
}

function disjointSubsets(matrix: FeatureMatrix, size: number, generator: Generator | undefined, argument: string): [FeatureMatrix, FeatureMatrix] {
  if (!Number.isInteger(size) || size < 2 || 2 * size > matrix.rows) {
    throw new InvalidArgumentError(argument, size, `must be an integer in [2, ${Math.floor(matrix.rows / 2)}] (half the ${matrix.rows} real rows)`);
  }
  const order = generator ? generator.permutation(matrix.rows) : Int32Array.from({ length: matrix.rows }, (_, i) => i);
  return [selectRows(matrix, order.subarray(0, size)), selectRows(matrix, order.subarray(size, 2 * size))];
}

async function toStatistics(input: FeatureInput | FeatureStatistics, argument: string): Promise<FeatureStatistics> {
  if (input != null && 'covariance' in input && 'mean' in input) {
    const { mean, covariance, dim } = input;
    if (mean.length !== dim || covariance.length !== dim * dim) {
      throw new InvalidArgumentError(`${argument}.covariance`, `length ${covariance.length}`, `must hold dim² = ${dim * dim} numbers, with mean of length dim (${dim})`);
    }
    return input;
  }
  return statisticsOf(await readFeatures(input as FeatureInput, argument), argument);
}

function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      const row = k * n;
      const target = i * n;
      for (let j = 0; j < n; j++) out[target + j] += aik * b[row + j];
    }
  }
  return out;
}
