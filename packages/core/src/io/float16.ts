// IEEE 754 half-precision (binary16) storage for float32 weights: shipped sampling weights at
// half the bytes. tf.io's manifest marks such tensors `quantization: { dtype: 'float16' }`.

const floatView = new Float32Array(1);
const bitsView = new Uint32Array(floatView.buffer);

/** float32 → binary16 bits, rounding to nearest even; overflow → ±Infinity, NaN stays NaN. */
export function float32ToFloat16Bits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    floatView[0] = values[i];
    const bits = bitsView[0];
    const sign = (bits >>> 16) & 0x8000;
    const exponent = (bits >>> 23) & 0xff;
    const mantissa = bits & 0x7fffff;
    if (exponent === 0xff) {
      out[i] = sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0); // Inf or (quiet) NaN
      continue;
    }
    const e = exponent - 127 + 15; // rebiased exponent
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00; // too large: Infinity
    } else if (e <= 0) {
      // Subnormal half (or zero): shift the implicit-1 mantissa right, round to nearest even.
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      const full = mantissa | 0x800000;
      const shift = 14 - e;
      let half = full >>> shift;
      const remainder = full & ((1 << shift) - 1);
      const midpoint = 1 << (shift - 1);
      if (remainder > midpoint || (remainder === midpoint && (half & 1) === 1)) half += 1;
      out[i] = sign | half;
    } else {
      let half = (e << 10) | (mantissa >>> 13);
      const remainder = mantissa & 0x1fff;
      // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
      if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half += 1;
      out[i] = sign | half;
    }
  }
  return out;
}

/** binary16 bits → float32 values (exact: every half is a float32). */
export function float16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) out[i] = sign * mantissa * 2 ** -24;
    else if (exponent === 0x1f) out[i] = mantissa !== 0 ? NaN : sign * Infinity;
    else out[i] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return out;
}
