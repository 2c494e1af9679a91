/**
 * Cholesky factorization A = L L^T of one symmetric positive-definite matrix, in place, reading only
 * the lower triangle of A (as LAPACK's potrf with uplo = 'L', what torch.linalg.cholesky calls).
 */
import type { Multiply } from './lu.js';

/**
 * Overwrites the n x n row-major matrix `a` (from `offset`, rows `ld` apart) with its lower Cholesky
 * factor L and zeroes the strict upper triangle. Returns 0 on success, or k when the leading minor of
 * order k (1-based) is not positive-definite (the factor is then left partial). NaN does not stop it:
 * it propagates into L.
 *
 * Loop order (Cholesky-Banachiewicz, row by row): L[i][j] = (A[i][j] - row_i . row_j over the first j
 * columns) / L[j][j]. Both rows are contiguous in row-major order, so the inner loop is a unit-stride
 * dot product, the access pattern a JavaScript JIT compiles best; n^3 / 3 multiply-adds.
 */
export function choleskyInPlace(a: Float64Array, n: number, offset = 0, ld = n): number {
  for (let i = 0; i < n; i++) {
    const rowI = offset + i * ld;
    for (let j = 0; j <= i; j++) {
      const rowJ = offset + j * ld;
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

/** Columns per block of `choleskyBlockedInPlace`; below 2 blocks the unblocked loop is as fast. */
export const CHOLESKY_BLOCK = 64;
/** Rows of the trailing update multiplied at a time (see step 3 of `choleskyBlockedInPlace`). */
const UPDATE_CHUNK = 128;

/**
 * The same factorization (and the same return value) as `choleskyInPlace`, blocked right-looking (as
 * LAPACK's potrf over potf2): for each block column, (1) the diagonal block is factored by the
 * unblocked loop; (2) the panel below it becomes L21 = A21 L11^-T, a forward substitution per row
 * (unit-stride dot products with rows of L11); (3) the trailing matrix takes A22 -= L21 L21^T through
 * `multiply` (@nn/autograd's packed matmul kernel), in row chunks that stop at the diagonal.
 */
export function choleskyBlockedInPlace(a: Float64Array, n: number, multiply: Multiply, offset = 0): number {
  if (n < 2 * CHOLESKY_BLOCK) return choleskyInPlace(a, n, offset);
  for (let k0 = 0; k0 < n; k0 += CHOLESKY_BLOCK) {
    const k1 = Math.min(n, k0 + CHOLESKY_BLOCK);
    const depth = k1 - k0;
    // (1) L11; it zeroes the block's strict upper triangle, which is all it writes above the diagonal.
    const order = choleskyInPlace(a, depth, offset + k0 * n + k0, n);
    if (order !== 0) return k0 + order;
    if (k1 === n) break;
    const rows = n - k1;
    // (2) L21 = A21 L11^-T, one row at a time.
    for (let i = k1; i < n; i++) {
      const rowI = offset + i * n + k0;
      for (let j = 0; j < depth; j++) {
        const rowJ = offset + (k0 + j) * n + k0;
        let s = a[rowI + j]!;
        for (let p = 0; p < j; p++) s -= a[rowI + p]! * a[rowJ + p]!;
        a[rowI + j] = s / a[rowJ + j]!;
      }
    }
    // (3) A22 -= L21 L21^T, lower triangle only: the rows go in chunks, each multiplied by the
    // columns up to its last row, so about half the full product's work is done.
    const l21 = new Float64Array(rows * depth);
    for (let i = 0; i < rows; i++) l21.set(a.subarray(offset + (k1 + i) * n + k0, offset + (k1 + i) * n + k1), i * depth);
    for (let r0 = 0; r0 < rows; r0 += UPDATE_CHUNK) {
      const r1 = Math.min(rows, r0 + UPDATE_CHUNK);
      const l21t = new Float64Array(depth * r1);
      for (let i = 0; i < r1; i++) for (let j = 0; j < depth; j++) l21t[j * r1 + i] = l21[i * depth + j]!;
      const product = multiply(l21.subarray(r0 * depth, r1 * depth), l21t, r1 - r0, depth, r1);
      for (let i = r0; i < r1; i++) {
        const row = offset + (k1 + i) * n + k1;
        const p = (i - r0) * r1;
        for (let c = 0; c <= i; c++) a[row + c]! -= product[p + c]!;
      }
    }
  }
  for (let i = 0; i < n; i++) a.fill(0, offset + i * n + i + 1, offset + (i + 1) * n);
  return 0;
}
