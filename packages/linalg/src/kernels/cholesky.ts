/**
 * Cholesky factorization A = L L^T of one symmetric positive-definite matrix, in place, reading only
 * the lower triangle of A (as LAPACK's potrf with uplo = 'L', what torch.linalg.cholesky calls).
 */
import { blockView, inverseScratch, isSmallProduct, jsProducts, replaceByProduct, subtractProduct, type BlockProducts, type Gemm } from './blocks.js';

/**
 * Overwrites the n x n row-major matrix `a` (from `offset`, rows `ld` apart) with its lower Cholesky
 * factor L and zeroes the strict upper triangle. Returns 0 on success, or k when the leading minor of
 * order k (1-based) is not positive-definite (the factor is then left partial). NaN does not stop it:
 * it propagates into L.
 *
 * Loop order (Cholesky-Banachiewicz, row by row): L[i][j] = (A[i][j] - row_i . row_j over the first j
 * columns) / L[j][j]. Both rows are contiguous in row-major order, so the inner loop is a unit-stride
 * dot product, the access pattern a JavaScript JIT compiles best; n^3 / 6 multiply-adds (n^3 / 3 flops).
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
/** Columns up to this are solved at once in `solveRightLowerTransposed` (by a product with the inverse, or by substitution). */
const SOLVE_LEAF = 32;
/** Orders up to this take their symmetric update as one (full, square) product. */
const UPDATE_LEAF = 64;

/**
 * The same factorization (and the same return value) as `choleskyInPlace`, recursive (as
 * LAPACK 3.6's potrf2, in row-major): A11 (the leading half) is factored, the panel below it becomes
 * L21 = A21 L11^-T (a recursive triangular solve), the trailing A22 -= L21 L21^T (a recursive
 * symmetric update) and A22 is factored. The solve and the update recurse too, so that nearly all
 * the flops are matrix products of half the order, a third or so of the order in depth, through
 * `gemm` (@nn/autograd's matmulInto, on the blocks where they lie); the unblocked loop only factors
 * diagonal blocks of `CHOLESKY_LEAF`, and the thin solves multiply by the inverse of their diagonal
 * block. A blocked right-looking loop with
 * 64 columns per block made products of depth 64 only, where the WebAssembly kernel runs at half its
 * speed, and spent most of its time in the JavaScript panel solve.
 */
export function choleskyBlockedInPlace(a: Float64Array, n: number, gemm: Gemm, offset = 0): number {
  const order = choleskyRecursive(a, offset, n, n, jsProducts(gemm));
  if (order === 0) for (let i = 0; i < n; i++) a.fill(0, offset + i * n + i + 1, offset + (i + 1) * n);
  return order;
}

/** Where a recursive kernel cuts `size`: about half, on a multiple of 16 once that is large. */
export function splitPoint(size: number): number {
  const half = size >> 1;
  return half >= 32 ? half - (half % 16) : half;
}

/** Factors the size x size block at `off` (rows `ld` apart); returns as `choleskyInPlace`. */
function choleskyRecursive(a: Float64Array, off: number, ld: number, size: number, products: BlockProducts): number {
  if (size <= CHOLESKY_LEAF) return choleskyInPlace(a, size, off, ld);
  const n1 = splitPoint(size);
  const n2 = size - n1;
  const first = choleskyRecursive(a, off, ld, n1, products);
  if (first !== 0) return first;
  const a21 = off + n1 * ld;
  solveRightLowerTransposed(a, off, a21, ld, n2, n1, products);
  symmetricUpdate(a, a21, a21 + n1, ld, n2, n1, products);
  const second = choleskyRecursive(a, a21 + n1, ld, n2, products);
  return second === 0 ? 0 : n1 + second;
}

/**
 * X L^T = B in place of B (rows x cols at `bOff`), L the cols x cols lower triangle at `lOff`.
 * Above `SOLVE_LEAF` columns, B = [B1 B2] and L = [L1 0; L2 L3] split into X1 L1^T = B1,
 * B2 -= X1 L2^T (a product), X2 L3^T = B2. At the leaf, X = B L^-T: L's inverse is formed (cols^3 / 6
 * multiply-adds, a few microseconds at 32) and B multiplied by its transpose through `gemm`, where the
 * substitution (a dot product per entry, rows cols^2 / 2 multiply-adds in JavaScript) took a quarter
 * of a 512 factorization. As cuBLAS's and MAGMA's trsm do; the inverse of a diagonal block of a
 * Cholesky factor is well conditioned (its condition number is at most the square root of A's).
 * Products too small for `gemm` keep the substitution loop.
 */
