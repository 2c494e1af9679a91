/**
 * LU factorization with partial pivoting, P A = L U, of one n x n matrix in place (as LAPACK's getrf),
 * and the solves and determinants built on it.
 */
import { blockView, inverseScratch, isSmallProduct, jsProducts, replaceByProduct, subtractProduct, type BlockProducts, type Gemm } from './blocks.js';

/** What `luInPlace` found besides the factors. */
export interface LuInfo {
  /** +1 or -1: the sign of the row permutation (the parity of the swaps). */
  permutationSign: number;
  /** 0, or the 1-based index of the first exactly zero pivot U[k][k] (the matrix is then singular). */
  zeroPivot: number;
}

/**
 * Overwrites `a` (n x n row-major from `offset`) with L (below the diagonal, unit diagonal implied)
 * and U (on and above it); `perm[i]` receives the original row now at row i. As LAPACK, an exactly
 * zero pivot does not stop the factorization (that column is skipped) and is reported.
 *
 * Loop order (right-looking, kij): for each pivot column k, the row with the largest |a[i][k]| is
 * swapped into place, then every row below subtracts a multiple of row k from its trailing part: a
 * unit-stride axpy along row-major rows; n^3 / 3 multiply-adds (2 n^3 / 3 flops).
 */
export function luInPlace(a: Float64Array, n: number, perm: Int32Array, offset = 0): LuInfo {
  let permutationSign = 1;
  let zeroPivot = 0;
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let k = 0; k < n; k++) {
    const rowK = offset + k * n;
    let p = k;
    let best = Math.abs(a[rowK + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[offset + i * n + k]!);
      // `!(v <= best)` also takes a NaN as pivot, so NaN propagates instead of hiding behind a swap.
      if (v > best || (best === best && v !== v)) { best = v; p = i; }
    }
    if (p !== k) {
      const rowP = offset + p * n;
      for (let c = 0; c < n; c++) { const t = a[rowK + c]!; a[rowK + c] = a[rowP + c]!; a[rowP + c] = t; }
      const t = perm[k]!; perm[k] = perm[p]!; perm[p] = t;
      permutationSign = -permutationSign;
    }
    const pivot = a[rowK + k]!;
    if (pivot === 0) {
      if (zeroPivot === 0) zeroPivot = k + 1;
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const rowI = offset + i * n;
      // No skip when l is 0: 0 * NaN must still reach the row, as LAPACK's update does.
      const l = (a[rowI + k]! /= pivot);
      for (let c = k + 1; c < n; c++) a[rowI + c]! -= l * a[rowK + c]!;
    }
  }
  return { permutationSign, zeroPivot };
}

/** From this order on, `luBlockedInPlace` recurses; below it the unblocked loop is as fast. */
export const LU_BLOCK = 48;
/**
 * Panels of up to this many columns are factored by the unblocked loop at the bottom of the
 * recursion. 32 since the panels run on WebAssembly (./lu-wasm.ts): 3% faster than 16 at n = 256 and
 * 1% at 512, the panel's own work doubling but the products of depth 16 gone; with the panels in
 * JavaScript, 16 was as fast.
 */
export const LU_LEAF = 32;
/** Up to this many rows, the unit lower solve of the block row is the axpy loop. */
const SOLVE_LEAF = 16;

/**
 * The same factorization as `luInPlace` (the same pivot choices, as LAPACK's getrf against getf2:
 * with exact arithmetic the same permutation; rounding can differ in the last bits, so a near tie
 * between two pivot candidates could go the other way), recursive on the columns (Toledo's
 * recursive LU, LAPACK 3.6's getrf2, in row-major): the left half of the columns is factored (rows
 * swapped whole, so every column sees each swap), the block row right of it becomes
 * U12 = L11^-1 A12 (a recursive unit lower solve), the rest of the right half takes
 * A22 -= L21 U12 (one product through `gemm`, @nn/autograd's matmulInto), and the right half is
 * factored on the rows below. Nearly all the flops are in products of depth n/4 to n/2; the
 * unblocked loop only factors panels of `LU_LEAF` columns. The earlier blocked right-looking loop
 * (48 columns per block) multiplied at depth 48 only and did the block-row solve in JavaScript.
 */
export function luBlockedInPlace(a: Float64Array, n: number, perm: Int32Array, gemm: Gemm, offset = 0): LuInfo {
  return luBlockedWith(a, n, perm, { products: jsProducts(gemm), panel: luPanel }, offset);
}

