/**
 * The symmetric eigenproblem A = V diag(w) V^T of one n x n matrix: Householder reduction to
 * tridiagonal form T = Q^T A Q (lower triangle, as LAPACK's dsytd2, or blocked as dsytrd from
 * n = 2 REFLECTOR_BLOCK when a product is given), then
 * - from that size, the eigenvalues of T by implicit QL without vectors, its eigenvectors by inverse
 *   iteration (./tridiagonal-vectors.ts, as dstein), and V = Q Z by blocks of reflectors applied
 *   with matrix products (as dormtr); if inverse iteration fails, the path below is taken;
 * - below it, the implicit QL algorithm with Wilkinson-like shifts (EISPACK's tql2), accumulating
 *   the rotations into the explicitly formed Q.
 *
 * Accuracy: backward stable, so each eigenvalue is within O(eps ||A||) of the exact one and
 * ||A V - V diag(w)|| = O(eps ||A||); V is orthogonal to O(eps) (see ./tridiagonal-vectors.ts for
 * inverse iteration's bound). Eigenvectors of close eigenvalues are accurate only to
 * O(eps ||A|| / gap), as with any method.
 * Cost, large path: 4/3 n^3 flops for the reduction (half in products), O(n^2) for the tridiagonal
 * problem outside clusters, 2 n^3 to apply the reflectors (products). Small path: 4/3 n^3 for the
 * reduction, 4/3 n^3 to form Q, about 6 n^3 for the QL iterations on the eigenvectors (1 to 2
 * iterations per eigenvalue, each a sweep of rotations over n-long rows, applied four at a time).
 *
 * Results: eigenvalues ascending; each eigenvector scaled so that its component of largest magnitude
 * (the first of them on a tie) is positive. LAPACK's signs are arbitrary: this one is deterministic and
 * locally constant, so that finite differences of the eigenvectors are meaningful.
 */

import { gatherBlock, subtractBlock } from './blocks.js';
import type { Multiply } from './blocks.js';
import { blockEigenvectors } from './tridiagonal-vectors.js';
import { tridiagonalizeBlocked } from './tridiagonalize-blocked.js';

/** Reflectors per block when the orthogonal factor is formed with matrix products. */
export const REFLECTOR_BLOCK = 32;

/** At most this many QL iterations per eigenvalue before the solver reports no convergence. */
const MAX_ITERATIONS_PER_EIGENVALUE = 60;

/** The eigendecomposition of one matrix. */
export interface SymmetricEigen {
  /** n eigenvalues, ascending. */
  readonly values: Float64Array;
  /** n x n row-major: row i is the eigenvector of values[i] (that is, V^T). */
  readonly vectorsT: Float64Array;
  /** False when the QL iteration did not converge (the results are then not to be used). */
  readonly converged: boolean;
}

/**
 * Eigenvalues and eigenvectors of the symmetric matrix whose `uplo` triangle ('L' lower, 'U' upper)
 * is the n x n row-major block of `a` at `offset` (the other triangle is not read). A non-finite
 * entry gives NaN everywhere. With `multiply` (and n >= 2 blocks), the orthogonal factor of the
 * reduction is formed by blocks of reflectors applied with matrix products.
 */
export function symmetricEigen(a: Float64Array, offset: number, n: number, uplo: 'L' | 'U', multiply?: Multiply): SymmetricEigen {
  const work = new Float64Array(n * n);
  let finite = true;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = uplo === 'L' ? a[offset + i * n + j]! : a[offset + j * n + i]!;
      if (!Number.isFinite(v)) finite = false;
      // The lower triangle only: the reductions read no other.
      work[i * n + j] = v;
    }
  }
  if (!finite) return { values: new Float64Array(n).fill(NaN), vectorsT: new Float64Array(n * n).fill(NaN), converged: true };
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(Math.max(n - 2, 0));
  const blocked = multiply !== undefined && n >= 2 * REFLECTOR_BLOCK;
  if (blocked) tridiagonalizeBlocked(work, n, d, e, tau, multiply);
  else tridiagonalize(work, n, d, e, tau);
  if (blocked) {
    const tridiagonal = eigenByInverseIteration(d, e, n);
    if (tridiagonal !== null) {
      // Row i of V^T is (Q z_i)^T: the reflectors applied to the rows by blocks, Q never formed.
      const vectorsT = tridiagonal.vectorsT;
      applyOrthogonalFactorT(vectorsT, n, work, tau, multiply);
      sortAscending(tridiagonal.values, vectorsT, n);
      fixSigns(vectorsT, n, n);
      return { values: tridiagonal.values, vectorsT, converged: true };
    }
  }
  const vectorsT = multiply !== undefined && n >= 2 * REFLECTOR_BLOCK ? blockedOrthogonalFactorT(work, n, tau, multiply) : orthogonalFactorT(work, n, tau);
  const converged = tridiagonalQL(d, e, vectorsT, n);
  sortAscending(d, vectorsT, n);
  fixSigns(vectorsT, n, n);
  return { values: d, vectorsT, converged };
}

