import { resizeBilinear } from './resize';

describe('resizeBilinear', () => {
  it('is the identity at the same size', () => {
    const source = Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => i);
    expect(resizeBilinear(source, 2, 3, 2, 2, 3)).toEqual(source);
  });

  it('halving averages pixel pairs (half-pixel centres)', () => {
    // 1×4 → 1×2: output x samples source x = 0.5 and 2.5.
    expect(Array.from(resizeBilinear([0, 2, 4, 6], 1, 4, 1, 1, 2))).toEqual([1, 5]);
  });

  it('keeps a constant image constant and clamps at the borders', () => {
    const out = resizeBilinear(new Float32Array(9).fill(0.25), 3, 3, 1, 7, 5);
    expect(out.length).toBe(35);
    for (const v of out) expect(v).toBeCloseTo(0.25, 7);
    expect(Array.from(resizeBilinear([0, 1], 1, 2, 1, 1, 4))).toEqual([0, 0.25, 0.75, 1]);
  });
});
