/**
 * Eigenvectors of a symmetric tridiagonal matrix T (diagonal d, off-diagonal e) from its computed
 * eigenvalues, by inverse iteration with reorthogonalization inside clusters (LAPACK's dstein, the
 * eigenvector step of dsyevx): for each eigenvalue w, a few solves (T - w I) x_new = x_old, each O(n)
 * with the tridiagonal LU, from a fixed pseudo-random start.
 *
 * Why: the QL iteration with eigenvectors applies about 3 n^2 rotations to n-long rows, 6 n^3 flops
 * in JavaScript, the bulk of a dense eigh. Inverse iteration costs O(n^2) outside clusters, and the
 * eigenvectors of A then come from one matrix product with the reduction's orthogonal factor.
 *
 * Accuracy: each vector has a residual ||T z - w z|| of O(eps ||T||). At every iteration a vector
 * is made orthogonal, by modified Gram-Schmidt, to the vectors already computed whose eigenvalues lie
 * within 1e-3 ||T|| of its own (dstein's ORTOL); vectors whose eigenvalues are further apart are
 * orthogonal to O(eps ||T|| / gap) <= O(1e3 eps) without it. (dstein reorthogonalizes against a
 * whole chain of eigenvalues each within ORTOL of the next, which on a dense spectrum is most of
 * it, and O(n^3); the window gives the same bound at O(n^2) for such spectra.) Equal or nearly
 * equal computed eigenvalues are first pulled apart by 10 eps |w| (dstein's PERTOL), so that each
 * iteration has a distinct shift.
 * Cost: about 10 n flops per iteration and eigenvalue, 3 to 5 iterations, plus 4 n c flops per
 * iteration for a vector with c eigenvalues within ORTOL below it (O(n^3) only when the whole
 * spectrum lies within 1e-3 ||T||, as for a multiple of the identity plus a tiny perturbation).
 */

/** Inverse iterations per eigenvalue before dstein gives up on a vector (its MAXITS). */
const MAX_ITERATIONS = 5;
/** Iterations done after the growth test first passes (dstein's EXTRA). */
const EXTRA = 2;
const EPS = 2 ** -52;

/**
 * Writes into `zt` (count x n, row-major) the unit eigenvector of the tridiagonal (d, e[0 .. n-2])
 * for each of `values[first .. first + count)` (ascending, all eigenvalues of the unreduced block
 * rows `lo .. hi` of T): row r of zt gets the vector of values[first + r], nonzero on lo .. hi only.
 * Returns false when some vector did not pass the growth test within MAX_ITERATIONS (the caller
 * then takes another method).
 */
export function blockEigenvectors(
  d: Float64Array, e: Float64Array, lo: number, hi: number,
  values: Float64Array, first: number, count: number,
  zt: Float64Array, ztOffset: number, n: number,
): boolean {
  const size = hi - lo;
  if (size === 1) {
    for (let r = 0; r < count; r++) zt[ztOffset + r * n + lo] = 1;
    return true;
  }
  // The block's 1-norm, and the thresholds dstein derives from it.
  let norm = Math.abs(d[lo]!) + Math.abs(e[lo]!);
  for (let i = lo + 1; i < hi; i++) norm = Math.max(norm, Math.abs(d[i]!) + Math.abs(e[i - 1]!) + (i < hi - 1 ? Math.abs(e[i]!) : 0));
  const ortol = 1e-3 * norm;
  const growth = Math.sqrt(0.1 / size);
  const tol = EPS * norm;
  // The LU of T - w I with partial pivoting (dlagtf): U's three diagonals, the multipliers and swaps.
  const u0 = new Float64Array(size);
  const u1 = new Float64Array(size);
  const u2 = new Float64Array(size);
  const mult = new Float64Array(size);
  const swapped = new Uint8Array(size);
  const x = new Float64Array(size);
  let seed = 2463534242;
  let windowStart = 0;
  let previous = 0;
  for (let r = 0; r < count; r++) {
    let w = values[first + r]!;
    if (r > 0) {
      const separation = 10 * EPS * Math.abs(w);
      if (w - previous < separation) w = previous + separation;
    }
    previous = w;
    factor(d, e, lo, size, w, u0, u1, u2, mult, swapped, tol);
    // A fixed pseudo-random start in [-1, 1) (dstein uses dlarnv's uniform numbers), by xorshift32:
    // integer operations only, where a floating-point remainder per entry cost a tenth of the time.
    for (let i = 0; i < size; i++) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      x[i] = (seed | 0) / 2147483648;
    }
    let passed = 0;
    let converged = false;
    for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      // Scaled as dstein scales before each solve, so that a converged vector grows past `growth`.
      let sum = 0;
      for (let i = 0; i < size; i++) sum += Math.abs(x[i]!);
      const scale = (size * norm * Math.max(EPS, Math.abs(u0[size - 1]!))) / sum;
      for (let i = 0; i < size; i++) x[i] = x[i]! * scale;
      solve(size, u0, u1, u2, mult, swapped, x);
      // Modified Gram-Schmidt against the vectors so far whose eigenvalues lie within ORTOL.
      while (values[first + windowStart]! < w - ortol && windowStart < r) windowStart++;
      for (let q = windowStart; q < r; q++) {
        const row = ztOffset + q * n + lo;
        let dot = 0;
        for (let i = 0; i < size; i++) dot += x[i]! * zt[row + i]!;
        for (let i = 0; i < size; i++) x[i] = x[i]! - dot * zt[row + i]!;
      }
      let largest = 0;
      for (let i = 0; i < size; i++) largest = Math.max(largest, Math.abs(x[i]!));
      if (!(largest >= growth)) continue;
      if (++passed < EXTRA + 1) continue;
      converged = true;
      break;
    }
    if (!converged) return false;
    let squares = 0;
    for (let i = 0; i < size; i++) squares += x[i]! * x[i]!;
    const inv = 1 / Math.sqrt(squares);
    if (!Number.isFinite(inv)) return false;
    const row = ztOffset + r * n + lo;
    for (let i = 0; i < size; i++) zt[row + i] = x[i]! * inv;
  }
  return true;
}

