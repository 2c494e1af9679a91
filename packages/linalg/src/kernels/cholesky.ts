/**
 * Cholesky factorization A = L L^T of one symmetric positive-definite matrix, in place, reading only
 * the lower triangle of A (as LAPACK's potrf with uplo = 'L', what torch.linalg.cholesky calls).
 */

/**
 * Overwrites the n x n row-major matrix `a` (from `offset`) with its lower Cholesky factor L and zeroes
 * the strict upper triangle. Returns 0 on success, or k when the leading minor of order k (1-based) is
 * not positive-definite (the factor is then left partial). NaN does not stop it: it propagates into L.
 *
 * Loop order (Cholesky-Banachiewicz, row by row): L[i][j] = (A[i][j] - row_i . row_j over the first j
 * columns) / L[j][j]. Both rows are contiguous in row-major order, so the inner loop is a unit-stride
 * dot product, the access pattern a JavaScript JIT compiles best; n^3 / 3 multiply-adds.
 */
export function choleskyInPlace(a: Float64Array, n: number, offset = 0): number {
  for (let i = 0; i < n; i++) {
    const rowI = offset + i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = offset + j * n;
      let s = a[rowI + j]!;
      for (let p = 0; p < j; p++) s -= a[rowI + p]! * a[rowJ + p]!;
      if (j < i) {
        a[rowI + j] = s / a[rowJ + j]!;
      } else {
        // NaN fails neither test, so it flows into the factor as PyTorch's NaN does.
        if (s <= 0 || s === Infinity) return i + 1;
        a[rowI + i] = Math.sqrt(s);
      }
    }
    for (let j = i + 1; j < n; j++) a[rowI + j] = 0;
  }
  return 0;
}
