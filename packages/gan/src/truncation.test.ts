import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '@gen/core';
import { normalCdf, normalQuantile, sampleLatents, truncateValues } from './truncation';

describe('@gen/gan truncation', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('Φ and Φ⁻¹ agree with known values and invert each other', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 9);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 7);
    for (const x of [-5, -1.3, 0, 0.4, 2.2, 4]) expect(normalQuantile(normalCdf(x))).toBeCloseTo(x, 5);
  });

  it('is the identity at Infinity, shrinks every component, and stays within ±τ', () => {
    const z = new Generator(0).normalArray(4000);
    expect(truncateValues(z, Infinity)).toEqual(z);
    let previous = z;
    for (const tau of [3, 1, 0.5, 0.1]) {
      const t = truncateValues(z, tau);
      const bad = Array.from(t).findIndex(
        (v, i) => Math.abs(v) > tau || Math.abs(v) > Math.abs(previous[i]) + 1e-6 || Math.sign(v) !== Math.sign(z[i]),
      );
      expect(bad).toBe(-1);
      previous = t;
    }
  });

  it('turns N(0, 1) draws into the truncated normal: E[z²] = 1 − 2τφ(τ)/(2Φ(τ) − 1)', () => {
    const z = new Generator(1).normalArray(40000);
    for (const tau of [2, 1, 0.5]) {
      const t = truncateValues(z, tau);
      const meanSquare = t.reduce((s, v) => s + v * v, 0) / t.length;
      const phi = Math.exp(-tau * tau / 2) / Math.sqrt(2 * Math.PI);
      const expected = 1 - (2 * tau * phi) / (2 * normalCdf(tau) - 1);
      expect(Math.abs(meanSquare - expected) / expected).toBeLessThan(0.03);
    }
  });

  it('sampleLatents reduces the latent norm as τ falls and rejects τ ≤ 0', () => {
    const norm = (tau: number) => {
      const latents = sampleLatents({ n: 64, latentDim: 32, truncation: tau, rng: new Generator(2) });
      const values = latents.dataSync();
      latents.dispose();
      return Math.sqrt(Array.from(values).reduce((s, v) => s + v * v, 0));
    };
    expect(norm(1)).toBeLessThan(norm(2));
    expect(norm(2)).toBeLessThan(norm(Infinity));
    expect(() => sampleLatents({ n: 2, latentDim: 4, truncation: 0, rng: new Generator(0) })).toThrow('truncation (0) must be a number > 0 (Infinity for no truncation)');
    expect(() => sampleLatents({ n: 2, latentDim: 4, truncation: -1, rng: new Generator(0) })).toThrow('truncation (-1) must be a number > 0 (Infinity for no truncation)');
  });
});
