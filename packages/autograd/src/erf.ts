/**
 * The error function and its complement, accurate to float64 (under one unit in the last place).
 *
 * The algorithm and its coefficients are those of Sun's fdlibm, s_erf.c (K.C. Ng, 1993): on each
 * interval of |x| a rational approximation of a smooth remainder.
 * - |x| < 0.84375: erf(x) = x + x * R(x^2), R = P/Q (erf's fixed point is near 0.6174);
 * - 0.84375 <= |x| < 1.25: erf(x) = c + P1(s)/Q1(s) with s = |x| - 1 and c = erf(1) rounded to 24 bits;
 * - 1.25 <= |x| < 28: erfc(x) = exp(-x^2 - 0.5625 + R(1/x^2) / S(1/x^2)) / x, two fits either side
 *   of 1/0.35, with x^2 split exactly (x's high half squared, plus (z - x)(z + x)) so that the large
 *   exponent loses no digits;
 * - beyond: erf is +-1, erfc 0 (or 2 below -6).
 *
 * The coefficients carry fdlibm's notice: Copyright (C) 1993 by Sun Microsystems, Inc. All rights
 * reserved. Developed at SunPro, a Sun Microsystems, Inc. business. Permission to use, copy, modify,
 * and distribute this software is freely granted, provided that this notice is preserved.
 */

/** erf(1) rounded to single precision: the constant part on [0.84375, 1.25]. */
const ERX = 8.45062911510467529297e-1;
/** 2/sqrt(pi) - 1, for tiny |x|: erf(x) = x + EFX * x. */
const EFX = 1.28379167095512586316e-1;
/** 8 * EFX, scaled up so that tiny x does not underflow. */
const EFX8 = 1.02703333676410069053;

// [0, 0.84375): erf(x) = x + x * P(x^2) / Q(x^2).
const PP = [1.28379167095512558561e-1, -3.25042107247001499370e-1, -2.84817495755985104766e-2, -5.77027029648944159157e-3, -2.37630166566501626084e-5];
const QQ = [1, 3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4, -3.96022827877536812320e-6];
// [0.84375, 1.25): erf(1 + s) - ERX = PA(s) / QA(s).
const PA = [
  -2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1, 3.18346619901161753674e-1,
  -1.10894694282396677476e-1, 3.54783043256182359371e-2, -2.16637559486879084300e-3,
];
const QA = [
  1, 1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1,
  1.36370839120290507362e-2, 1.19844998467991074170e-2,
];
// [1.25, 1/0.35): log(x * erfc(x)) + x^2 + 0.5625 = RA(1/x^2) / SA(1/x^2).
const RA = [
  -9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1, -6.23753324503260060396e1,
  -1.62396669462573470355e2, -1.84605092906711035994e2, -8.12874355063065934246e1, -9.81432934416914548592,
];
const SA = [
  1, 1.96512716674392571292e1, 1.37657754143519042600e2, 4.34565877475229228821e2, 6.45387271733267880336e2,
  4.29008140027567833386e2, 1.08635005541779435134e2, 6.57024977031928170135, -6.04244152148580987438e-2,
];
// [1/0.35, 28): the same with RB / SB.
const RB = [
  -9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1, -1.60636384855821916062e2,
  -6.37566443368389627722e2, -1.02509513161107724954e3, -4.83519191608651397019e2,
];
const SB = [
  1, 3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3,
  2.55305040643316442583e3, 4.74528541206955367215e2, -2.24409524465858183362e1,
];

/**
 * Where the first fit of the tail gives way to the second, near 1/0.35: fdlibm compares the high
 * words with 0x4006DB6E in erf and 0x4006DB6D in erfc, so the two differ slightly.
 */
const ERF_TAIL_SWITCH = 2.8571434020996094;
const ERFC_TAIL_SWITCH = 2.8571414947509766;

/** The polynomial with coefficients `c` (constant first) at `x`, by Horner's rule. */
function horner(c: readonly number[], x: number): number {
  let sum = c[c.length - 1]!;
  for (let i = c.length - 2; i >= 0; i--) sum = c[i]! + x * sum;
  return sum;
}

const word = new Float64Array(1);
const halves = new Uint32Array(word.buffer);
/** Which 32-bit half of a float64 holds its low bits on this machine. */
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** `x` with its low 32 bits cleared: its square is exact. */
function highHalf(x: number): number {
  word[0] = x;
  halves[LOW] = 0;
  return word[0];
}

/** erfc(|x|) for 1.25 <= |x| < 28: exp(-x^2 - 0.5625 + R/S) / |x|, with `switchAt` the border between the fits. */
function tail(ax: number, switchAt: number): number {
  const s = 1 / (ax * ax);
  const ratio = ax < switchAt ? horner(RA, s) / horner(SA, s) : horner(RB, s) / horner(SB, s);
  const z = highHalf(ax);
  return (Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + ratio)) / ax;
}

/** erf(x) = 2/sqrt(pi) * integral of e^(-t^2) from 0 to x. erf(+-Infinity) = +-1, erf(NaN) = NaN. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    // Below 2^-28, erf(x) = x * 2/sqrt(pi) to float64; below 2^-1015 EFX * x would lose bits to underflow.
    if (ax < 2 ** -28) return ax < 2 ** -1015 ? 0.125 * (8 * x + EFX8 * x) : x + EFX * x;
    const z = x * x;
    return x + x * (horner(PP, z) / horner(QQ, z));
  }
  const sign = x < 0 ? -1 : 1;
  if (ax < 1.25) {
    const s = ax - 1;
    return sign * (ERX + horner(PA, s) / horner(QA, s));
  }
  if (ax >= 6) return sign;
  return sign * (1 - tail(ax, ERF_TAIL_SWITCH));
}

/** erfc(x) = 1 - erf(x), without cancellation for large x. erfc(Infinity) = 0, erfc(-Infinity) = 2. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 2 ** -56) return 1 - x;
    const z = x * x;
    const y = horner(PP, z) / horner(QQ, z);
    return x < 0.25 ? 1 - (x + x * y) : 0.5 - (x * y + (x - 0.5));
  }
  if (ax < 1.25) {
    const ratio = horner(PA, ax - 1) / horner(QA, ax - 1);
    return x > 0 ? 1 - ERX - ratio : 1 + (ERX + ratio);
  }
  if (ax >= 28) return x > 0 ? 0 : 2;
  if (x < -6) return 2;
  const r = tail(ax, ERFC_TAIL_SWITCH);
  return x > 0 ? r : 2 - r;
}