/** `luBlockedInPlace` on the given kernels (./lu-wasm.ts passes its own, which work in a WebAssembly memory). */
export function luBlockedWith(a: Float64Array, n: number, perm: Int32Array, kernels: LuKernels, offset = 0): LuInfo {
  if (n < LU_BLOCK) return luInPlace(a, n, perm, offset);
  for (let i = 0; i < n; i++) perm[i] = i;
  const info: LuInfo = { permutationSign: 1, zeroPivot: 0 };
  luColumns(a, offset, n, perm, 0, n, info, kernels);
  return info;
}

/** Where the recursion cuts `size` columns or rows: about half, on a multiple of 16 once that is large. */
function splitPoint(size: number): number {
  const half = size >> 1;
  return half >= 32 ? half - (half % 16) : half;
}

/**
 * Factors the panel of columns c0 .. c1 on rows c0 .. n of the n x n matrix at `off` (at most
 * `LU_LEAF` columns, the columns left of c0 done and applied): pivots chosen, whole rows swapped,
 * `perm` and `info` updated. `luPanel` is the JavaScript loop; ./lu-wasm.ts runs the same loop on
 * WebAssembly.
 */
export type LuPanel = (a: Float64Array, off: number, n: number, perm: Int32Array, c0: number, c1: number, info: LuInfo) => void;

/** What the recursion multiplies and factors panels with. */
export interface LuKernels {
  readonly products: BlockProducts;
  readonly panel: LuPanel;
}

/** Factors columns c0 .. c1 on rows c0 .. n (the columns left of c0 are done and applied). */
function luColumns(a: Float64Array, off: number, n: number, perm: Int32Array, c0: number, c1: number, info: LuInfo, kernels: LuKernels): void {
  const width = c1 - c0;
  if (width <= LU_LEAF) {
    kernels.panel(a, off, n, perm, c0, c1, info);
    return;
  }
  const { products } = kernels;
  const mid = c0 + splitPoint(width);
  luColumns(a, off, n, perm, c0, mid, info, kernels);
  const depth = mid - c0;
  const right = c1 - mid;
  solveUnitLower(a, off + c0 * n + c0, off + c0 * n + mid, n, depth, right, products);
  if (mid < n) {
    const below = n - mid;
    subtractProduct(a, off + mid * n + mid, off + mid * n + c0, off + c0 * n + mid, n, below, depth, right, false, products);
  }
  luColumns(a, off, n, perm, mid, c1, info, kernels);
}

/**
 * The unblocked loop on the panel of columns c0 .. c1, rows c0 .. n: for each column, the row with
 * the largest |a[i][k]| below the diagonal is swapped in (whole rows, all n columns), and the rows
 * below subtract multiples of it within the panel (unit-stride axpys along the row-major rows).
 */
const luPanel: LuPanel = (a, off, n, perm, c0, c1, info) => {
  for (let k = c0; k < c1; k++) {
    const rowK = off + k * n;
    let p = k;
    let best = Math.abs(a[rowK + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[off + i * n + k]!);
      if (v > best || (best === best && v !== v)) { best = v; p = i; }
    }
    if (p !== k) {
      swapRows(a, rowK, off + p * n, n);
      const t = perm[k]!; perm[k] = perm[p]!; perm[p] = t;
      info.permutationSign = -info.permutationSign;
    }
    const pivot = a[rowK + k]!;
    if (pivot === 0) {
      if (info.zeroPivot === 0) info.zeroPivot = k + 1;
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const rowI = off + i * n;
      const l = (a[rowI + k]! /= pivot);
      for (let c = k + 1; c < c1; c++) a[rowI + c]! -= l * a[rowK + c]!;
    }
  }
};

/** A row of n values, for `swapRows`, grown to the largest n. */
let rowScratch = new Float64Array(0);

/** Swaps the n-long rows at `rowK` and `rowP` of `a`, by native copies. */
function swapRows(a: Float64Array, rowK: number, rowP: number, n: number): void {
  if (rowScratch.length < n) rowScratch = new Float64Array(n);
  rowScratch.set(a.subarray(rowK, rowK + n));
  a.copyWithin(rowK, rowP, rowP + n);
  a.set(rowScratch.subarray(0, n), rowP);
}

