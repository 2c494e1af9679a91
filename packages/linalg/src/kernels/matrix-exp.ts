/**
 * The matrix exponential of one n x n matrix by scaling and squaring with a Padé approximant
 * (Higham 2005, "The scaling and squaring method for the matrix exponential revisited", Algorithm 2.3
 * without its balancing): the degree m in {3, 5, 7, 9, 13} and the scaling 2^-s are chosen from the
 * 1-norm so that the approximant's backward error is below the unit roundoff of float64.
 */
import { luInPlace, luSolve } from './lu.js';

/** Higham's theta_m: the largest ||A||_1 for which the [m/m] Padé approximant is accurate to 2^-53. */
const THETA: ReadonlyArray<readonly [number, number]> = [
  [3, 1.495585217958292e-2],
  [5, 2.539398330063230e-1],
  [7, 9.504178996162932e-1],
  [9, 2.097847961257068e0],
  [13, 5.371920351148152e0],
];

/** The coefficients b_0..b_m of the [m/m] Padé approximant's numerator, for each degree. */
const PADE: Readonly<Record<number, readonly number[]>> = {
  3: [120, 60, 12, 1],
  5: [30240, 15120, 3360, 420, 30, 1],
  7: [17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1],
  9: [17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1],
  13: [
    64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600, 670442572800,
    33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
  ],
};

/**
 * C = A B for n x n row-major matrices (C must not alias A or B).
 * Loop order ikj: row i of C accumulates a[i][k] times row k of B, unit stride along rows.
 */
function multiply(a: Float64Array, b: Float64Array, c: Float64Array, n: number): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const f = a[i * n + k]!;
      for (let j = 0; j < n; j++) c[i * n + j]! += f * b[k * n + j]!;
    }
  }
}

/** out = sum_i coefficients[i] * terms[i], elementwise. */
function combine(out: Float64Array, coefficients: readonly number[], terms: readonly Float64Array[]): void {
  out.fill(0);
  for (let t = 0; t < terms.length; t++) {
    const f = coefficients[t]!;
    const term = terms[t]!;
    for (let i = 0; i < out.length; i++) out[i]! += f * term[i]!;
  }
}

/**
 * Writes exp(A) of the n x n matrix `a` (from `offset`) into `out` (from `outOffset`). A matrix with a
 * NaN or infinite entry gives all NaN (its exponential is not defined entry by entry).
 * Cost: at most 6 matrix products for the approximant, one LU solve, and s squarings (2 n^3 each).
 */
export function matrixExpInto(a: Float64Array, offset: number, n: number, out: Float64Array, outOffset: number): void {
  const size = n * n;
  const x = a.slice(offset, offset + size);
  let norm = 0;
  for (let j = 0; j < n; j++) {
    let column = 0;
    for (let i = 0; i < n; i++) column += Math.abs(x[i * n + j]!);
    norm = Math.max(norm, column);
    if (column !== column) norm = NaN;
  }
  if (!Number.isFinite(norm)) {
    out.fill(NaN, outOffset, outOffset + size);
    return;
  }
  let degree = 13;
  let squarings = 0;
  const chosen = THETA.find(([, theta]) => norm <= theta);
  if (chosen !== undefined) {
    degree = chosen[0];
  } else {
    squarings = Math.max(0, Math.ceil(Math.log2(norm / THETA[4]![1])));
    const scale = 2 ** -squarings;
    for (let i = 0; i < size; i++) x[i]! *= scale;
  }
  const b = PADE[degree]!;
  const identity = new Float64Array(size);
  for (let i = 0; i < n; i++) identity[i * n + i] = 1;
  const x2 = new Float64Array(size);
  multiply(x, x, x2, n);
  const x4 = new Float64Array(size);
  multiply(x2, x2, x4, n);
  const x6 = new Float64Array(size);
  multiply(x4, x2, x6, n);
  const u = new Float64Array(size);
  const v = new Float64Array(size);
  const inner = new Float64Array(size);
  if (degree === 13) {
    // U = X [X6 (b13 X6 + b11 X4 + b9 X2) + b7 X6 + b5 X4 + b3 X2 + b1 I], V likewise with the even b.
    const tail = new Float64Array(size);
    combine(tail, [b[13]!, b[11]!, b[9]!], [x6, x4, x2]);
    multiply(x6, tail, inner, n);
    combine(tail, [1, b[7]!, b[5]!, b[3]!, b[1]!], [inner, x6, x4, x2, identity]);
    multiply(x, tail, u, n);
    combine(tail, [b[12]!, b[10]!, b[8]!], [x6, x4, x2]);
    multiply(x6, tail, inner, n);
    combine(v, [1, b[6]!, b[4]!, b[2]!, b[0]!], [inner, x6, x4, x2, identity]);
  } else {
    const powers: Float64Array[] = [identity, x2, x4, x6];
    if (degree === 9) {
      const x8 = new Float64Array(size);
      multiply(x4, x4, x8, n);
      powers.push(x8);
    }
    const terms = powers.slice(0, (degree + 1) / 2);
    combine(inner, terms.map((_, j) => b[2 * j + 1]!), terms);
    multiply(x, inner, u, n);
    combine(v, terms.map((_, j) => b[2 * j]!), terms);
  }
  // (V - U) R = V + U.
  const q = new Float64Array(size);
  const p = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    q[i] = v[i]! - u[i]!;
    p[i] = v[i]! + u[i]!;
  }
  const perm = new Int32Array(n);
  luInPlace(q, n, perm);
  let r = new Float64Array(size);
  luSolve(q, 0, perm, n, p, 0, n, r, 0);
  let scratch = new Float64Array(size);
  for (let s = 0; s < squarings; s++) {
    multiply(r, r, scratch, n);
    [r, scratch] = [scratch, r];
  }
  out.set(r, outOffset);
}