function solveRightLowerTransposed(a: Float64Array, lOff: number, bOff: number, ld: number, rows: number, cols: number, products: BlockProducts): void {
  if (cols <= SOLVE_LEAF) {
    if (isSmallProduct(rows * cols * cols)) solveBySubstitution(a, lOff, bOff, ld, rows, cols);
    else solveByInverse(a, lOff, bOff, ld, rows, cols, products);
    return;
  }
  const c1 = splitPoint(cols);
  const c2 = cols - c1;
  solveRightLowerTransposed(a, lOff, bOff, ld, rows, c1, products);
  subtractProduct(a, bOff + c1, bOff, lOff + c1 * ld, ld, rows, c1, c2, true, products);
  solveRightLowerTransposed(a, lOff + c1 * ld + c1, bOff + c1, ld, rows, c2, products);
}

/** The leaf of `solveRightLowerTransposed` row by row: x_j = (b_j - x[0:j] . L[j][0:j]) / L[j][j], unit-stride dot products. */
function solveBySubstitution(a: Float64Array, lOff: number, bOff: number, ld: number, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) {
    const rowI = bOff + i * ld;
    for (let j = 0; j < cols; j++) {
      const rowJ = lOff + j * ld;
      let s = a[rowI + j]!;
      for (let p = 0; p < j; p++) s -= a[rowI + p]! * a[rowJ + p]!;
      a[rowI + j] = s / a[rowJ + j]!;
    }
  }
}

/** The leaf of `solveRightLowerTransposed` as B := B L^-T, one product through `gemm`. */
function solveByInverse(a: Float64Array, lOff: number, bOff: number, ld: number, rows: number, cols: number, products: BlockProducts): void {
  const inverse = inverseScratch(cols);
  invertLower(a, lOff, ld, cols, inverse);
  replaceByProduct(a, bOff, ld, rows, cols, cols, blockView(a, bOff, ld), { data: inverse, offset: 0, rowStride: 1, colStride: cols }, products);
}

/**
 * The inverse M of the size x size lower triangle L at `lOff` (rows `ld` apart, only the triangle
 * read) into the dense `out`, zero above the diagonal. Loop order: row i of M from the rows above it,
 * M[i][j] = -(L[i][j:i] . M[j:i][j]) / L[i][i] (the column of M strided, at most 32 long here).
 */
function invertLower(a: Float64Array, lOff: number, ld: number, size: number, out: Float64Array): void {
  for (let i = 0; i < size; i++) {
    const rowL = lOff + i * ld;
    const inverseDiagonal = 1 / a[rowL + i]!;
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let p = j; p < i; p++) s += a[rowL + p]! * out[p * size + j]!;
      out[i * size + j] = -s * inverseDiagonal;
    }
    out[i * size + i] = inverseDiagonal;
    out.fill(0, i * size + i + 1, (i + 1) * size);
  }
}

/**
 * C -= X X^T on the lower triangle of C (size x size at `cOff`), X size x depth at `xOff`. Above
 * `UPDATE_LEAF`, C's rows split in two: the diagonal blocks recurse and the block below the first
 * is one product, so about half of the full square product's work is done.
 */
function symmetricUpdate(a: Float64Array, xOff: number, cOff: number, ld: number, size: number, depth: number, products: BlockProducts): void {
  if (size <= UPDATE_LEAF) {
    subtractProduct(a, cOff, xOff, xOff, ld, size, depth, size, true, products, true);
    return;
  }
  const h1 = splitPoint(size);
  const h2 = size - h1;
  symmetricUpdate(a, xOff, cOff, ld, h1, depth, products);
  subtractProduct(a, cOff + h1 * ld, xOff + h1 * ld, xOff, ld, h2, depth, h1, true, products);
  symmetricUpdate(a, xOff + h1 * ld, cOff + h1 * ld + h1, ld, h2, depth, products);
}
