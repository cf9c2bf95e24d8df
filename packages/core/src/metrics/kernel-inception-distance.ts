import { InvalidArgumentError } from '../errors';
import { Generator } from '../random';
import { readFeatures, type FeatureInput, type FeatureMatrix } from './features';

/** Options of {@link kernelInceptionDistance}. */
export interface KernelInceptionDistanceOptions {
  /** Number of random subset pairs averaged. Default 100 (as clean-fid and torch-fidelity). */
  numSubsets?: number;
  /** Rows per subset, capped at the smaller set. Default 1000. */
  subsetSize?: number;
  /**
   * Draws the subsets (rows without replacement, afresh for each pair). Default: a generator
   * seeded 2020 (torch-fidelity's default seed), so the same features give the same KID.
   */
  generator?: Generator;
}

/** KID over subsets: the mean of the unbiased MMD² estimates and their standard deviation. */
export interface KernelInceptionDistance {
  mean: number;
  /** Population standard deviation over the subsets (as torch-fidelity's kid_std). */
  std: number;
  /** The per-subset estimates. */
  subsets: Float64Array;
}

/**
 * Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs", eq. 2 and §5): the
 * unbiased estimate of MMD² with the cubic polynomial kernel k(x, y) = (xᵀy / d + 1)³,
 *   MMD²ᵤ = Σ_{i≠j} [k(xᵢ, xⱼ) + k(yᵢ, yⱼ)] / (m(m − 1)) − 2 Σ_{i,j} k(xᵢ, yⱼ) / m²,
 * averaged over random subsets of m rows. Unbiased, so it can be slightly negative for sets from
 * the same distribution. Computed in float64 in plain JS: O(numSubsets · m² · d).
 */
export async function kernelInceptionDistance(
  a: FeatureInput,
  b: FeatureInput,
  { numSubsets = 100, subsetSize = 1000, generator }: KernelInceptionDistanceOptions = {},
): Promise<KernelInceptionDistance> {
  if (!Number.isInteger(numSubsets) || numSubsets < 1) throw new InvalidArgumentError('numSubsets', numSubsets, 'must be an integer >= 1');
  if (!Number.isInteger(subsetSize) || subsetSize < 2) throw new InvalidArgumentError('subsetSize', subsetSize, 'must be an integer >= 2');
  const [x, y] = await Promise.all([readFeatures(a, 'a'), readFeatures(b, 'b')]);
  if (x.cols !== y.cols) throw new InvalidArgumentError('b columns', y.cols, `must equal a's feature columns (${x.cols})`);
  const m = Math.min(subsetSize, x.rows, y.rows);
  if (m < 2) throw new InvalidArgumentError('rows', Math.min(x.rows, y.rows), 'must be at least 2 in each feature set');
  const random = generator ?? new Generator(2020);
  const subsets = new Float64Array(numSubsets);
  for (let s = 0; s < numSubsets; s++) {
    const rowsX = random.permutation(x.rows).subarray(0, m);
    const rowsY = random.permutation(y.rows).subarray(0, m);
    subsets[s] = polynomialMmd2Unbiased(x, rowsX, y, rowsY);
  }
  let mean = 0;
  for (const value of subsets) mean += value;
  mean /= numSubsets;
  let variance = 0;
  for (const value of subsets) variance += (value - mean) ** 2;
  return { mean, std: Math.sqrt(variance / numSubsets), subsets };
}

/** The unbiased MMD² of the chosen rows of x and y with k(u, v) = (uᵀv / d + 1)³. */
function polynomialMmd2Unbiased(x: FeatureMatrix, rowsX: Int32Array, y: FeatureMatrix, rowsY: Int32Array): number {
  const m = rowsX.length;
  const d = x.cols;
  const kernel = (u: Float64Array, i: number, v: Float64Array, j: number): number => {
    let dot = 0;
    const offsetU = i * d;
    const offsetV = j * d;
    for (let c = 0; c < d; c++) dot += u[offsetU + c] * v[offsetV + c];
    const base = dot / d + 1;
    return base * base * base;
  };
  let sumXX = 0;
  let sumYY = 0;
  let sumXY = 0;
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      sumXX += kernel(x.values, rowsX[i], x.values, rowsX[j]);
      sumYY += kernel(y.values, rowsY[i], y.values, rowsY[j]);
    }
    for (let j = 0; j < m; j++) sumXY += kernel(x.values, rowsX[i], y.values, rowsY[j]);
  }
  return (2 * (sumXX + sumYY)) / (m * (m - 1)) - (2 * sumXY) / (m * m);
}
