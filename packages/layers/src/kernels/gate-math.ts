/**
 * The activations of the fused recurrent loops (./lstm.ts, ./gru.ts), on one number at a time.
 * float64 storage takes `sigmoid` (Math.exp) and Math.tanh; float32 storage takes `sigmoid32` and
 * `tanh32`, built on a polynomial exp that is far cheaper than Math.exp and far more accurate than
 * float32's rounding.
 */

/**
 * sigmoid without a branch on the sign (random signs mispredict, which cost more than the exp):
 * exp(-v) overflows to Infinity for v < -709 and the quotient is then 0, as it should be; NaN stays
 * NaN. Within an ulp or two of the op's two-sided form.
 */
export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** 2^n at index n + 1075, for n from -1075 (0) to 1024 (Infinity). */
const POW2 = new Float64Array(2100);
for (let k = 0; k < POW2.length; k++) POW2[k] = 2 ** (k - 1075);
/** Adding and subtracting 1.5 * 2^52 rounds a float64 of magnitude below 2^51 to an integer. */
const ROUND = 6755399441055744;

/**
 * exp for values stored as float32: Math.exp is a call that V8 does not inline (about 12 ns, and
 * the forward gate loop makes five a unit); this is a few multiply-adds (about 4 ns). x = n ln 2 + r
 * with n an integer and |r| <= ln 2 / 2 (ln 2 in two parts, so that r is exact), e^r by its Taylor
 * series to r^9 (truncation below 1e-11 relative), times 2^n from a table: relative error about
 * 1e-11, a few thousandths of float32's rounding. x is clamped to [-745, 710] first, where e^x is 0
 * or Infinity in float64 already; NaN stays NaN (the clamp and the table index pass it on).
 */
function exp32(v: number): number {
  const x = Math.max(-745, Math.min(710, v));
  const n = (x * Math.LOG2E + ROUND) - ROUND;
  const r = (x - n * 0.6931471803691238) - n * 1.9082149292705877e-10;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r * (1 / 40320 + r / 362880))))))));
  return p * POW2[n + 1075]!;
}

/** sigmoid for float32 storage (see `exp32`). */
export function sigmoid32(v: number): number {
  return 1 / (1 + exp32(-v));
}

/**
 * tanh for values stored as float32: Math.tanh costs about three Math.exp in V8.
 * 1 - 2 / (e^2x + 1) is within about 1e-11 of tanh in absolute terms, which is below float32's
 * rounding for |x| >= 1e-3; below that x - x^3 / 3 + 2 x^5 / 15 is exact to float32's precision.
 * float64 storage keeps Math.tanh and Math.exp (correctly rounded to an ulp).
 */
export function tanh32(x: number): number {
  // The small-|x| branch is rarely taken, so it predicts well; the sign needs no branch.
  if (Math.abs(x) < 1e-3) {
    const x2 = x * x;
    return x * (1 - x2 * (1 / 3 - x2 * (2 / 15)));
  }
  return 1 - 2 / (exp32(2 * x) + 1); // NaN stays NaN; +-1 at the ends
}
