/**
 * Householder reduction of a symmetric matrix to tridiagonal form, blocked (LAPACK's dsytrd over
 * dlatrd, lower triangle): the same reflectors, stored the same way, as the unblocked reduction in
 * ./symmetric-eigen.ts, to rounding.
 *
 * The unblocked reduction makes two passes over the trailing matrix per column: B v (a symmetric
 * matrix-vector product) and the rank-2 update B -= v w^T + w v^T. Here the rank-2 updates of a
 * panel of `TRIDIAGONAL_BLOCK` columns are deferred: within the panel, each column is brought up
 * to date on its own, and B v is taken from the stale trailing matrix corrected by the panel's
 * V (W^T v) + W (V^T v); after the panel, the trailing matrix takes B -= V W^T + W V^T as one
 * matrix product (`multiply`). Half of the 4/3 n^3 flops go to the product; the other half (the
 * B v) stays a JavaScript loop over the lower triangle, row by row (unit stride in row-major).
 */
import { subtractLowerProduct } from './blocks.js';
import { makeReflector } from './householder.js';
import type { Multiply } from './blocks.js';

/** Columns per panel (LAPACK's default block size for dsytrd). */
export const TRIDIAGONAL_BLOCK = 32;

/**
 * Reduces the symmetric matrix in the lower triangle of `w` (n x n row-major) to tridiagonal
 * T = Q^T A Q: diagonal `d`, off-diagonal `e[0 .. n-2]`; reflector k (acting on indices k+1 ...)
 * is left in the upper part of row k (w[k][k+2 ...], with v[k+1] = 1) and `tau[k]`, as the
 * unblocked reduction leaves them. The lower triangle is overwritten.
 */