/**
 * Reduces the symmetric matrix held in the lower triangle of `w` (n x n) to tridiagonal
 * T = Q^T A Q: diagonal d, off-diagonal e[0 .. n-2]. Only the lower triangle is read and updated
 * (dsytd2 with uplo 'L'), 4/3 n^3 flops. Reflector k (acting on indices k+1 ...) is kept in the upper
 * part of row k (w[k][k+2 ...], with v[k+1] = 1) and tau[k].
 */
export function tridiagonalize(w: Float64Array, n: number, d: Float64Array, e: Float64Array, tau: Float64Array): void {
  const p = new Float64Array(n);
  const v = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const row = k * n;
    d[k] = w[row + k]!;
    // Column k below the diagonal, copied into row k right of it, becomes the reflector there.
    for (let i = k + 1; i < n; i++) w[row + i] = w[i * n + k]!;
    const t = makeReflectorInRow(w, row + k + 1, row + n);
    tau[k] = t;
    e[k] = w[row + k + 1]!;
    if (t === 0) continue;
    v[k + 1] = 1;
    for (let j = k + 2; j < n; j++) v[j] = w[row + j]!;
    // p = t * B v from B's lower triangle (each entry below the diagonal serves two products).
    p.fill(0, k + 1, n);
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const vi = v[i]!;
      let sum = 0;
      for (let j = k + 1; j < i; j++) {
        const a = w[ri + j]!;
        sum += a * v[j]!;
        p[j] = p[j]! + a * vi;
      }
      p[i] = p[i]! + sum + w[ri + i]! * vi;
    }
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i] = t * p[i]!;
      pv += p[i]! * v[i]!;
    }
    // wv = p - (t / 2)(p . v) v; B -= v wv^T + wv v^T, on the lower triangle.
    const half = -0.5 * t * pv;
    for (let i = k + 1; i < n; i++) p[i] = p[i]! + half * v[i]!;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const vi = v[i]!;
      const pi = p[i]!;
      for (let j = k + 1; j <= i; j++) w[ri + j] = w[ri + j]! - vi * p[j]! - pi * v[j]!;
    }
  }
  if (n >= 2) {
    d[n - 2] = w[(n - 2) * n + n - 2]!;
    e[n - 2] = w[(n - 1) * n + n - 2]!;
  }
  if (n >= 1) d[n - 1] = w[(n - 1) * n + n - 1]!;
}

/** dlarfg on w[start ... end) (see householder.ts): x[0] becomes beta, x[1 ...] becomes v[1 ...]. */
function makeReflectorInRow(w: Float64Array, start: number, end: number): number {
  const alpha = w[start]!;
  let scale = 0;
  for (let i = start + 1; i < end; i++) scale = Math.max(scale, Math.abs(w[i]!));
  if (scale === 0) return 0;
  let sum = 0;
  for (let i = start + 1; i < end; i++) {
    const r = w[i]! / scale;
    sum += r * r;
  }
  const beta = -(alpha >= 0 ? 1 : -1) * Math.hypot(alpha, scale * Math.sqrt(sum));
  const inv = 1 / (alpha - beta);
  for (let i = start + 1; i < end; i++) w[i] = w[i]! * inv;
  w[start] = beta;
  return (beta - alpha) / beta;
}

