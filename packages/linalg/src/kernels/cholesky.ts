/**
 * Cholesky factorization A = L L^T of one symmetric positive-definite matrix, in place, reading only
 * the lower triangle of A (as LAPACK's potrf with uplo = 'L', what torch.linalg.cholesky calls).
 */
import { gatherBlock, subtractBlock, subtractProduct } from './blocks.js';
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

/** Orders up to this are factored by the unblocked loop at the bottom of the recursion. */
export const CHOLESKY_LEAF = 32;
/** Columns up to this are solved by the substitution loop in `solveRightLowerTransposed`. */
const SOLVE_LEAF = 32;
/** Orders up to this take their symmetric update as one (full, square) product. */
const UPDATE_LEAF = 128;

/**
 * The same factorization (and the same return value) as `choleskyInPlace`, recursive (as
 * LAPACK 3.6's potrf2, in row-major): A11 (the leading half) is factored, the panel below it becomes
 * L21 = A21 L11^-T (a recursive triangular solve), the trailing A22 -= L21 L21^T (a recursive
 * symmetric update) and A22 is factored. The solve and the update recurse too, so that nearly all
 * the flops are matrix products of half the order, a third or so of the order in depth, through
 * `multiply` (@nn/autograd's matmul); the unblocked loop only factors diagonal blocks of
 * `CHOLESKY_LEAF`, and the substitution loop only the thin solves. A blocked right-looking loop with
 * 64 columns per block made products of depth 64 only, where the WebAssembly kernel runs at half its
 * speed, and spent most of its time in the JavaScript panel solve.
 */
export function choleskyBlockedInPlace(a: Float64Array, n: number, multiply: Multiply, offset = 0): number {
  const order = choleskyRecursive(a, offset, n, n, multiply);
  if (order === 0) for (let i = 0; i < n; i++) a.fill(0, offset + i * n + i + 1, offset + (i + 1) * n);
  return order;
}

/** Where a recursive kernel cuts `size`: about half, on a multiple of 16 once that is large. */
export function splitPoint(size: number): number {
  const half = size >> 1;
  return half >= 32 ? half - (half % 16) : half;
}

/** Factors the size x size block at `off` (rows `ld` apart); returns as `choleskyInPlace`. */
function choleskyRecursive(a: Float64Array, off: number, ld: number, size: number, multiply: Multiply): number {
  if (size <= CHOLESKY_LEAF) return choleskyInPlace(a, size, off, ld);
  const n1 = splitPoint(size);
  const n2 = size - n1;
  const first = choleskyRecursive(a, off, ld, n1, multiply);
  if (first !== 0) return first;
  const a21 = off + n1 * ld;
  solveRightLowerTransposed(a, off, a21, ld, n2, n1, multiply);
  symmetricUpdate(a, a21, a21 + n1, ld, n2, n1, multiply);
  const second = choleskyRecursive(a, a21 + n1, ld, n2, multiply);
  return second === 0 ? 0 : n1 + second;
}

/**
 * X L^T = B in place of B (rows x cols at `bOff`), L the cols x cols lower triangle at `lOff`. The
 * loop works row by row of X: x_j = (b_j - x[0:j] . L[j][0:j]) / L[j][j], a unit-stride dot
 * product of two rows. Above `SOLVE_LEAF` columns, B = [B1 B2] and L = [L1 0; L2 L3] split into
 * X1 L1^T = B1, B2 -= X1 L2^T (a product), X2 L3^T = B2.
 */
function solveRightLowerTransposed(a: Float64Array, lOff: number, bOff: number, ld: number, rows: number, cols: number, multiply: Multiply): void {
  if (cols <= SOLVE_LEAF) {
    for (let i = 0; i < rows; i++) {
      const rowI = bOff + i * ld;
      for (let j = 0; j < cols; j++) {
        const rowJ = lOff + j * ld;
        let s = a[rowI + j]!;
        for (let p = 0; p < j; p++) s -= a[rowI + p]! * a[rowJ + p]!;
        a[rowI + j] = s / a[rowJ + j]!;
      }
    }
    return;
  }
  const c1 = splitPoint(cols);
  const c2 = cols - c1;
  solveRightLowerTransposed(a, lOff, bOff, ld, rows, c1, multiply);
  subtractProduct(a, bOff + c1, bOff, lOff + c1 * ld, ld, rows, c1, c2, true, multiply);
  solveRightLowerTransposed(a, lOff + c1 * ld + c1, bOff + c1, ld, rows, c2, multiply);
}

/**
 * C -= X X^T on the lower triangle of C (size x size at `cOff`), X size x depth at `xOff`. Above
 * `UPDATE_LEAF`, C's rows split in two: the diagonal blocks recurse and the block below the first
 * is one product, so about half of the full square product's work is done.
 */
function symmetricUpdate(a: Float64Array, xOff: number, cOff: number, ld: number, size: number, depth: number, multiply: Multiply): void {
  if (size <= UPDATE_LEAF) {
    const x = gatherBlock(a, xOff, ld, size, depth, 0);
    subtractBlock(a, cOff, ld, multiply(x, x, size, depth, size, true), size, size, true);
    return;
  }
  const h1 = splitPoint(size);
  const h2 = size - h1;
  symmetricUpdate(a, xOff, cOff, ld, h1, depth, multiply);
  subtractProduct(a, cOff + h1 * ld, xOff + h1 * ld, xOff, ld, h2, depth, h1, true, multiply);
  symmetricUpdate(a, xOff + h1 * ld, cOff + h1 * ld + h1, ld, h2, depth, multiply);
}
