import { Generator, InvalidArgumentError, metrics } from '@gen/core';

function randomSymmetric(n: number, seed: number): Float64Array {
  const noise = new Generator(seed).normalArray(n * n);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = (noise[i * n + j] + noise[j * n + i]) / 2;
  return out;
}

function frobenius(matrix: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < matrix.length; i++) sum += matrix[i] * matrix[i];
  return Math.sqrt(sum);
}

describe('metrics.symmetricEigen (Jacobi)', () => {
  it.each([1, 2, 5, 24])('A v = λ v with orthonormal V on a random symmetric matrix of size %d', (n) => {
    const a = randomSymmetric(n, 100 + n);
    const { values, vectors } = metrics.symmetricEigen(a, n);
    const scale = frobenius(a);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    expect(Math.abs(values.reduce((s, v) => s + v, 0) - trace)).toBeLessThan(1e-12 * Math.max(1, scale) * n);
    let [residual, orthogonality] = [0, 0];
    for (let k = 0; k < n; k++) {
      if (k > 0) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[j * n + k];
        residual = Math.max(residual, Math.abs(av - values[k] * vectors[i * n + k]));
      }
      for (let l = 0; l < n; l++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[i * n + k] * vectors[i * n + l];
        orthogonality = Math.max(orthogonality, Math.abs(dot - (k === l ? 1 : 0)));
      }
    }
    expect(residual).toBeLessThan(1e-12 * scale);
    expect(orthogonality).toBeLessThan(1e-12);
  });

  it('known spectra: [[2, 1], [1, 2]] has 1 and 3; repeated eigenvalues are fine', () => {
    const { values, vectors } = metrics.symmetricEigen([2, 1, 1, 2], 2);
    expect(Math.abs(values[0] - 1)).toBeLessThan(1e-15);
    expect(Math.abs(values[1] - 3)).toBeLessThan(1e-15);
    expect(Math.abs(Math.abs(vectors[0]) - Math.SQRT1_2)).toBeLessThan(1e-15);
    // 3I − 𝟙𝟙ᵀ has eigenvalues {0, 3, 3}: 0 along 𝟙, 3 on its orthogonal complement.
    const { values: repeated } = metrics.symmetricEigen([2, -1, -1, -1, 2, -1, -1, -1, 2], 3, { vectors: false });
    [0, 3, 3].forEach((expected, k) => expect(Math.abs(repeated[k] - expected)).toBeLessThan(1e-14));
  });

  it('sqrtmPsd: S is symmetric and S·S = A for a PSD A', () => {
    const n = 6;
    const b = randomSymmetric(n, 7);
    const a = new Float64Array(n * n); // A = B Bᵀ
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += b[i * n + k] * b[j * n + k];
    const s = metrics.sqrtmPsd(a, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let ss = 0;
        for (let k = 0; k < n; k++) ss += s[i * n + k] * s[k * n + j];
        expect(Math.abs(ss - a[i * n + j])).toBeLessThan(1e-11 * frobenius(a));
        expect(s[i * n + j]).toBe(s[j * n + i]);
      }
    }
  });

  it('rejects a matrix of the wrong size with a one-line message', () => {
    expect(() => metrics.symmetricEigen([1, 2, 3], 2)).toThrow(new InvalidArgumentError('matrix', 'length 3', 'must hold n² = 4 numbers (row-major)'));
    expect(() => metrics.symmetricEigen([1, 2, 3], 2)).toThrow(/^matrix \("length 3"\) must hold n² = 4 numbers \(row-major\)$/);
  });
});