/** Q^T (n x n, row-major) of the reduction, Q = H_0 H_1 ... H_{n-3}, by backward accumulation. */
export function orthogonalFactorT(w: Float64Array, n: number, tau: Float64Array): Float64Array {
  // q holds Q row-major; H_k touches rows and columns k+1 ... only.
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const r = new Float64Array(n);
  for (let k = n - 3; k >= 0; k--) {
    const t = tau[k]!;
    if (t === 0) continue;
    const v0 = k * n + k + 1;
    const lo = k + 1;
    // q[lo.., lo..] -= t v (v^T q[lo.., lo..]); v[lo] = 1.
    r.fill(0, lo, n);
    for (let i = lo; i < n; i++) {
      const vi = i === lo ? 1 : w[v0 + i - lo]!;
      const qi = i * n;
      for (let j = lo; j < n; j++) r[j] = r[j]! + vi * q[qi + j]!;
    }
    for (let i = lo; i < n; i++) {
      const f = t * (i === lo ? 1 : w[v0 + i - lo]!);
      const qi = i * n;
      for (let j = lo; j < n; j++) q[qi + j] = q[qi + j]! - f * r[j]!;
    }
  }
  // Transposed: the QL rotations then act on contiguous rows.
  transposeInPlace(q, n);
  return q;
}

/**
 * `orthogonalFactorT` by blocks of b reflectors, last block first: H_j0 ... H_j1-1 = I - Y T Y^T
 * (the compact WY form, T upper triangular as LAPACK's dlarft builds it), applied to the trailing
 * rows and columns of the partial product with two matrix products (LAPACK's dorgtr by dlarfb).
 * The same 4/3 n^3 flops as the loop, at the speed of the matmul kernel.
 */
export function blockedOrthogonalFactorT(w: Float64Array, n: number, tau: Float64Array, multiply: Multiply): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const reflectors = tau.length;
  const blocks = Math.ceil(reflectors / REFLECTOR_BLOCK);
  for (let block = blocks - 1; block >= 0; block--) {
    const j0 = block * REFLECTOR_BLOCK;
    const b = Math.min(REFLECTOR_BLOCK, reflectors - j0);
    const lo = j0 + 1;
    const s = n - lo;
    const { y, yt, t } = compactWY(w, n, tau, j0, b);
    // S = q[lo.., lo..]; S -= Y (T (Y^T S)).
    const sub = new Float64Array(s * s);
    for (let i = 0; i < s; i++) sub.set(q.subarray((lo + i) * n + lo, (lo + i) * n + n), i * s);
    const yts = multiply(yt, sub, b, s, s);
    const tyts = new Float64Array(b * s);
    for (let r = 0; r < b; r++) {
      for (let p = r; p < b; p++) {
        const f = t[r * b + p]!;
        if (f === 0) continue;
        for (let j = 0; j < s; j++) tyts[r * s + j] = tyts[r * s + j]! + f * yts[p * s + j]!;
      }
    }
    const update = multiply(y, tyts, s, b, s);
    for (let i = 0; i < s; i++) {
      const row = (lo + i) * n + lo;
      for (let j = 0; j < s; j++) q[row + j] = sub[i * s + j]! - update[i * s + j]!;
    }
  }
  transposeInPlace(q, n);
  return q;
}

/**
 * The compact WY form of reflectors j0 ... j0+b-1 of the reduction: H_j0 ... H_j0+b-1 = I - Y T Y^T
 * on rows and columns lo = j0+1 ..., with Y (s x b, s = n - lo) and Y^T (b x s) both returned
 * (column c of Y is v_{j0+c}, zero above its 1) and T (b x b) upper triangular as LAPACK's dlarft.
 */
function compactWY(w: Float64Array, n: number, tau: Float64Array, j0: number, b: number): { y: Float64Array; yt: Float64Array; t: Float64Array } {
  const lo = j0 + 1;
  const s = n - lo;
    // Y (s x b) and Y^T (b x s): column c holds v_{j0 + c} on rows lo ..., zero above its 1.
    const y = new Float64Array(s * b);
    const yt = new Float64Array(b * s);
    for (let c = 0; c < b; c++) {
      const k = j0 + c;
      for (let i = k + 1; i < n; i++) {
        const v = i === k + 1 ? 1 : w[k * n + i]!;
        y[(i - lo) * b + c] = v;
        yt[c * s + (i - lo)] = v;
      }
    }
    // T: T[c][c] = tau_c, T[0:c, c] = -tau_c T[0:c, 0:c] (Y[:, 0:c]^T y_c).
    const t = new Float64Array(b * b);
    const z = new Float64Array(b);
    for (let c = 0; c < b; c++) {
      const tc = tau[j0 + c]!;
      for (let r = 0; r < c; r++) {
        let dot = 0;
        for (let i = 0; i < s; i++) dot += yt[r * s + i]! * yt[c * s + i]!;
        z[r] = dot;
      }
      for (let r = 0; r < c; r++) {
        let sum = 0;
        for (let p = r; p < c; p++) sum += t[r * b + p]! * z[p]!;
        t[r * b + c] = -tc * sum;
      }
      t[c * b + c] = tc;
    }
  return { y, yt, t };
}