export function tridiagonalizeBlocked(w: Float64Array, n: number, d: Float64Array, e: Float64Array, tau: Float64Array, multiply: Multiply): void {
  const nb = TRIDIAGONAL_BLOCK;
  // The panel's reflectors V and the vectors W, one n-long column each (rows j+1 ... used).
  const vs = Array.from({ length: nb }, () => new Float64Array(n));
  const ws = Array.from({ length: nb }, () => new Float64Array(n));
  const vw = new Float64Array(nb);
  const wv = new Float64Array(nb);
  for (let k0 = 0; k0 < n - 2; k0 += nb) {
    const k1 = Math.min(k0 + nb, n - 2);
    for (let j = k0; j < k1; j++) {
      const jj = j - k0;
      const row = j * n;
      // Column j (rows j ...) brought up to date with the panel's earlier reflectors, and copied
      // into row j right of the diagonal, where the reflector is built.
      for (let i = j; i < n; i++) {
        let s = w[i * n + j]!;
        for (let p = 0; p < jj; p++) s -= vs[p]![i]! * ws[p]![j]! + ws[p]![i]! * vs[p]![j]!;
        w[row + i] = s;
      }
      d[j] = w[row + j]!;
      const t = makeReflector(w, row + j + 1, row + n);
      tau[j] = t;
      e[j] = w[row + j + 1]!;
      const v = vs[jj]!;
      const y = ws[jj]!;
      if (t === 0) {
        v.fill(0);
        y.fill(0);
        continue;
      }
      v[j] = 0;
      v[j + 1] = 1;
      for (let i = j + 2; i < n; i++) v[i] = w[row + i]!;
      // y = B v over rows and columns j+1 ..., B the stale trailing matrix (lower triangle: each
      // entry below the diagonal serves two products).
      // Four rows at a time, so that each y[c] and v[c] loaded serves all four.
      y.fill(0, 0, n);
      let i = j + 1;
      for (; i + 3 < n; i += 4) {
        const r0 = i * n;
        const r1 = r0 + n;
        const r2 = r1 + n;
        const r3 = r2 + n;
        const v0 = v[i]!;
        const v1 = v[i + 1]!;
        const v2 = v[i + 2]!;
        const v3 = v[i + 3]!;
        let sum0 = 0;
        let sum1 = 0;
        let sum2 = 0;
        let sum3 = 0;
        for (let c = j + 1; c < i; c++) {
          const a0 = w[r0 + c]!;
          const a1 = w[r1 + c]!;
          const a2 = w[r2 + c]!;
          const a3 = w[r3 + c]!;
          const vc = v[c]!;
          sum0 += a0 * vc;
          sum1 += a1 * vc;
          sum2 += a2 * vc;
          sum3 += a3 * vc;
          y[c] = y[c]! + a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
        }
        // The 4 x 4 diagonal block (its lower triangle), each entry below the diagonal used twice.
        const a10 = w[r1 + i]!;
        const a20 = w[r2 + i]!;
        const a21 = w[r2 + i + 1]!;
        const a30 = w[r3 + i]!;
        const a31 = w[r3 + i + 1]!;
        const a32 = w[r3 + i + 2]!;
        y[i] = y[i]! + sum0 + w[r0 + i]! * v0 + a10 * v1 + a20 * v2 + a30 * v3;
        y[i + 1] = y[i + 1]! + sum1 + a10 * v0 + w[r1 + i + 1]! * v1 + a21 * v2 + a31 * v3;
        y[i + 2] = y[i + 2]! + sum2 + a20 * v0 + a21 * v1 + w[r2 + i + 2]! * v2 + a32 * v3;
        y[i + 3] = y[i + 3]! + sum3 + a30 * v0 + a31 * v1 + a32 * v2 + w[r3 + i + 3]! * v3;
      }
      for (; i < n; i++) {
        const ri = i * n;
        const vi = v[i]!;
        let sum = 0;
        for (let c = j + 1; c < i; c++) {
          const a = w[ri + c]!;
          sum += a * v[c]!;
          y[c] = y[c]! + a * vi;
        }
        y[i] = y[i]! + sum + w[ri + i]! * vi;
      }
      // ... corrected for the deferred updates: y -= V (W^T v) + W (V^T v).
      for (let p = 0; p < jj; p++) {
        let a = 0;
        let b = 0;
        const vp = vs[p]!;
        const wp = ws[p]!;
        for (let i = j + 1; i < n; i++) {
          a += wp[i]! * v[i]!;
          b += vp[i]! * v[i]!;
        }
        wv[p] = a;
        vw[p] = b;
      }
      for (let p = 0; p < jj; p++) {
        const vp = vs[p]!;
        const wp = ws[p]!;
        const a = wv[p]!;
        const b = vw[p]!;
        for (let i = j + 1; i < n; i++) y[i] = y[i]! - vp[i]! * a - wp[i]! * b;
      }
      // w = t y - (t^2 / 2)(y . v) v.
      let yv = 0;
      for (let i = j + 1; i < n; i++) {
        y[i] = t * y[i]!;
        yv += y[i]! * v[i]!;
      }
      const half = -0.5 * t * yv;
      for (let i = j + 1; i < n; i++) y[i] = y[i]! + half * v[i]!;
    }
    // The trailing matrix (rows and columns k1 ...): B -= [V W] [W V]^T, its lower triangle.
    const m = n - k1;
    const width = k1 - k0;
    const left = new Float64Array(m * 2 * width);
    const right = new Float64Array(m * 2 * width);
    for (let i = 0; i < m; i++) {
      const base = i * 2 * width;
      for (let p = 0; p < width; p++) {
        const vi = vs[p]![k1 + i]!;
        const wi = ws[p]![k1 + i]!;
        left[base + p] = vi;
        left[base + width + p] = wi;
        right[base + p] = wi;
        right[base + width + p] = vi;
      }
    }
    subtractLowerProduct(w, k1 * n + k1, n, left, right, m, 2 * width, multiply);
  }
  if (n >= 2) {
    d[n - 2] = w[(n - 2) * n + n - 2]!;
    e[n - 2] = w[(n - 1) * n + n - 2]!;
  }
  if (n >= 1) d[n - 1] = w[(n - 1) * n + n - 1]!;
}
