/**
 * The symmetric eigenproblem A = V diag(w) V^T of one n x n matrix: Householder reduction to
 * tridiagonal form (as LAPACK's dsytd2), then the implicit QL algorithm with Wilkinson-like shifts
 * (EISPACK's tql2), accumulating the rotations into the eigenvectors.
 *
 * Accuracy: backward stable, so each eigenvalue is within O(eps ||A||) of the exact one and
 * ||A V - V diag(w)|| = O(eps ||A||); V is orthogonal to O(eps). Eigenvectors of close eigenvalues are
 * accurate only to O(eps ||A|| / gap), as with any method.
 * Cost: 4/3 n^3 flops for the reduction, 4/3 n^3 to form its orthogonal factor, and about 6 n^3
 * for the QL iterations on the eigenvectors (1 to 2 iterations per eigenvalue, each a sweep of
 * rotations over n-long rows).
 *
 * Results: eigenvalues ascending; each eigenvector scaled so that its component of largest magnitude
 * (the first of them on a tie) is positive. LAPACK's signs are arbitrary: this one is deterministic and
 * locally constant, so that finite differences of the eigenvectors are meaningful.
 */

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
 * entry gives NaN everywhere.
 */
export function symmetricEigen(a: Float64Array, offset: number, n: number, uplo: 'L' | 'U'): SymmetricEigen {
  const work = new Float64Array(n * n);
  let finite = true;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = uplo === 'L' ? a[offset + i * n + j]! : a[offset + j * n + i]!;
      if (!Number.isFinite(v)) finite = false;
      work[i * n + j] = v;
      work[j * n + i] = v;
    }
  }
  if (!finite) return { values: new Float64Array(n).fill(NaN), vectorsT: new Float64Array(n * n).fill(NaN), converged: true };
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(Math.max(n - 2, 0));
  tridiagonalize(work, n, d, e, tau);
  const vectorsT = orthogonalFactorT(work, n, tau);
  const converged = tridiagonalQL(d, e, vectorsT, n);
  sortAscending(d, vectorsT, n);
  fixSigns(vectorsT, n, n);
  return { values: d, vectorsT, converged };
}

/**
 * Reduces the full symmetric matrix `w` (n x n, both triangles) to tridiagonal T = Q^T A Q:
 * diagonal d, off-diagonal e[0 .. n-2]. Reflector k (acting on indices k+1 ...) is kept in row k
 * (w[k][k+2 ...], with v[k+1] = 1) and tau[k].
 */
function tridiagonalize(w: Float64Array, n: number, d: Float64Array, e: Float64Array, tau: Float64Array): void {
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const row = k * n;
    d[k] = w[row + k]!;
    // Row k right of the diagonal is column k below it (the matrix is symmetric).
    const t = makeReflectorInRow(w, row + k + 1, row + n);
    tau[k] = t;
    e[k] = w[row + k + 1]!;
    if (t === 0) continue;
    const v0 = row + k + 1; // v[i] = w[v0 + (i - (k + 1))], v[k + 1] = 1
    w[v0] = 1;
    // p = t * B v, B the trailing block; then wv = p - (t / 2)(p . v) v; B -= v wv^T + wv v^T.
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      let s = 0;
      for (let j = k + 1; j < n; j++) s += w[ri + j]! * w[v0 + j - k - 1]!;
      p[i] = t * s;
      pv += p[i]! * w[v0 + i - k - 1]!;
    }
    const half = -0.5 * t * pv;
    for (let i = k + 1; i < n; i++) p[i] = p[i]! + half * w[v0 + i - k - 1]!;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const vi = w[v0 + i - k - 1]!;
      const pi = p[i]!;
      for (let j = k + 1; j < n; j++) w[ri + j] = w[ri + j]! - vi * p[j]! - pi * w[v0 + j - k - 1]!;
    }
    w[v0] = e[k]!;
  }
  if (n >= 2) {
    d[n - 2] = w[(n - 2) * n + n - 2]!;
    e[n - 2] = w[(n - 2) * n + n - 1]!;
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
function orthogonalFactorT(w: Float64Array, n: number, tau: Float64Array): Float64Array {
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
  // Transpose in place: the QL rotations then act on contiguous rows.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = q[i * n + j]!;
      q[i * n + j] = q[j * n + i]!;
      q[j * n + i] = x;
    }
  }
  return q;
}

/**
 * Implicit QL on the tridiagonal (d, e[0 .. n-2]), applying each rotation to the rows of `zt`
 * (row i of zt is column i of the eigenvector matrix). Returns false if it does not converge.
 */
function tridiagonalQL(d: Float64Array, e: Float64Array, zt: Float64Array, n: number): boolean {
  if (n > 0) e[n - 1] = 0;
  const eps = 2 ** -52;
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
        let r = Math.hypot(p, 1);
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
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          rotateRows(zt, i * n, (i + 1) * n, n, c, s);
        }
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

/** (row a, row b) <- (c a - s b, s a + c b) over n entries: one Givens rotation of two eigenvectors. */
function rotateRows(z: Float64Array, a: number, b: number, n: number, c: number, s: number): void {
  for (let k = 0; k < n; k++) {
    const h = z[b + k]!;
    const x = z[a + k]!;
    z[b + k] = s * x + c * h;
    z[a + k] = c * x - s * h;
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