/**
 * X := X Q^T for the reduction's Q = H_0 ... H_{n-3} and X n x n row-major (row i of the result is
 * (Q x_i)^T for row x_i of X), by blocks of REFLECTOR_BLOCK reflectors, last block first:
 * X[:, lo ...] -= ((X[:, lo ...] Y) T^T) Y^T, two matrix products per block (LAPACK's dormtr by
 * dlarfb). 2 n^3 flops, against 4/3 n^3 to form Q and 2 n^3 to multiply by it.
 */
export function applyOrthogonalFactorT(x: Float64Array, n: number, w: Float64Array, tau: Float64Array, multiply: Multiply): void {
  const reflectors = tau.length;
  const blocks = Math.ceil(reflectors / REFLECTOR_BLOCK);
  for (let block = blocks - 1; block >= 0; block--) {
    const j0 = block * REFLECTOR_BLOCK;
    const b = Math.min(REFLECTOR_BLOCK, reflectors - j0);
    const lo = j0 + 1;
    const s = n - lo;
    const { y, yt, t } = compactWY(w, n, tau, j0, b);
    const columns = gatherBlock(x, lo, n, n, s);
    const xy = multiply(columns, y, n, s, b);
    // (X Y) T^T: entry (i, r) is the sum over p >= r of (X Y)[i][p] T[r][p].
    const xyt = new Float64Array(n * b);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < b; r++) {
        let sum = 0;
        for (let p = r; p < b; p++) sum += xy[i * b + p]! * t[r * b + p]!;
        xyt[i * b + r] = sum;
      }
    }
    subtractBlock(x, lo, n, multiply(xyt, yt, n, b, s), n, s);
  }
}

function transposeInPlace(q: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = q[i * n + j]!;
      q[i * n + j] = q[j * n + i]!;
      q[j * n + i] = x;
    }
  }
}

/**
 * The eigenvalues of the tridiagonal (d, e[0 .. n-2]) by QL without vectors, block by block where
 * an off-diagonal entry is negligible (|e_i| <= eps (|d_i| + |d_i+1|)), and the eigenvectors of T by
 * inverse iteration within each block (./tridiagonal-vectors.ts); `vectorsT` row i is the vector of
 * `values[i]`, the values ascending within each block. Null when QL or inverse iteration fails (the
 * caller then runs QL with the rotations applied). d and e are not modified.
 */
function eigenByInverseIteration(d: Float64Array, e: Float64Array, n: number): { values: Float64Array; vectorsT: Float64Array } | null {
  const values = new Float64Array(n);
  const vectorsT = new Float64Array(n * n);
  const eps = 2 ** -52;
  let lo = 0;
  for (let i = 0; i < n; i++) {
    if (i < n - 1 && Math.abs(e[i]!) > eps * (Math.abs(d[i]!) + Math.abs(d[i + 1]!))) continue;
    const hi = i + 1;
    const size = hi - lo;
    const blockD = d.slice(lo, hi);
    const blockE = new Float64Array(size);
    blockE.set(e.subarray(lo, hi - 1));
    if (!tridiagonalQL(blockD, blockE, null, size)) return null;
    blockD.sort();
    values.set(blockD, lo);
    if (!blockEigenvectors(d, e, lo, hi, values, lo, size, vectorsT, lo * n, n)) return null;
    lo = hi;
  }
  return { values, vectorsT };
}

/**
 * Implicit QL on the tridiagonal (d, e[0 .. n-2]), applying each rotation to the rows of `zt`
 * (row i of zt is column i of the eigenvector matrix) unless it is null. Returns false if it does
 * not converge.
 */
