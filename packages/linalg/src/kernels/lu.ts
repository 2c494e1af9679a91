/**
 * LU factorization with partial pivoting, P A = L U, of one n x n matrix in place (as LAPACK's getrf),
 * and the solves and determinants built on it.
 */

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
 * unit-stride axpy along row-major rows; 2 n^3 / 3 multiply-adds.
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

/** C = A B for row-major A (m x k) and B (k x n): the blocked kernels' matrix product, passed in. */
export type Multiply = (a: Float64Array, b: Float64Array, m: number, k: number, n: number) => ArrayLike<number>;

/** Columns per block of `luBlockedInPlace`; below 2 blocks the unblocked loop is as fast. */
export const LU_BLOCK = 48;

/**
 * The same factorization as `luInPlace` (the same pivots, as LAPACK's getrf against getf2), blocked
 * so that most of the work is one matrix product per block column: for each panel of `LU_BLOCK`
 * columns, (1) the panel is factored with partial pivoting, swapping whole rows; (2) the block row
 * right of it becomes U12 = L11^-1 A12 (unit lower substitution, unit-stride axpys along rows);
 * (3) the trailing matrix takes A22 -= L21 U12 through `multiply` (the packed, register-blocked
 * matmul kernel of @nn/autograd). The unblocked loop streams the whole trailing matrix through
 * the cache once per column; this streams it once per block.
 */
export function luBlockedInPlace(a: Float64Array, n: number, perm: Int32Array, multiply: Multiply, offset = 0): LuInfo {
  if (n < 2 * LU_BLOCK) return luInPlace(a, n, perm, offset);
  let permutationSign = 1;
  let zeroPivot = 0;
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let k0 = 0; k0 < n; k0 += LU_BLOCK) {
    const k1 = Math.min(n, k0 + LU_BLOCK);
    // (1) The panel: columns k0..k1, all rows below k0.
    for (let k = k0; k < k1; k++) {
      const rowK = offset + k * n;
      let p = k;
      let best = Math.abs(a[rowK + k]!);
      for (let i = k + 1; i < n; i++) {
        const v = Math.abs(a[offset + i * n + k]!);
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
        const l = (a[rowI + k]! /= pivot);
        for (let c = k + 1; c < k1; c++) a[rowI + c]! -= l * a[rowK + c]!;
      }
    }
    if (k1 === n) break;
    const width = n - k1;
    const depth = k1 - k0;
    // (2) U12 = L11^-1 A12, row by row.
    for (let i = k0 + 1; i < k1; i++) {
      const rowI = offset + i * n;
      for (let j = k0; j < i; j++) {
        const l = a[rowI + j]!;
        const rowJ = offset + j * n;
        for (let c = k1; c < n; c++) a[rowI + c]! -= l * a[rowJ + c]!;
      }
    }
    // (3) A22 -= L21 U12.
    const l21 = new Float64Array(width * depth);
    for (let i = 0; i < width; i++) for (let j = 0; j < depth; j++) l21[i * depth + j] = a[offset + (k1 + i) * n + k0 + j]!;
    const u12 = new Float64Array(depth * width);
    for (let i = 0; i < depth; i++) u12.set(a.subarray(offset + (k0 + i) * n + k1, offset + (k0 + i) * n + n), i * width);
    const product = multiply(l21, u12, width, depth, width);
    for (let i = 0; i < width; i++) {
      const row = offset + (k1 + i) * n + k1;
      for (let c = 0; c < width; c++) a[row + c]! -= product[i * width + c]!;
    }
  }
  return { permutationSign, zeroPivot };
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