/**
 * T - w I = P L U for the block (dlagtf). Elimination runs down the rows, each step choosing the
 * larger of the current row's diagonal and the subdiagonal below it as pivot; U row k then has up
 * to three entries (u2 only after a swap). A pivot smaller than `tol` in magnitude is raised to
 * `tol` with its sign (dlagts with job -1), so the solves never divide by zero.
 */
function factor(
  d: Float64Array, e: Float64Array, lo: number, size: number, w: number,
  u0: Float64Array, u1: Float64Array, u2: Float64Array, mult: Float64Array, swapped: Uint8Array, tol: number,
): void {
  let p0 = d[lo]! - w;
  let p1 = size > 1 ? e[lo]! : 0;
  for (let k = 0; k < size - 1; k++) {
    const sub = e[lo + k]!;
    const nextDiagonal = d[lo + k + 1]! - w;
    const nextSuper = k + 1 < size - 1 ? e[lo + k + 1]! : 0;
    if (Math.abs(p0) >= Math.abs(sub)) {
      swapped[k] = 0;
      u0[k] = p0;
      u1[k] = p1;
      u2[k] = 0;
      const l = p0 === 0 ? 0 : sub / p0;
      mult[k] = l;
      p0 = nextDiagonal - l * p1;
      p1 = nextSuper;
    } else {
      swapped[k] = 1;
      u0[k] = sub;
      u1[k] = nextDiagonal;
      u2[k] = nextSuper;
      const l = p0 / sub;
      mult[k] = l;
      p0 = p1 - l * nextDiagonal;
      p1 = -l * nextSuper;
    }
  }
  u0[size - 1] = p0;
  for (let k = 0; k < size; k++) {
    const u = u0[k]!;
    if (Math.abs(u) < tol) u0[k] = u < 0 ? -tol : tol;
  }
}

/** x := U^-1 L^-1 P x with the factors of `factor`. */
function solve(size: number, u0: Float64Array, u1: Float64Array, u2: Float64Array, mult: Float64Array, swapped: Uint8Array, x: Float64Array): void {
  for (let k = 0; k < size - 1; k++) {
    if (swapped[k] === 1) {
      const t = x[k]!;
      x[k] = x[k + 1]!;
      x[k + 1] = t - mult[k]! * x[k]!;
    } else {
      x[k + 1] = x[k + 1]! - mult[k]! * x[k]!;
    }
  }
  x[size - 1] = x[size - 1]! / u0[size - 1]!;
  if (size > 1) x[size - 2] = (x[size - 2]! - u1[size - 2]! * x[size - 1]!) / u0[size - 2]!;
  for (let k = size - 3; k >= 0; k--) x[k] = (x[k]! - u1[k]! * x[k + 1]! - u2[k]! * x[k + 2]!) / u0[k]!;
}
