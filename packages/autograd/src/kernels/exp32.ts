/**
 * exp for values that are stored as float32, for the fused kernels' inner loops (softmax).
 *
 * Math.exp is a call that V8 does not inline (about 12 ns an element); this is a few multiply-adds
 * (about 4 ns). x = n ln 2 + r with n an integer and |r| <= ln 2 / 2 (ln 2 in two parts, so that r is
 * exact), e^r by its Taylor series to r^9 (truncation below 1e-11 relative), times 2^n from a table:
 * relative error about 1e-11, a few thousandths of float32's rounding, so after rounding to float32
 * the result is Math.exp's rounded value except, rarely, one ulp away when e^x lies that close to a
 * rounding boundary. x is clamped to [-745, 710] first, where e^x is 0 or Infinity in float64
 * already; NaN stays NaN (the clamp and the table index pass it on). float64 storage keeps Math.exp.
 */

/** 2^n at index n + 1075, for n from -1075 (0) to 1024 (Infinity). */
const POW2 = new Float64Array(2100);
for (let k = 0; k < POW2.length; k++) POW2[k] = 2 ** (k - 1075);
/** Adding and subtracting 1.5 * 2^52 rounds a float64 of magnitude below 2^51 to an integer. */
const ROUND = 6755399441055744;

/** e^v to about 1e-11 relative (see above), for results that are rounded to float32. */
export function exp32(v: number): number {
  const x = Math.max(-745, Math.min(710, v));
  const n = (x * Math.LOG2E + ROUND) - ROUND;
  const r = (x - n * 0.6931471803691238) - n * 1.9082149292705877e-10;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r * (1 / 40320 + r / 362880))))))));
  return p * POW2[n + 1075]!;
}
