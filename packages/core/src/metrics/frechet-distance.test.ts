import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, metrics } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';

function expectInvalidArgument(run: () => Promise<unknown>, message: string): Promise<void> {
  return run().then(
    () => {
      throw new Error(`expected "${message}"`);
    },
    (error: unknown) => {
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as Error).message).toBe(message);
    },
  );
}

/** rows × dim standard normal features, mixed by a fixed matrix so the covariance is not diagonal. */
function correlatedFeatures(rows: number, dim: number, seed: number): Float64Array {
  const z = new Generator(seed).normalArray(rows * dim);
  const out = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < dim; i++) {
      let sum = 0;
      for (let j = 0; j <= i; j++) sum += z[r * dim + j] * (1 + 0.3 * Math.sin(i * dim + j));
      out[r * dim + i] = sum;
    }
  }
  return out;
}

const stats = (mean: number[], covariance: number[]): metrics.FeatureStatistics => ({
  mean: Float64Array.from(mean),
  covariance: Float64Array.from(covariance),
  dim: mean.length,
  count: 100,
});

describe('metrics.frechetDistance (float64 math)', () => {
  const dim = 6;
  const values = correlatedFeatures(300, dim, 1);
  const features = { values, shape: [300, dim] as const };

  it('is 0 for identical sets', async () => {
    expect(await metrics.frechetDistance(features, features)).toBeLessThan(1e-9);
  });

  it('diagonal covariances: ‖μ₁ − μ₂‖² + Σᵢ (σ₁ᵢ + σ₂ᵢ − 2√(σ₁ᵢσ₂ᵢ))', () => {
    const a = stats([0, 1, 2], [1, 0, 0, 0, 4, 0, 0, 0, 0.25]);
    const b = stats([1, 1, 0], [9, 0, 0, 0, 1, 0, 0, 0, 0.25]);
    const expected = 1 + 0 + 4 + (1 + 9 - 2 * 3) + (4 + 1 - 2 * 2) + 0;
    expect(Math.abs(metrics.frechetDistanceFromStatistics(a, b) - expected)).toBeLessThan(1e-12);
  });

  it('full 2×2 covariances: tr (Σ₁Σ₂)^{1/2} = √(tr Σ₁Σ₂ + 2√(det Σ₁ det Σ₂))', () => {
    const [s1, s2] = [[2, 0.8, 0.8, 1], [1.5, -0.6, -0.6, 3]];
    const a = stats([0.5, -1], s1);
    const b = stats([0, 0.25], s2);
    const trProduct = s1[0] * s2[0] + s1[1] * s2[2] + s1[2] * s2[1] + s1[3] * s2[3];
    const det = (s: number[]) => s[0] * s[3] - s[1] * s[2];
    const traceSqrt = Math.sqrt(trProduct + 2 * Math.sqrt(det(s1) * det(s2)));
    const expected = 0.25 + 1.5625 + 3 + 4.5 - 2 * traceSqrt;
    expect(Math.abs(metrics.frechetDistanceFromStatistics(a, b) - expected)).toBeLessThan(1e-12);
    expect(Math.abs(metrics.frechetDistanceFromStatistics(b, a) - expected)).toBeLessThan(1e-12);
  });

  it('a shift by c adds ‖c‖², a scaling by s about the mean gives (1 − s)² tr Σ', async () => {
    const shift = [0.5, -1, 2, 0, 0.25, 1];
    const shifted = values.map((v, i) => v + shift[i % dim]);
    const normC = shift.reduce((s, c) => s + c * c, 0);
    expect(Math.abs((await metrics.frechetDistance(features, { values: shifted, shape: [300, dim] })) - normC)).toBeLessThan(1e-9);

    const { mean, covariance } = await metrics.featureStatistics(features);
    const scaled = values.map((v, i) => mean[i % dim] + 1.5 * (v - mean[i % dim]));
    let trace = 0;
    for (let i = 0; i < dim; i++) trace += covariance[i * dim + i];
    const fd = await metrics.frechetDistance(features, { values: scaled, shape: [300, dim] });
    expect(Math.abs(fd - 0.25 * trace)).toBeLessThan(1e-9 * trace);
  });

  it('is symmetric and accepts precomputed statistics', async () => {
    const other = { values: correlatedFeatures(200, dim, 2).map((v) => 0.8 * v + 0.1), shape: [200, dim] as const };
    const ab = await metrics.frechetDistance(features, other);
    const ba = await metrics.frechetDistance(other, features);
    expect(ab).toBeGreaterThan(0.1);
    expect(Math.abs(ab - ba)).toBeLessThan(1e-10 * ab);
    expect(await metrics.frechetDistance(await metrics.featureStatistics(features), other)).toBe(ab);
  });

  it('fidFloor is the FD of two disjoint real halves; fidWithFloor reports the ratio', async () => {
    const first = { values: values.subarray(0, 150 * dim), shape: [150, dim] as const };
    const second = { values: values.subarray(150 * dim), shape: [150, dim] as const };
    expect(await metrics.fidFloor(features)).toBe(await metrics.frechetDistance(first, second));
    const real = { values: correlatedFeatures(400, dim, 3), shape: [400, dim] as const };
    const generator = new Generator(5);
    const good = await metrics.fidWithFloor({ generated: first, real, generator });
    const bad = await metrics.fidWithFloor({ generated: { values: first.values.map((v) => v + 1), shape: [150, dim] }, real, generator });
    expect(good.floor).toBeGreaterThan(0);
    expect(good.ratio).toBeGreaterThan(0.3);
    expect(good.ratio).toBeLessThan(3);
    expect(bad.ratio).toBeGreaterThan(5);
    expect(bad.ratio).toBeCloseTo(bad.fid / bad.floor, 12);
  });

  it('rejects bad inputs with one-line messages', async () => {
    await expectInvalidArgument(
      () => metrics.frechetDistance({ values: new Float32Array(6), shape: [2, 2] }, features),
      'a.shape ([2, 2]) must be [rows, columns] with rows · columns = values.length (6)',
    );
    await expectInvalidArgument(
      () => metrics.frechetDistance({ values: new Float32Array(4), shape: [2, 2] }, features),
      'b.dim (6) must equal a.dim (2)',
    );
    await expectInvalidArgument(
      () => metrics.frechetDistance({ values: [1, 2, 3], shape: [1, 3] }, features),
      'a rows (1) must be at least 2 to estimate a covariance',
    );
    await expectInvalidArgument(
      () => metrics.fidWithFloor({ generated: features, real: features }),
      'real rows (300) must be at least twice the generated rows (300) for two disjoint real subsets',
    );
  });
});

describeWithBackends('metrics on tensors', () => {
  it('frechetDistance reads Tensor2D features (shift by c gives ‖c‖²)', async () => {
    const x = tf.tensor2d([[0, 1], [1, 0], [2, 2], [0.5, -1], [1, 1]]);
    const fd = await metrics.frechetDistance(x, tf.add(x, tf.tensor1d([1, -2])) as tf.Tensor2D);
    expect(Math.abs(fd - 5)).toBeLessThan(1e-5);
  });

  it('rejects a rank-3 tensor', async () => {
    await expectInvalidArgument(
      () => metrics.frechetDistance(tf.zeros([2, 2, 2]) as unknown as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D),
      'a (Tensor<float32>[2, 2, 2]) must be a rank-2 tensor [samples, features]',
    );
  });
});
