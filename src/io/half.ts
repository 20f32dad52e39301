/**
 * 16-bit floats as stored in files: IEEE float16 (safetensors F16, torch.half) and bfloat16
 * (BF16). Reading widens exactly to float32; writing float16 rounds to nearest, ties to even,
 * as numpy's astype(float16) and torch's .half() do.
 */

export const halfToFloat = (h: number): number => {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
};

const word = new DataView(new ArrayBuffer(4));

export const bfloat16ToFloat = (h: number): number => {
  word.setUint32(0, (h & 0xffff) << 16);
  return word.getFloat32(0);
};

/** The largest finite float16. */
export const HALF_MAX = 65504;

/** float32 -> float16 bits, round to nearest even; beyond ±65504 (after rounding) gives ±Infinity. */
export const floatToHalf = (x: number): number => {
  word.setFloat32(0, x);
  const f = word.getUint32(0);
  const sign = (f >>> 16) & 0x8000;
  const exp = (f >>> 23) & 0xff;
  const mant = f & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf, or a quiet NaN
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // subnormal (or zero): the 24-bit significand shifted into the 10-bit field
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let out = m >>> shift;
    if (rest > half || (rest === half && (out & 1))) out++;
    return sign | out;
  }
  const rest = mant & 0x1fff;
  let out = (e << 10) | (mant >>> 13);
  // a carry out of the mantissa bumps the exponent, up to Infinity at the top: the bit layout does it
  if (rest > 0x1000 || (rest === 0x1000 && (out & 1))) out++;
  return sign | out;
};

/** float32 values as little-endian float16 bytes. */
export const halfBytes = (data: Float32Array): Uint8Array => {
  const out = new Uint8Array(2 * data.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setUint16(2 * i, floatToHalf(data[i]!), true);
  return out;
};