/**
 * B := L^-1 B in place (B rows x cols at `bOff`), L the unit lower triangle of rows x rows at
 * `lOff`. Above `SOLVE_LEAF` rows, L = [L1 0; L2 L3] and B = [B1; B2] split into B1 := L1^-1 B1,
 * B2 -= L2 B1 (a product), B2 := L3^-1 B2. At the leaf, L's inverse is formed (rows^3 / 6
 * multiply-adds) and multiplies B through `gemm`, where the axpy loop (rows^2 cols / 2 multiply-adds
 * in JavaScript) took a sixth of a 256 factorization; L is unit lower with multipliers at most 1 in
 * magnitude (partial pivoting), so its inverse is well conditioned for a block this small. Products
 * too small for `gemm` keep the loop.
 */
function solveUnitLower(a: Float64Array, lOff: number, bOff: number, ld: number, rows: number, cols: number, products: BlockProducts): void {
  if (rows <= SOLVE_LEAF) {
    if (isSmallProduct(rows * rows * cols)) solveUnitLowerBySubstitution(a, lOff, bOff, ld, rows, cols);
    else solveUnitLowerByInverse(a, lOff, bOff, ld, rows, cols, products);
    return;
  }
  const r1 = splitPoint(rows);
  const r2 = rows - r1;
  solveUnitLower(a, lOff, bOff, ld, r1, cols, products);
  subtractProduct(a, bOff + r1 * ld, lOff + r1 * ld, bOff, ld, r2, r1, cols, false, products);
  solveUnitLower(a, lOff + r1 * ld + r1, bOff + r1 * ld, ld, r2, cols, products);
}

/** The leaf of `solveUnitLower` as a loop: row i of B subtracts L[i][j] times the solved rows j < i (unit-stride axpys). */
function solveUnitLowerBySubstitution(a: Float64Array, lOff: number, bOff: number, ld: number, rows: number, cols: number): void {
  for (let i = 1; i < rows; i++) {
    const rowI = bOff + i * ld;
    for (let j = 0; j < i; j++) {
      const l = a[lOff + i * ld + j]!;
      const rowJ = bOff + j * ld;
      for (let c = 0; c < cols; c++) a[rowI + c]! -= l * a[rowJ + c]!;
    }
  }
}

/** The leaf of `solveUnitLower` as B := L^-1 B, one product through `gemm`. */
function solveUnitLowerByInverse(a: Float64Array, lOff: number, bOff: number, ld: number, rows: number, cols: number, products: BlockProducts): void {
  const inverse = inverseScratch(rows);
  // Row i of M = L^-1: M[i][j] = -(L[i][j:i] . M[j:i][j]) for j < i, M[i][i] = 1 (the column of M strided, at most 16 long).
  for (let i = 0; i < rows; i++) {
    const rowL = lOff + i * ld;
    for (let j = 0; j < i; j++) {
      let s = a[rowL + j]!;
      for (let p = j + 1; p < i; p++) s += a[rowL + p]! * inverse[p * rows + j]!;
      inverse[i * rows + j] = -s;
    }
    inverse[i * rows + i] = 1;
    inverse.fill(0, i * rows + i + 1, (i + 1) * rows);
  }
  replaceByProduct(a, bOff, ld, rows, rows, cols, { data: inverse, offset: 0, rowStride: rows, colStride: 1 }, blockView(a, bOff, ld), products);
}

/**
 * Solves A X = B from A's factors (`lu`, `perm` from `luInPlace`) for B n x k: X = U^-1 L^-1 P B,
 * written to `x` (n x k from `xOffset`), reading B from `b` (n x k from `bOffset`).
 * Loop order: the permuted rows of B are copied, then forward (unit lower) and back (upper)
 * substitution run row by row with unit-stride axpys, 2 n^2 k multiply-adds.
 */
