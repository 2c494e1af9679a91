/**
 * linspace's values as PyTorch's CPU kernel computes them, so that they agree bit for bit. That
 * kernel is symmetric: element i is `start + step * i` in the first half and
 * `stop - step * (steps - 1 - i)` in the second, the multiply-add fused (one rounding). It fills
 * the output in blocks of two 32-byte vectors (AVX2): each vector takes its first element from the
 * formula and the others from it by adding step, 2 step, ... (unfused); the elements past the last
 * whole block come from the formula. Arithmetic is in the output's dtype (float for float32), and
 * in double for int32, each value truncated toward zero. (Above 32768 steps PyTorch splits the
 * range over threads, and its values depend on how many there are.)
 */
import type { DType, Storage } from '../dtype.js';

const bits = new DataView(new ArrayBuffer(8));

/** x = mantissa * 2^exponent, exactly, with an integer mantissa. */
function dyadic(x: number): [bigint, number] {
  bits.setFloat64(0, x);
  const high = bits.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(bits.getUint32(4));
  if (biased !== 0) mantissa |= 1n << 52n;
  return [high >>> 31 === 1 ? -mantissa : mantissa, (biased === 0 ? 1 : biased) - 1075];
}

/** a * b + c rounded once, to float64 or (`float32`) to float32: the fused multiply-add of C's fma. */
export function fusedMultiplyAdd(a: number, b: number, c: number, float32: boolean): number {
  const round = float32 ? Math.fround : (v: number): number => v;
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c) || a === 0 || b === 0) return round(a * b + c);
  const [ma, ea] = dyadic(a);
  const [mb, eb] = dyadic(b);
  const [mc, ec] = dyadic(c);
  let exponent = Math.min(ea + eb, ec);
  const exact = ((ma * mb) << BigInt(ea + eb - exponent)) + (mc << BigInt(ec - exponent));
  if (exact === 0n) return 0;
  let magnitude = exact < 0n ? -exact : exact;
  // Keep two bits beyond the precision, the lower one sticky (set when anything below it was), so
  // that rounding what is kept rounds the exact value.
  const excess = magnitude.toString(2).length - ((float32 ? 24 : 53) + 2);
  if (excess > 0) {
    const shift = BigInt(excess);
    const sticky = (magnitude & ((1n << shift) - 1n)) !== 0n ? 1n : 0n;
    magnitude = (magnitude >> shift) | sticky;
    exponent += excess;
  }
  const half = Math.floor(exponent / 2);
  const value = Number(magnitude) * 2 ** half * 2 ** (exponent - half);
  return round(exact < 0n ? -value : value);
}

/** Fills `out` (steps = its length) with PyTorch's linspace values from `start` to `stop` in `dtype`. */
export function linspaceKernel(out: Storage, dtype: DType, start: number, stop: number): void {
  const steps = out.length;
  const float32 = dtype === 'float32';
  const round = float32 ? Math.fround : (v: number): number => v;
  const [from, to] = [round(start), round(stop)];
  if (steps === 1) {
    out[0] = from;
    return;
  }
  const step = round(round(to - from) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  const formula = (i: number): number =>
    i < halfway ? fusedMultiplyAdd(step, i, from, float32) : fusedMultiplyAdd(-step, steps - i - 1, to, float32);
  const lanes = dtype === 'float64' ? 4 : 8; // a 32-byte vector
  const vectors = 2 * Math.floor(steps / (2 * lanes)); // in whole blocks of two
  for (let i = 0; i < vectors * lanes; i += lanes) {
    // int32: the vector's first element is truncated before the others are counted from it.
    const first = dtype === 'int32' ? Math.trunc(formula(i)) : formula(i);
    for (let lane = 0; lane < lanes; lane++) out[i + lane] = round(first + round(step * lane));
  }
  for (let i = vectors * lanes; i < steps; i++) out[i] = formula(i);
}
