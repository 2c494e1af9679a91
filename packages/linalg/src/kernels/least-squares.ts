/**
 * Least squares min ||A X - B|| for one tall, full-column-rank A (m x n, m >= n) by Householder QR:
 * A = Q R, then X = R^-1 (Q^T B)[:n] (as LAPACK's gels). Backward stable: the error in X grows
 * with cond(A) (plus cond(A)^2 times the relative residual), not with cond(A)^2 alone as the normal
 * equations' would.
 */

/**
 * Solves min ||A X - B|| with A m x n (row-major from `aOffset`, overwritten by R above the diagonal and
 * the Householder vectors below) and B m x k (from `bOffset`, overwritten by Q^T B). X (n x k) is
 * written to `x` from `xOffset`. Returns 0, or the 1-based column whose R diagonal is zero or at
 * roundoff level (below max(m, n) eps max|R_jj|: A is then numerically rank-deficient; X is not written).
 *
 * Loop order: for each column j, the reflector v = a[j:, j] + sign * ||a[j:, j]|| e_1 is formed, then
 * applied to the trailing columns of A and to B as H = I - 2 v v^T / (v^T v): for each column c, the
 * dot product v . a[j:, c] down a column (stride n), then the update along the same column.
 * 2 m n^2 - 2 n^3 / 3 multiply-adds for R, 4 m n k for Q^T B, n^2 k / 2 for the back substitution.
 */
export function leastSquaresInPlace(
  a: Float64Array, aOffset: number, m: number, n: number,
  b: Float64Array, bOffset: number, k: number,
  x: Float64Array, xOffset: number,
): number {
  const v = new Float64Array(m);
  for (let j = 0; j < n; j++) {
    // The column's norm, scaled by its largest entry so that squaring neither overflows nor underflows.
    let scale = 0;
    for (let i = j; i < m; i++) scale = Math.max(scale, Math.abs(a[aOffset + i * n + j]!));
    if (scale === 0) return j + 1;
    let norm2 = 0;
    for (let i = j; i < m; i++) {
      const e = a[aOffset + i * n + j]! / scale;
      v[i] = e;
      norm2 += e * e;
    }
    const alpha = (v[j]! >= 0 ? -1 : 1) * Math.sqrt(norm2);
    v[j] = v[j]! - alpha;
    let vv = 0;
    for (let i = j; i < m; i++) vv += v[i]! * v[i]!;
    // H a[:, j] = alpha e_1 (times the scale).
    a[aOffset + j * n + j] = alpha * scale;
    for (let i = j + 1; i < m; i++) a[aOffset + i * n + j] = 0;
    if (vv === 0) continue;
    for (let c = j + 1; c < n; c++) {
      let dot = 0;
      for (let i = j; i < m; i++) dot += v[i]! * a[aOffset + i * n + c]!;
      const f = (2 * dot) / vv;
      for (let i = j; i < m; i++) a[aOffset + i * n + c]! -= f * v[i]!;
    }
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let i = j; i < m; i++) dot += v[i]! * b[bOffset + i * k + c]!;
      const f = (2 * dot) / vv;
      for (let i = j; i < m; i++) b[bOffset + i * k + c]! -= f * v[i]!;
    }
  }
  // Numerically rank-deficient: a diagonal of R at roundoff level relative to the largest (where
  // the solution would be noise), the rank test LAPACK's gelsy makes with rcond = m eps.
  let largest = 0;
  for (let j = 0; j < n; j++) largest = Math.max(largest, Math.abs(a[aOffset + j * n + j]!));
  const tolerance = Math.max(m, n) * Number.EPSILON * largest;
  for (let j = 0; j < n; j++) if (Math.abs(a[aOffset + j * n + j]!) <= tolerance) return j + 1;
  // Back substitution R X = (Q^T B)[:n], row by row from the bottom, unit-stride along rows of X.
  for (let i = n - 1; i >= 0; i--) {
    const rowX = xOffset + i * k;
    for (let c = 0; c < k; c++) x[rowX + c] = b[bOffset + i * k + c]!;
    for (let j = i + 1; j < n; j++) {
      const f = a[aOffset + i * n + j]!;
      const rowJ = xOffset + j * k;
      for (let c = 0; c < k; c++) x[rowX + c]! -= f * x[rowJ + c]!;
    }
    const d = a[aOffset + i * n + i]!;
    for (let c = 0; c < k; c++) x[rowX + c]! /= d;
  }
  return 0;
}
