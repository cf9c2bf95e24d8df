import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gen/core/testing';
import { Generator } from '../random';
import { augment } from './augment';
import { binarize } from './binarize';
import type { GeneratorLike } from './generator-like';

/** A generator whose uniforms are fixed, to pin the shift/flip draws. */
function fixedUniforms(values: number[]): GeneratorLike {
  return { uniformArray: () => Float32Array.from(values), permutation: () => new Int32Array(0), fork: () => fixedUniforms(values) };
}

describeWithBackends('augment', () => {
  // Two 3×4 single-channel images with distinct values 1..12 and 13..24.
  const images = () => tf.tensor4d(Array.from({ length: 24 }, (_, i) => i + 1), [2, 3, 4, 1]);

  it('shifts each image by its own (dy, dx) and fills with padValue', async () => {
    // maxShift 1 → span 3: u = 0.9 → +1, u = 0.1 → −1, u = 0.5 → 0.
    const out = augment(images(), { generator: fixedUniforms([0.9, 0.1, 0.9, 0.5, 0.5, 0.9]), maxShift: 1, padValue: -7 });
    expect(out.shape).toEqual([2, 3, 4, 1]);
    const [first, second] = (await out.array()).map((image) => image.map((row) => row.map((pixel) => pixel[0])));
    // Image 0: dy = +1 (down), dx = −1 (left): out[i][j] = x[i − 1][j + 1].
    expect(first).toEqual([
      [-7, -7, -7, -7],
      [2, 3, 4, -7],
      [6, 7, 8, -7],
    ]);
    // Image 1: no shift, and no flip since horizontalFlip is off.
    expect(second).toEqual([
      [13, 14, 15, 16],
      [17, 18, 19, 20],
      [21, 22, 23, 24],
    ]);
  });

  it('flips left-right when drawn', async () => {
    const out = augment(images(), { generator: fixedUniforms([0.5, 0.5, 0.2, 0.5, 0.5, 0.8]), maxShift: 0, horizontalFlip: true });
    const [first, second] = (await out.array()).map((image) => image.map((row) => row.map((pixel) => pixel[0])));
    expect(first[0]).toEqual([4, 3, 2, 1]);
    expect(second[0]).toEqual([13, 14, 15, 16]);
  });

  it('moves values without changing them (a permutation plus padding)', async () => {
    const x = images();
    const out = augment(x, { generator: new Generator(3), maxShift: 2, horizontalFlip: true, padValue: 0 });
    const values = Array.from(await out.data());
    for (const v of values) expect(v === 0 || (Number.isInteger(v) && v >= 1 && v <= 24)).toBe(true);
  });

  it('rejects bad arguments', () => {
    const generator = new Generator(0);
    expect(() => augment(tf.zeros([2, 2]) as unknown as tf.Tensor4D, { generator })).toThrow(
      'images (Tensor<float32>[2, 2]) must be a rank-4 tensor [batch, height, width, channels]',
    );
    expect(() => augment(images(), { generator, maxShift: 1.5 })).toThrow('maxShift (1.5) must be a non-negative integer');
    expect(() => augment(images(), { generator, maxShift: 4 })).toThrow('maxShift (4) must be smaller than the image size 3×4');
  });
});

describeWithBackends('binarize', () => {
  it('thresholds at 0.5 by default', async () => {
    const out = binarize(tf.tensor1d([0, 0.5, 0.51, 1]));
    expect(Array.from(await out.data())).toEqual([0, 0, 1, 1]);
    expect(Array.from(binarize(Float32Array.from([0.2, 0.7]), { mode: 'threshold', threshold: 0.1 }))).toEqual([1, 1]);
  });

  it('dynamic mode draws Bernoulli(p): the mean of many draws is p', async () => {
    const p = 0.3;
    const n = 4000;
    const out = binarize(tf.fill([n], p), { mode: 'dynamic', generator: new Generator(11) });
    const values = Array.from(await out.data());
    const mean = values.reduce((a, b) => a + b, 0) / n;
    // 4.5 standard errors of a Bernoulli mean: sqrt(p(1−p)/n) ≈ 0.0072.
    expect(Math.abs(mean - p)).toBeLessThan(4.5 * Math.sqrt((p * (1 - p)) / n));
    expect(new Set(values)).toEqual(new Set([0, 1]));
    // The same generator state gives the same draws, for typed arrays too.
    const a = binarize(new Float32Array(64).fill(0.5), { mode: 'dynamic', generator: new Generator(2) });
    const b = binarize(new Float32Array(64).fill(0.5), { mode: 'dynamic', generator: new Generator(2) });
    expect(a).toEqual(b);
  });

  it('rejects bad arguments', () => {
    expect(() => binarize(tf.zeros([2]), { mode: 'dynamic' })).toThrow("generator (undefined) is required when mode is 'dynamic'");
    expect(() => binarize(tf.zeros([2]), { mode: 'random' as never })).toThrow(`mode ("random") must be 'threshold' or 'dynamic'`);
  });
});
