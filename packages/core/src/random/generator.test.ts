import * as tf from '@tensorflow/tfjs-core';
import { Generator, InvalidArgumentError, philox4x32 } from '@gen/core';
import type { GeneratorState } from '@gen/core';
import { describeWithBackends } from '@gen/core/testing';

function moments(values: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return { mean, variance: squares / (values.length - 1) };
}

function extremes(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  return { min, max };
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = moments(a);
  const mb = moments(b);
  let cov = 0;
  for (let i = 0; i < a.length; i++) cov += (a[i] - ma.mean) * (b[i] - mb.mean);
  return cov / (a.length - 1) / Math.sqrt(ma.variance * mb.variance);
}

const hex = (words: Uint32Array) => Array.from(words, (w) => w.toString(16).padStart(8, '0')).join(' ');

describe('philox4x32', () => {
  it('matches the Random123 known-answer vectors', () => {
    const out = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, out);
    expect(hex(out)).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    const ones = 0xffffffff;
    philox4x32(ones, ones, ones, ones, ones, ones, out);
    expect(hex(out)).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    expect(hex(out)).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });
});

// Statistics of the JS streams: backend-independent, so one backend is enough.
describeWithBackends('Generator streams', () => {
  it('is deterministic: the same seed gives the same numbers, another seed others', () => {
    expect(new Generator(7).normalArray(1000)).toEqual(new Generator(7).normalArray(1000));
    expect(new Generator(7).uniformArray(1000)).toEqual(new Generator(7).uniformArray(1000));
    expect(new Generator(7).permutation(50)).toEqual(new Generator(7).permutation(50));
    expect(new Generator(7).uniformArray(8)).not.toEqual(new Generator(8).uniformArray(8));
    // Seeds above 2^32 use the high key word too.
    expect(new Generator(2 ** 40).uniformArray(8)).not.toEqual(new Generator(0).uniformArray(8));
  });

  it('advances by whole blocks: a stream read in pieces equals the words read at once', () => {
    const whole = new Generator(3).uint32Array(16);
    const pieces = new Generator(3);
    const first = pieces.uint32Array(4);
    const second = pieces.uint32Array(12);
    expect([...first, ...second]).toEqual([...whole]);
    const partial = new Generator(3);
    partial.uint32Array(3); // consumes one block
    expect(partial.counter).toBe(1);
    expect(partial.uint32Array(4)).toEqual(whole.slice(4, 8));
  });

  it('resumes exactly from a JSON round trip of its state', () => {
    const generator = new Generator(1234);
    generator.normalArray(37);
    generator.randint([5], 0, 10).dispose();
    const saved = JSON.parse(JSON.stringify(generator.getState())) as GeneratorState;
    const expected = [generator.normalArray(100), generator.uniformArray(10), generator.permutation(20)];
    const restored = Generator.fromState(saved);
    expect([restored.normalArray(100), restored.uniformArray(10), restored.permutation(20)]).toEqual(expected);
    const reset = new Generator(99);
    reset.setState(saved);
    expect(reset.normalArray(100)).toEqual(expected[0]);
    expect(reset.getState()).toEqual({ ...saved, counter: saved.counter + 25 });
  });

  it('forks independent streams that depend only on the parent seed and label', () => {
    const parent = new Generator(5);
    const a = parent.fork('noise').normalArray(20000);
    parent.normalArray(1000); // drawing from the parent does not move its forks
    expect(parent.fork('noise').normalArray(20000)).toEqual(a);
    const b = parent.fork('dropout').normalArray(20000);
    const p = parent.normalArray(20000);
    const bound = 5 / Math.sqrt(20000);
    expect(Math.abs(correlation(a, b))).toBeLessThan(bound);
    expect(Math.abs(correlation(a, p))).toBeLessThan(bound);
    expect(new Generator(6).fork('noise').normalArray(20)).not.toEqual(a.slice(0, 20));
    const grandchild = parent.fork('noise').fork('x');
    expect(grandchild.getState().path).toEqual(['noise', 'x']);
    expect(Generator.fromState(grandchild.getState()).normalArray(5)).toEqual(grandchild.normalArray(5));
  });
}, { only: ['cpu'] });

