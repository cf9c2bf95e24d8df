import { float16BitsToFloat32, float32ToFloat16Bits } from './float16';

const roundTrip = (values: number[]) => Array.from(float16BitsToFloat32(float32ToFloat16Bits(values)));

describe('float16 codec (IEEE binary16)', () => {
  it('is exact on every half value: all 63,488 finite bit patterns survive float32 and back', () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i).filter((h) => ((h >>> 10) & 0x1f) !== 0x1f);
    expect(bits.length).toBe(63488);
    const again = float32ToFloat16Bits(float16BitsToFloat32(bits));
    expect(again.every((h, i) => h === bits[i])).toBe(true);
  });

  it('rounds to nearest, ties to even, in the normal and the subnormal range', () => {
    const ulpAt1 = 2 ** -10;
    expect(roundTrip([1 + ulpAt1 / 2, 1 + (3 * ulpAt1) / 2, 1 + ulpAt1 * 0.51])).toEqual([1, 1 + 2 * ulpAt1, 1 + ulpAt1]);
    const tiny = 2 ** -24; // the smallest subnormal
    expect(roundTrip([tiny / 2, (3 * tiny) / 2, tiny * 0.51, tiny / 4])).toEqual([0, 2 * tiny, tiny, 0]);
    expect(roundTrip([65519.99, 65520, -1e6])).toEqual([65504, Infinity, -Infinity]); // 65520 is the tie above the largest half
  });

  it('keeps signs, zeros, infinities and NaN', () => {
    const out = roundTrip([-0, 0, Infinity, -Infinity, NaN, -3]);
    expect(Object.is(out[0], -0)).toBe(true);
    expect(out.slice(1, 4)).toEqual([0, Infinity, -Infinity]);
    expect(Number.isNaN(out[4])).toBe(true);
    expect(out[5]).toBe(-3);
  });
});
