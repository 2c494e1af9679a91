/**
 * The float32 activations of the gate kernels (./gates-wasm-module.ts), and the exponential of the
 * attention softmax (./softmax-wasm-module.ts), emitted on f32x4.
 *
 * exp(x) = 2^n e^r with n = round(x log2 e) and r = x - n ln 2 (ln 2 in two parts, Cephes' split,
 * so that n times the first part is exact), e^r - 1 by its Taylor series to r^7 (truncation below
 * 6e-9 relative for |r| <= ln 2 / 2), and 2^n built from its bits. x is clamped to [-87.3, 89]
 * first: 2^n stays a normal float below, and is Infinity above 88.4 (so that sigmoid(-Infinity) is
 * 0). tanh(x) = E / (E + 2) with E = e^(2|x|) - 1 computed as 2^n (e^r - 1) + (2^n - 1), with no
 * cancellation for small |x|, and x's sign; 2|x| is clamped to 88.3, where tanh is 1 in float32.
 * NaN stays NaN throughout (the clamps and the arithmetic pass it on).
 */
import type { FunctionBuilder } from '@nn/autograd/wasm';

/** Cephes' ln 2 in two parts: the first has 9 significant bits, so n * LN2_HIGH is exact for |n| <= 2^15. */
const LN2_HIGH = 0.693359375;
const LN2_LOW = -2.12194440e-4;
/** Adding and subtracting 1.5 * 2^23 rounds a float32 of magnitude below 2^22 to an integer. */
const ROUND = 12582912;

/** Scratch v128 locals the activations use. */
export interface Scratch {
  readonly n: number;
  readonly r: number;
  readonly p: number;
}

/** Pushes splat(value) as f32x4. */
export const splat = (f: FunctionBuilder, value: number): FunctionBuilder => f.f32(value).op('f32x4.splat');

/**
 * Leaves e^r - 1 in `s.p` and 2^n (as f32x4) in `s.n`, for the f32x4 in local `x` (clamped here to
 * [low, high]): see the header.
 */
function emitExpParts(f: FunctionBuilder, x: number, low: number, high: number, s: Scratch): void {
  // pmin(x, high) = high < x ? high : x and pmax(that, low) = that < low ? low : that: a NaN fails
  // both comparisons and stays.
  f.get(x); splat(f, high).op('f32x4.pmin'); splat(f, low).op('f32x4.pmax').set(s.r);
  // t = x log2(e) + 1.5 2^23 rounds x log2(e) to the nearest integer n (ties to even, as
  // f32x4.nearest), held in t's low mantissa bits; n = t - 1.5 2^23, kept in s.p until p is made.
  f.get(s.r); splat(f, Math.LOG2E).op('f32x4.mul'); splat(f, ROUND).op('f32x4.add').set(s.n);
  f.get(s.n); splat(f, ROUND).op('f32x4.sub').set(s.p);
  f.get(s.r).get(s.p); splat(f, LN2_HIGH).op('f32x4.mul').op('f32x4.sub');
  f.get(s.p); splat(f, LN2_LOW).op('f32x4.mul').op('f32x4.sub').set(s.r);
  // p = r (1 + r (1/2 + r (1/6 + r (1/24 + r (1/120 + r (1/720 + r / 5040)))))).
  const coefficients = [1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720];
  f.get(s.r); splat(f, 1 / 5040).op('f32x4.mul');
  for (let k = coefficients.length - 1; k >= 0; k--) {
    splat(f, coefficients[k]!).op('f32x4.add');
    f.get(s.r).op('f32x4.mul');
  }
  f.set(s.p);
  // 2^n: (n + 127) << 23 as the bits of a float32 (n = 128 gives Infinity's bits). t's bits are
  // 1.5 2^23's plus n, and those of 1.5 2^23 shifted left by 23 are 0.
  f.get(s.n).i32(127).op('i32x4.splat').op('i32x4.add').i32(23).op('i32x4.shl').set(s.n);
}

/**
 * Emits e^v of local `v` into local `out` (`v` itself allowed): 2^n (1 + p). Where v < -80 the result
 * is 0 (e^-80 is 1.8e-35): so the -Infinity of a mask gives exactly 0, and no operation meets a
 * subnormal float, which x86 computes a hundred times slower. NaN stays NaN.
 */
export function emitExp(f: FunctionBuilder, v: number, out: number, s: Scratch): void {
  emitExpParts(f, v, -80, 89, s);
  f.v128Zero();
  f.get(s.n).get(s.p).op('f32x4.mul').get(s.n).op('f32x4.add');
  f.get(v); splat(f, -80).op('f32x4.lt').op('v128.bitselect').set(out);
}

/** Emits sigmoid of local `v` into local `out`: 1 / (1 + e^-v). */
export function emitSigmoid(f: FunctionBuilder, v: number, out: number, s: Scratch): void {
  f.get(v).op('f32x4.neg').set(out);
  emitExpParts(f, out, -87.3, 89, s);
  // 1 / (1 + e^x) with e^x = 2^n (1 + p).
  splat(f, 1); splat(f, 1); splat(f, 1); f.get(s.p).op('f32x4.add').get(s.n).op('f32x4.mul').op('f32x4.add');
  f.op('f32x4.div').set(out);
}

/** Emits tanh of local `x` into local `out` (`t` a scratch local other than `x`). */
export function emitTanh(f: FunctionBuilder, x: number, out: number, t: number, s: Scratch): void {
  f.get(x).op('f32x4.abs').get(x).op('f32x4.abs').op('f32x4.add').set(t); // 2|x|, exact
  emitExpParts(f, t, 0, 88.3, s);
  // E = 2^n p + (2^n - 1); tanh|x| = E / (E + 2); then x's sign bit.
  f.get(s.n).get(s.p).op('f32x4.mul').get(s.n); splat(f, 1).op('f32x4.sub').op('f32x4.add').set(t);
  f.get(t).get(t); splat(f, 2).op('f32x4.add').op('f32x4.div');
  f.get(x); splat(f, -0).op('v128.and').op('v128.or').set(out);
}

