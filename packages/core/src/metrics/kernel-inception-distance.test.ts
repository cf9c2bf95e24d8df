import { Generator, InvalidArgumentError, metrics } from '@gen/core';

const features = (rows: number, dim: number, seed: number, shift = 0) => ({
  values: new Generator(seed).normalArray(rows * dim).map((v) => v + shift),
  shape: [rows, dim] as const,
});

describe('metrics.kernelInceptionDistance', () => {
  it('with one subset of all rows it is the unbiased MMD² of the cubic kernel (direct formula)', async () => {
    const [m, d] = [12, 3];
    const a = features(m, d, 1);
    const b = features(m, d, 2, 0.5);
    const k = (u: ArrayLike<number>, i: number, v: ArrayLike<number>, j: number) => {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += u[i * d + c] * v[j * d + c];
      return (dot / d + 1) ** 3;
    };
    let [xx, yy, xy] = [0, 0, 0];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        if (i !== j) xx += k(a.values, i, a.values, j);
        if (i !== j) yy += k(b.values, i, b.values, j);
        xy += k(a.values, i, b.values, j);
      }
    }
    const expected = (xx + yy) / (m * (m - 1)) - (2 * xy) / (m * m);
    const kid = await metrics.kernelInceptionDistance(a, b, { numSubsets: 3, subsetSize: m });
    expect(Array.from(kid.subsets).every((value) => Math.abs(value - expected) < 1e-12)).toBe(true);
    expect(kid.std).toBeLessThan(1e-12);
  });

  it('is ≈ 0 for samples of one distribution and clearly positive for a shifted one', async () => {
    const options = { numSubsets: 10, subsetSize: 100 };
    const real = features(300, 8, 3);
    const same = await metrics.kernelInceptionDistance(real, features(300, 8, 4), options);
    const shifted = await metrics.kernelInceptionDistance(real, features(300, 8, 5, 0.5), options);
    expect(Math.abs(same.mean)).toBeLessThan(3 * same.std + 0.01);
    expect(shifted.mean).toBeGreaterThan(0.1);
    expect(shifted.mean).toBeGreaterThan(20 * Math.abs(same.mean));
    // The default generator is seeded, so the estimate is reproducible.
    const again = await metrics.kernelInceptionDistance(real, features(300, 8, 5, 0.5), options);
    expect(again.mean).toBe(shifted.mean);
  });

  it('rejects bad options with one-line messages', async () => {
    const a = features(4, 2, 1);
    await expect(metrics.kernelInceptionDistance(a, a, { numSubsets: 0 })).rejects.toThrow(
      new InvalidArgumentError('numSubsets', 0, 'must be an integer >= 1'),
    );
    await expect(metrics.kernelInceptionDistance(a, features(4, 3, 2))).rejects.toThrow(
      /^b columns \(3\) must equal a's feature columns \(2\)$/,
    );
  });
});