export function luSolve(
  lu: Float64Array, luOffset: number, perm: Int32Array, n: number,
  b: Float64Array, bOffset: number, k: number,
  x: Float64Array, xOffset: number,
): void {
  if (k === 1) {
    luSolveVector(lu, luOffset, perm, n, b, bOffset, x, xOffset);
    return;
  }
  for (let i = 0; i < n; i++) {
    const src = bOffset + perm[i]! * k;
    const dst = xOffset + i * k;
    for (let c = 0; c < k; c++) x[dst + c] = b[src + c]!;
  }
  for (let i = 0; i < n; i++) {
    const rowI = xOffset + i * k;
    const luRow = luOffset + i * n;
    for (let j = 0; j < i; j++) {
      const f = lu[luRow + j]!;
      const rowJ = xOffset + j * k;
      for (let c = 0; c < k; c++) x[rowI + c]! -= f * x[rowJ + c]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    const rowI = xOffset + i * k;
    const luRow = luOffset + i * n;
    for (let j = i + 1; j < n; j++) {
      const f = lu[luRow + j]!;
      const rowJ = xOffset + j * k;
      for (let c = 0; c < k; c++) x[rowI + c]! -= f * x[rowJ + c]!;
    }
    const d = lu[luRow + i]!;
    for (let c = 0; c < k; c++) x[rowI + c]! /= d;
  }
}

/**
 * `luSolve` for one right-hand side: the substitutions as dot products of a row of L or U with the
 * solved part of x (unit stride along the row-major factors), where the k-column loop would run
 * once per (i, j).
 */
function luSolveVector(lu: Float64Array, luOffset: number, perm: Int32Array, n: number, b: Float64Array, bOffset: number, x: Float64Array, xOffset: number): void {
  for (let i = 0; i < n; i++) {
    x[xOffset + i] = b[bOffset + perm[i]!]! - dotProduct(lu, luOffset + i * n, x, xOffset, i);
  }
  for (let i = n - 1; i >= 0; i--) {
    const luRow = luOffset + i * n;
    const s = x[xOffset + i]! - dotProduct(lu, luRow + i + 1, x, xOffset + i + 1, n - i - 1);
    x[xOffset + i] = s / lu[luRow + i]!;
  }
}

/**
 * sum over j < length of a[aOffset + j] * b[bOffset + j], in four running sums (j mod 4) added at
 * the end: one running sum waits for each add to finish before the next (four cycles or so), four
 * overlap; the substitutions of one right-hand side took 282 us at n = 512 against 395 with one.
 */
function dotProduct(a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, length: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = 0;
  for (; j + 4 <= length; j += 4) {
    s0 += a[aOffset + j]! * b[bOffset + j]!;
    s1 += a[aOffset + j + 1]! * b[bOffset + j + 1]!;
    s2 += a[aOffset + j + 2]! * b[bOffset + j + 2]!;
    s3 += a[aOffset + j + 3]! * b[bOffset + j + 3]!;
  }
  for (; j < length; j++) s0 += a[aOffset + j]! * b[bOffset + j]!;
  return (s0 + s1) + (s2 + s3);
}

/**
 * sign(det A) and log|det A| from A's factors: the permutation's sign times the signs of U's diagonal,
 * and the sum of log|U[i][i]| (a sum of logs, so it neither overflows nor underflows as the product
 * would). A zero pivot gives sign 0 and -Infinity; NaN gives NaN for both.
 */
export function luSlogdet(lu: Float64Array, offset: number, n: number, permutationSign: number): { sign: number; logabsdet: number } {
  let sign = permutationSign;
  let logabsdet = 0;
  for (let i = 0; i < n; i++) {
    const d = lu[offset + i * n + i]!;
    if (d !== d) return { sign: NaN, logabsdet: NaN };
    if (d < 0) sign = -sign;
    else if (d === 0) sign = 0;
    logabsdet += Math.log(Math.abs(d));
  }
  return { sign, logabsdet };
}

/** det A from A's factors: the permutation's sign times the product of U's diagonal. */
export function luDet(lu: Float64Array, offset: number, n: number, permutationSign: number): number {
  let det = permutationSign;
  for (let i = 0; i < n; i++) det *= lu[offset + i * n + i]!;
  return det;
}

/**
 * The cofactor matrix det(A) A^-T of one matrix from its factors, also when A is singular: each
 * exactly zero pivot U[k][k] is replaced by `delta` (that column of L is zero below the diagonal, so
 * this is A plus delta in one entry), and det(A') A'^-T is formed. The cofactors are polynomials in
 * A's entries, so this is the cofactor matrix of A to O(delta); PyTorch's first-order det gradient
 * at singular matrices perturbs the LU the same way. `lu` is left unchanged.
 * Loop order: n solves against the identity (as `luSolve`), then a transposed, scaled copy.
 */
export function luCofactors(
  lu: Float64Array, offset: number, perm: Int32Array, n: number, permutationSign: number, delta: number,
  out: Float64Array, outOffset: number,
): void {
  const factors = lu.slice(offset, offset + n * n);
  for (let i = 0; i < n; i++) if (factors[i * n + i] === 0) factors[i * n + i] = delta;
  const det = luDet(factors, 0, n, permutationSign);
  const identity = new Float64Array(n * n);
  for (let i = 0; i < n; i++) identity[i * n + i] = 1;
  const inverse = new Float64Array(n * n);
  luSolve(factors, 0, perm, n, identity, 0, n, inverse, 0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[outOffset + i * n + j] = det * inverse[j * n + i]!;
}