describeWithBackends('Generator distributions (moments within 5 standard errors)', () => {
  const n = 200000;

  it('uniformArray: mean 1/2, variance 1/12, all in [0, 1)', () => {
    const values = new Generator(11).uniformArray(n);
    const { mean, variance } = moments(values);
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    // Var of the sample variance of U(0,1): (1/80 - 1/144)/n
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt((1 / 80 - 1 / 144) / n));
    expect(extremes(values).min).toBeGreaterThanOrEqual(0);
    expect(extremes(values).max).toBeLessThan(1);
  });

  it('normalArray: mean 0, variance 1, fourth moment 3', () => {
    const values = new Generator(12).normalArray(n);
    const { mean, variance } = moments(values);
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    let fourth = 0;
    for (const v of values) fourth += v ** 4;
    expect(Math.abs(fourth / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it('normal / uniform / truncatedNormal tensors honour their options', async () => {
    const generator = new Generator(13);
    const normal = await generator.normal([n], { mean: 3, std: 2 }).data();
    const m = moments(normal);
    expect(Math.abs(m.mean - 3)).toBeLessThan(5 * 2 / Math.sqrt(n));
    expect(Math.abs(m.variance - 4)).toBeLessThan(5 * 4 * Math.sqrt(2 / n));
    const uniform = await generator.uniform([n], { low: -2, high: 6 }).data();
    const u = moments(uniform);
    expect(Math.abs(u.mean - 2)).toBeLessThan(5 * Math.sqrt(64 / 12 / n));
    expect(extremes(uniform).min).toBeGreaterThanOrEqual(-2);
    expect(extremes(uniform).max).toBeLessThan(6);
    const truncated = await generator.truncatedNormal([n], { mean: 1, std: 0.5 }).data();
    expect(extremes(truncated).min).toBeGreaterThanOrEqual(0);
    expect(extremes(truncated).max).toBeLessThanOrEqual(2);
    // Variance of N(0,1) truncated to [-2, 2]: 1 - 2·2·φ(2) / (Φ(2) - Φ(-2)) = 0.773741
    const t = moments(truncated);
    expect(Math.abs(t.mean - 1)).toBeLessThan(5 * 0.5 / Math.sqrt(n));
    expect(Math.abs(t.variance / 0.25 - 0.773741)).toBeLessThan(0.01);
  });

  it('randint is uniform over [low, high) (chi-square) and int32', async () => {
    const draws = new Generator(14).randint([60000], -3, 3);
    expect(draws.dtype).toBe('int32');
    const values = await draws.data();
    const counts = new Map<number, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2]);
    let chiSquare = 0;
    for (const c of counts.values()) chiSquare += (c - 10000) ** 2 / 10000;
    expect(chiSquare).toBeLessThan(20.5); // χ²(5) 99.9% quantile
  });

  it('bernoulli has mean p, for a number and for a tensor of probabilities', async () => {
    const generator = new Generator(15);
    const draws = await generator.bernoulli(0.3, [n]).data();
    expect(new Set(draws)).toEqual(new Set([0, 1]));
    expect(Math.abs(moments(draws).mean - 0.3)).toBeLessThan(5 * Math.sqrt(0.21 / n));
    const probs = tf.tensor1d([0, 0.25, 1]);
    const rows = await tf.mean(generator.bernoulli(probs, [20000, 3]), 0).data();
    expect(rows[0]).toBe(0);
    expect(Math.abs(rows[1] - 0.25)).toBeLessThan(5 * Math.sqrt(0.1875 / 20000));
    expect(rows[2]).toBe(1);
  });

  it('permutation is a permutation with uniform positions', () => {
    const generator = new Generator(16);
    expect([...generator.permutation(10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(generator.permutation(0)).toEqual(new Int32Array(0));
    // Where element 0 lands over 12000 permutations of 4: uniform over 4 positions.
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 12000; i++) counts[generator.permutation(4).indexOf(0)] += 1;
    const chiSquare = counts.reduce((s, c) => s + (c - 3000) ** 2 / 3000, 0);
    expect(chiSquare).toBeLessThan(16.3); // χ²(3) 99.9% quantile
  });
}, { only: ['cpu'] });

describeWithBackends('Generator argument checks', () => {
  const message = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      return (error as Error).message;
    }
    throw new Error('expected a throw');
  };
  const generator = new Generator(0);

  it('rejects bad arguments with one-line messages naming them', () => {
    expect(message(() => new Generator(-1))).toBe('seed (-1) must be a non-negative safe integer (0 to 2^53 - 1)');
    expect(message(() => new Generator(1.5))).toBe('seed (1.5) must be a non-negative safe integer (0 to 2^53 - 1)');
    expect(message(() => generator.uniform([2], { low: 1, high: 1 }))).toBe('high (1) must be greater than low (1)');
    expect(message(() => generator.normal([2], { std: -1 }))).toBe('std (-1) must be a finite number ≥ 0');
    expect(message(() => generator.normal([2, -1]))).toBe('shape ([2, -1]) must be an array of non-negative integers');
    expect(message(() => generator.randint([2], 5, 2))).toBe('high (2) must be greater than low (5)');
    expect(message(() => generator.randint([2], 0.5, 2))).toBe('low (0.5) must be an integer in the int32 range');
    expect(message(() => generator.bernoulli(1.5, [2]))).toBe('probs (1.5) must be in [0, 1]');
    expect(message(() => generator.bernoulli(tf.ones([3]), [2, 2]))).toBe(
      'probs (Tensor<float32>[3]) must broadcast to shape [2, 2]',
    );
    expect(message(() => generator.permutation(-2))).toBe('n (-2) must be a non-negative integer');
    expect(message(() => generator.fork(''))).toBe('label ("") must be a non-empty string');
    expect(message(() => generator.truncatedNormal([2], { bound: 0 }))).toBe(
      'bound (0) must be a positive finite number of standard deviations',
    );
    const state = generator.getState();
    expect(message(() => Generator.fromState({ ...state, counter: -1 }))).toBe(
      'state.counter (-1) must be a non-negative safe integer',
    );
    expect(message(() => Generator.fromState({ ...state, algorithm: 'mt' as never }))).toBe(
      `state.algorithm ("mt") must be 'philox4x32-10'`,
    );
  });
}, { only: ['cpu'] });

describeWithBackends('Generator tensors are the same numbers on every backend', () => {
  it('uploads exactly the JS-generated values', async () => {
    const normal = new Generator(21).normal([4, 5, 3], { mean: 0.5, std: 2 });
    const expected = new Generator(21).normalArray(60).map((v) => 0.5 + 2 * v);
    expect(normal.shape).toEqual([4, 5, 3]);
    expect(await normal.data()).toEqual(expected);
    const uniform = await new Generator(22).uniform([64], { low: -1, high: 1 }).data();
    expect(uniform).toEqual(new Generator(22).uniformArray(64).map((u) => -1 + 2 * u));
    const ints = await new Generator(23).randint([64], 0, 1000).data();
    expect(Array.from(ints)).toEqual(Array.from(await new Generator(23).randint([64], 0, 1000).data()));
  });

  it('bernoulli with tensor probabilities agrees with the JS comparison', async () => {
    const probs = tf.tensor2d([[0.1, 0.5, 0.9]]);
    const draws = await new Generator(24).bernoulli(probs, [50, 3]).data();
    const uniforms = new Generator(24).uniformArray(150);
    const expected = Float32Array.from(uniforms, (u, i) => (u < [0.1, 0.5, 0.9][i % 3] ? 1 : 0));
    expect(draws).toEqual(expected);
  });

  it('leaks no tensors', async () => {
    const generator = new Generator(25);
    const probs = tf.scalar(0.5);
    const before = tf.memory().numTensors;
    generator.bernoulli(probs, [4]).dispose();
    generator.normal([3]).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
