import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { describeWithBackends, expectTensorsClose } from '@gen/core/testing';
import { sampleFromDistribution, samplingDistribution } from '@gen/transformer';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
};

// Probabilities 0.1, 0.5, 0.05, 0.2, 0.15 (sorted: 0.5, 0.2, 0.15, 0.1, 0.05) as logits.
const P = [0.1, 0.5, 0.05, 0.2, 0.15];
const logitsOf = (rows: number[][]) => tf.tensor2d(rows.map((row) => row.map(Math.log)));
const normalised = (row: number[]) => row.map((v) => v / row.reduce((a, b) => a + b, 0));

describeWithBackends('samplingDistribution', ({ backend }) => {
  const atol = backend === 'webgl' ? 1e-3 : 1e-5;

  it('top-k keeps the k most likely tokens, renormalised', async () => {
    await expectTensorsClose(samplingDistribution(logitsOf([P]), { topK: 2 }), [normalised([0, 0.5, 0, 0.2, 0])].flat(), { atol });
    await expectTensorsClose(samplingDistribution(logitsOf([P]), { topK: 5 }), [P].flat(), { atol });
  });

  it('top-p keeps the smallest most-likely set reaching p (0.5 + 0.2 + 0.15 ≥ 0.8), per row', async () => {
    const flipped = [...P].reverse();
    const probs = samplingDistribution(logitsOf([P, flipped]), { topP: 0.8 });
    await expectTensorsClose(probs, [normalised([0, 0.5, 0, 0.2, 0.15]), normalised([0.15, 0.2, 0, 0.5, 0])].flat(), { atol });
    // p at or below the largest probability keeps only the argmax; p = 0.7 = 0.5 + 0.2 keeps two.
    await expectTensorsClose(samplingDistribution(logitsOf([P]), { topP: 0.3 }), [[0, 1, 0, 0, 0]].flat(), { atol });
    await expectTensorsClose(samplingDistribution(logitsOf([P]), { topP: 0.69 }), [normalised([0, 0.5, 0, 0.2, 0])].flat(), { atol });
  });

  it('temperature T gives p^(1/T) renormalised, applied before top-k and top-p', async () => {
    const sharpened = normalised(P.map((p) => p ** 2)); // T = 0.5
    await expectTensorsClose(samplingDistribution(logitsOf([P]), { temperature: 0.5 }), [sharpened].flat(), { atol });
    // T = 0.5, top-3: 0.25, 0.04, 0.0225 over 0.3125 = 0.8, 0.128, 0.072 → p = 0.9 keeps two tokens…
    const both = samplingDistribution(logitsOf([P]), { temperature: 0.5, topK: 3, topP: 0.9 });
    await expectTensorsClose(both, normalised([0, 0.25, 0, 0.04, 0]), { atol });
    // …while at T = 1, top-3 gives 0.588, 0.235, 0.176 and p = 0.9 keeps all three.
    await expectTensorsClose(samplingDistribution(logitsOf([P]), { topK: 3, topP: 0.9 }), normalised([0, 0.5, 0, 0.2, 0.15]), { atol });
  });

  it('temperature 0 is greedy (all mass on the argmax, the first of ties); tiny temperatures approach it', async () => {
    await expectTensorsClose(samplingDistribution(logitsOf([P, [0.4, 0.2, 0.4, 0, 0]]), { temperature: 0 }), [[0, 1, 0, 0, 0], [1, 0, 0, 0, 0]].flat(), { atol });
    await expectTensorsClose(samplingDistribution(logitsOf([P]), { temperature: 1e-3 }), [[0, 1, 0, 0, 0]].flat(), { atol });
  });

  it('inverse-CDF draws follow the distribution and never pick a probability-0 token', async () => {
    const n = 4000;
    const probs = tf.tile(samplingDistribution(logitsOf([P]), { topK: 3 }), [n, 1]); // 0.5/0.85, 0.2/0.85, 0.15/0.85
    const tokens = sampleFromDistribution(probs, new Generator(11).uniform([n]));
    expect(tokens.dtype).toBe('int32');
    const counts = new Array(5).fill(0);
    for (const t of await tokens.data()) counts[t] += 1;
    expect(counts[0]).toBe(0);
    expect(counts[2]).toBe(0);
    const expected = normalised([0, 0.5, 0, 0.2, 0.15]);
    // Binomial standard deviation √(n p (1 − p)) ≤ 32: allow 4σ.
    for (const i of [1, 3, 4]) expect(Math.abs(counts[i] - n * expected[i])).toBeLessThan(4 * Math.sqrt(n * expected[i] * (1 - expected[i])));
    // Edge draws: u = 0 picks the first positive token, u → 1 the last positive one.
    const edges = sampleFromDistribution(tf.tensor2d([normalised([0, 0.5, 0, 0.2, 0]), normalised([0, 0.5, 0, 0.2, 0])]), tf.tensor1d([0, 1 - 2 ** -24]));
    expect(Array.from(await edges.data())).toEqual([1, 3]);
  });

  it('bad options give one-line errors', () => {
    const logits = logitsOf([P]);
    expect(messageOf(() => samplingDistribution(logits, { topP: 0 }))).toBe('topP (0) must be in (0, 1] (1 = off)');
    expect(messageOf(() => samplingDistribution(logits, { topP: 1.5 }))).toBe('topP (1.5) must be in (0, 1] (1 = off)');
    expect(messageOf(() => samplingDistribution(logits, { topK: 6 }))).toBe('topK (6) must be an integer in [0, 5] (0 = off)');
    expect(messageOf(() => samplingDistribution(logits, { temperature: -1 }))).toBe('temperature (-1) must be a finite number >= 0 (0 = greedy)');
  });
});
