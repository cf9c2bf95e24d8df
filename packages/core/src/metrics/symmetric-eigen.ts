import { GenError, InvalidArgumentError } from '../errors';

/** Result of {@link symmetricEigen}: eigenvalues ascending, eigenvectors as the columns of a row-major n×n matrix. */
export interface SymmetricEigen {
  values: Float64Array;
  /** `vectors[i * n + k]` is component i of the eigenvector of `values[k]`; the columns are orthonormal. */
  vectors: Float64Array;
}

/** Options of {@link symmetricEigen}. */
export interface SymmetricEigenOptions {
  /** Skip the eigenvectors (about a third faster). Default true. */
  vectors?: boolean;
  /** Upper bound on Jacobi sweeps; convergence is quadratic, typically 6–10 sweeps. Default 60. */
  maxSweeps?: number;
}

/**
 * Eigendecomposition A = V diag(λ) Vᵀ of a symmetric n×n matrix (row-major, float64) by the
 * cyclic Jacobi method (Golub & Van Loan, Matrix Computations, §8.5.2–8.5.3; rotation formulas
 * of Numerical Recipes §11.1). Only the upper triangle need be meaningful: the matrix is
 * symmetrised from it. Cost O(n³) per sweep in plain JS: comfortable up to n ≈ 500.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number, { vectors = true, maxSweeps = 60 }: SymmetricEigenOptions = {}): SymmetricEigen {
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('n', n, 'must be an integer >= 1');
  if (matrix == null || matrix.length !== n * n) {
    throw new InvalidArgumentError('matrix', matrix == null ? matrix : `length ${matrix.length}`, `must hold n² = ${n * n} numbers (row-major)`);
  }
  const a = new Float64Array(n * n);
  let norm = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const value = matrix[i * n + j];
      if (!Number.isFinite(value)) throw new InvalidArgumentError(`matrix[${i * n + j}]`, value, 'must be a finite number');
      a[i * n + j] = value;
      a[j * n + i] = value;
      norm += (i === j ? 1 : 2) * value * value;
    }
  }
  const v = vectors ? identity(n) : null;
  const tolerance = 1e-30 * norm; // on the squared off-diagonal norm: ‖off(A)‖ ≤ 1e-15 ‖A‖_F

  let converged = false;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n - 1; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (2 * off <= tolerance) {
      converged = true;
      break;
    }
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        // 1. Rotation angle that zeroes a_pq: t = tan φ, the smaller root of t² + 2θt − 1 = 0 (NR eq. 11.1.8).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // 2. A ← Jᵀ A J: columns p, q, then rows p, q.
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = 0;
        a[q * n + p] = 0;
        // 3. V ← V J.
        if (v) {
          for (let k = 0; k < n; k++) {
            const vkp = v[k * n + p];
            const vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
          }
        }
      }
    }
  }
  if (!converged) {
    let off = 0;
    for (let p = 0; p < n - 1; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (2 * off > tolerance) throw new GenError(`symmetricEigen: Jacobi did not converge in ${maxSweeps} sweeps (n = ${n})`);
  }

  // 4. Sort ascending (as numpy.linalg.eigh), permuting the eigenvector columns alongside.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i] - a[j * n + j]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const sorted = new Float64Array(v ? n * n : 0);
  if (v) {
    for (let k = 0; k < n; k++) {
      const column = order[k];
      for (let i = 0; i < n; i++) sorted[i * n + k] = v[i * n + column];
    }
  }
  return { values, vectors: sorted };
}

/**
 * The symmetric square root S^{1/2} = V diag(√max(λ, 0)) Vᵀ of a symmetric positive
 * semi-definite matrix; eigenvalues that rounding made slightly negative count as 0.
 */
export function sqrtmPsd(matrix: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n);
  const out = new Float64Array(n * n);
  const roots = values.map((value) => Math.sqrt(Math.max(value, 0)));
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += vectors[i * n + k] * roots[k] * vectors[j * n + k];
      out[i * n + j] = sum;
      out[j * n + i] = sum;
    }
  }
  return out;
}

function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}