function tridiagonalQL(d: Float64Array, e: Float64Array, zt: Float64Array | null, n: number): boolean {
  if (n > 0) e[n - 1] = 0;
  const eps = 2 ** -52;
  // The rotations of one sweep, by the lower row of the pair: computed first, then applied together.
  const cs = new Float64Array(n);
  const ss = new Float64Array(n);
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > eps * tst1) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > MAX_ITERATIONS_PER_EIGENVALUE) return false;
        // The shift: the eigenvalue of the leading 2 x 2 block nearer d[l].
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        // The implicit QL sweep from m - 1 up to l.
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          cs[i] = c;
          ss[i] = s;
        }
        if (zt !== null) applySweep(zt, n, l, m, cs, ss);
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  return true;
}

/**
 * sqrt(a^2 + b^2) without overflow or harmful underflow, NaN for a NaN argument: Math.hypot's
 * result to an ulp or two, for the QL iteration's two calls per rotation, where Math.hypot (which
 * V8 runs as a generic variadic builtin) took a tenth of the eigensolver's time at n = 256.
 */
function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const big = x > y ? x : y;
  const small = x > y ? y : x;
  if (big === 0 || big === Infinity) return big;
  const r = small / big;
  return big * Math.sqrt(1 + r * r);
}

/**
 * The rotations of a QL sweep, i = m - 1 down to l, each (row i, row i+1) <- (c x - s h, s x + c h)
 * for x = row i and h = row i + 1 as the previous rotation left it. Four consecutive rotations go
 * through the rows in one pass, the running row kept in a register: 5 loads and 5 stores per column
 * instead of 16, the cost that dominates the eigensolver.
 */
function applySweep(z: Float64Array, n: number, l: number, m: number, cs: Float64Array, ss: Float64Array): void {
  let i = m - 1;
  for (; i - 3 >= l; i -= 4) {
    const c0 = cs[i]!, s0 = ss[i]!, c1 = cs[i - 1]!, s1 = ss[i - 1]!;
    const c2 = cs[i - 2]!, s2 = ss[i - 2]!, c3 = cs[i - 3]!, s3 = ss[i - 3]!;
    const r4 = (i + 1) * n, r3 = i * n, r2 = (i - 1) * n, r1 = (i - 2) * n, r0 = (i - 3) * n;
    for (let k = 0; k < n; k++) {
      let h = z[r4 + k]!;
      let x = z[r3 + k]!;
      z[r4 + k] = s0 * x + c0 * h;
      h = c0 * x - s0 * h;
      x = z[r2 + k]!;
      z[r3 + k] = s1 * x + c1 * h;
      h = c1 * x - s1 * h;
      x = z[r1 + k]!;
      z[r2 + k] = s2 * x + c2 * h;
      h = c2 * x - s2 * h;
      x = z[r0 + k]!;
      z[r1 + k] = s3 * x + c3 * h;
      z[r0 + k] = c3 * x - s3 * h;
    }
  }
  for (; i >= l; i--) {
    const c = cs[i]!, s = ss[i]!;
    const a = i * n, b = (i + 1) * n;
    for (let k = 0; k < n; k++) {
      const h = z[b + k]!;
      const x = z[a + k]!;
      z[b + k] = s * x + c * h;
      z[a + k] = c * x - s * h;
    }
  }
}

/** Sorts the eigenvalues ascending, moving the rows of `zt` with them (a selection sort: n swaps). */
function sortAscending(d: Float64Array, zt: Float64Array, n: number): void {
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    for (let j = i + 1; j < n; j++) if (d[j]! < d[k]!) k = j;
    if (k === i) continue;
    const t = d[i]!;
    d[i] = d[k]!;
    d[k] = t;
    for (let j = 0; j < n; j++) {
      const x = zt[i * n + j]!;
      zt[i * n + j] = zt[k * n + j]!;
      zt[k * n + j] = x;
    }
  }
}

/**
 * Scales each of the `count` rows (length n) of `rows` by -1 where needed so that its entry of largest
 * magnitude (the first of them on a tie) is positive. Returns the sign applied to each row.
 */
export function fixSigns(rows: Float64Array, count: number, n: number): Int8Array {
  const signs = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const base = i * n;
    let best = 0;
    let at = base;
    for (let j = 0; j < n; j++) {
      const v = Math.abs(rows[base + j]!);
      if (v > best) {
        best = v;
        at = base + j;
      }
    }
    const flip = rows[at]! < 0;
    signs[i] = flip ? -1 : 1;
    if (flip) for (let j = 0; j < n; j++) rows[base + j] = -rows[base + j]!;
  }
  return signs;
}
