/**
 * The singular value decomposition A = U diag(s) V^T of one m x n matrix: Householder QR first
 * (A = Q R, or of A^T when m < n), then one-sided Jacobi (Hestenes) on the k x k triangle R,
 * k = min(m, n): pairs of columns are rotated until all are orthogonal to working precision; their
 * norms are the singular values, the normalized columns U_R, the accumulated rotations V.
 * U = Q U_R (and, for the full U, the remaining columns of the complete Q).
 *
 * Accuracy: high relative accuracy for the singular values of R (Demmel and Veselic), so the result
 * is as accurate as the QR step allows: each s_i within O(eps ||A||); U and V orthogonal to O(eps).
 * Cost: the QR (2 m k^2 flops), then per Jacobi sweep about 7 k^3 flops; 8 to 11 sweeps (the last
 * one only checks) from the identity. From k = 24 on (with a matrix product given) the sweeps start
 * from the eigenvectors of R^T R, an eigh and two products, and then take 2 or 3. Slower than
 * LAPACK's bidiagonal methods for k in the hundreds.
 *
 * Results: s descending; each pair (u_i, v_i) scaled by -1 where needed so that the component of u_i
 * of largest magnitude is positive. For a singular value at the rounding level (below
 * 2 max(k, 2) eps s_max, zero included), u_i completes the basis (Gram-Schmidt on unit vectors): its
 * direction is not determined by A to working precision anyway.
 */
import { householderQR, writeQ, writeR } from './householder.js';
import type { Multiply } from './blocks.js';
import { fixSigns, symmetricEigen } from './symmetric-eigen.js';

const MAX_SWEEPS = 80;

/**
 * From this k on (with a matrix product given), the Jacobi sweeps start from the eigenvectors of
 * R^T R (see `preconditioned`): fewer sweeps, the cost of an eigh and two products instead.
 */
export const PRECONDITION_FROM = 24;

/** The SVD of one matrix. */
export interface SingularValueDecomposition {
  /** k = min(m, n) singular values, descending. */
  readonly s: Float64Array;
  /** U, m x uCols row-major (uCols = k, or m with full matrices). */
  readonly u: Float64Array;
  /** V^T, vRows x n row-major (vRows = k, or n with full matrices). */
  readonly vh: Float64Array;
  /** False when the Jacobi sweeps did not converge. */
  readonly converged: boolean;
}

/**
 * The SVD of the m x n row-major matrix of `a` at `offset`. With `computeUV` false only `s` is
 * meaningful (u and vh are empty). A non-finite entry gives NaN everywhere.
 */
export function singularValueDecomposition(
  a: Float64Array,
  offset: number,
  m: number,
  n: number,
  fullMatrices: boolean,
  computeUV = true,
  multiply?: Multiply,
): SingularValueDecomposition {
  const k = Math.min(m, n);
  const uCols = fullMatrices ? m : k;
  const vRows = fullMatrices ? n : k;
  let finite = true;
  for (let i = 0; i < m * n; i++) if (!Number.isFinite(a[offset + i]!)) finite = false;
  if (!finite) {
    return {
      s: new Float64Array(k).fill(NaN),
      u: new Float64Array(computeUV ? m * uCols : 0).fill(NaN),
      vh: new Float64Array(computeUV ? vRows * n : 0).fill(NaN),
      converged: true,
    };
  }
  // Work with the tall orientation: B = A (m >= n) or B = A^T, B = Q R, R k x k.
  const tall = m >= n;
  const rows = tall ? m : n;
  // Far from 1, the squared column norms of the sweeps would overflow or underflow: scale by a
  // power of 2 (exactly), and the singular values back at the end.
  const scale = powerOfTwoScale(a, offset, m * n);
  const scaled = scale === 1 ? a.subarray(offset, offset + m * n) : a.subarray(offset, offset + m * n).map((v) => v * scale);
  const source = tall ? scaled : transpose(scaled, 0, m, n);
  const qr = householderQR(source, 0, rows, k);
  const r = new Float64Array(k * k);
  writeR(qr, k, r, 0);
  // Columns of R, each contiguous (the rows of R^T), and the rotations' product V_R (its columns as rows).
  const start = multiply !== undefined && k >= PRECONDITION_FROM ? preconditioned(r, k, multiply) : null;
  const g = start?.g ?? transpose(r, 0, k, k);
  const vt = start?.vt ?? identity(k);
  const converged = jacobiSweeps(g, vt, k);
  // Singular values, then the order (descending) and U_R's columns.
  const s = new Float64Array(k);
  for (let i = 0; i < k; i++) s[i] = Math.sqrt(dot(g, i * k, g, i * k, k)) / scale;
  const order = Array.from({ length: k }, (_, i) => i).sort((x, y) => s[y]! - s[x]! || x - y);
  const sSorted = Float64Array.from(order, (i) => s[i]!);
  if (!computeUV) return { s: sSorted, u: new Float64Array(0), vh: new Float64Array(0), converged };
  // uR: columns of U_R as rows (k x k), vR likewise, in sorted order.
  const uR = new Float64Array(k * k);
  const vR = new Float64Array(k * k);
  order.forEach((from, to) => {
    const norm = s[from]! * scale; // the norm of the (scaled) column g
    for (let j = 0; j < k; j++) {
      uR[to * k + j] = norm > 0 ? g[from * k + j]! / norm : 0;
      vR[to * k + j] = vt[from * k + j]!;
    }
  });
  // Columns at the rounding level of the largest are not resolved by the rotations (see jacobiSweeps):
  // their left vectors complete the basis instead.
  const negligible = Array.from(sSorted, (v) => v <= 2 * Math.max(k, 2) * 2 ** -52 * sSorted[0]!);
  completeBasis(uR, negligible, k);
  // The left vectors of B: Q (rows x qCols) times blockdiag(U_R, I); the right vectors: V_R.
  const qCols = tall ? uCols : vRows;
  const q = new Float64Array(rows * qCols);
  writeQ(qr, qCols, q, 0);
  // leftT: the left singular vectors of B as rows (qCols x rows); rightT: the right ones (k x k).
  const leftT = new Float64Array(qCols * rows);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < rows; i++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += q[i * qCols + j]! * uR[c * k + j]!;
      leftT[c * rows + i] = sum;
    }
  }
  for (let c = k; c < qCols; c++) for (let i = 0; i < rows; i++) leftT[c * rows + i] = q[i * qCols + c]!;
  // A = B (tall): U's columns = left vectors, V's = right vectors; else swapped.
  const uT = tall ? leftT : vR; // columns of U as rows, each of length m
  const vT = tall ? vR : leftT; // columns of V as rows, each of length n
  const uRowsCount = tall ? qCols : k;
  const signs = fixSigns(uT, k, m);
  for (let c = 0; c < k; c++) if (signs[c] === -1) for (let j = 0; j < n; j++) vT[c * n + j] = -vT[c * n + j]!;
  const u = new Float64Array(m * uCols);
  for (let c = 0; c < uCols; c++) {
    for (let i = 0; i < m; i++) u[i * uCols + c] = c < uRowsCount ? uT[c * m + i]! : 0;
  }
  const vh = new Float64Array(vRows * n);
  vh.set(vT.subarray(0, vRows * n));
  return { s: sSorted, u, vh, converged };
}

/** 1, or the power of 2 that brings the largest |entry| near 1 when it is beyond 2^+-200. */
function powerOfTwoScale(a: Float64Array, offset: number, size: number): number {
  let largest = 0;
  for (let i = 0; i < size; i++) largest = Math.max(largest, Math.abs(a[offset + i]!));
  if (largest === 0 || (largest > 2 ** -200 && largest < 2 ** 200)) return 1;
  return 2 ** -Math.floor(Math.log2(largest));
}

function identity(k: number): Float64Array {
  const e = new Float64Array(k * k);
  for (let i = 0; i < k; i++) e[i * k + i] = 1;
  return e;
}

/**
 * A start for the sweeps: V0, the eigenvectors of R^T R (orthogonal to working precision), and the
 * columns of G = R V0, which are then orthogonal but for the rounding of the squared problem. The
 * sweeps on G finish the work in 2 or 3 sweeps (the last one only checks) instead of 8 to 11, and since G is R times an
 * orthogonal matrix, its singular values are R's: the squaring costs no accuracy in the result, only
 * in the start (the preconditioning idea of Drmac and Veselic's Jacobi SVD, with the eigensolver as
 * the preconditioner). Null when the eigensolver does not converge (the plain start is used).
 */
function preconditioned(r: Float64Array, k: number, multiply: Multiply): { g: Float64Array; vt: Float64Array } | null {
  const rt = transpose(r, 0, k, k);
  const gram = Float64Array.from(multiply(rt, r, k, k, k));
  const { vectorsT, converged } = symmetricEigen(gram, 0, k, 'L', multiply);
  if (!converged || !vectorsT.every(Number.isFinite)) return null;
  // Row i of V0^T R^T is column i of R V0.
  return { g: Float64Array.from(multiply(vectorsT, rt, k, k, k)), vt: vectorsT };
}

/**
 * One-sided Jacobi: rotates pairs of the k rows of `g` (the columns of the matrix) until every pair is
 * orthogonal to working precision, applying the same rotations to the rows of `vt`.
 */
function jacobiSweeps(g: Float64Array, vt: Float64Array, k: number): boolean {
  const eps = 2 ** -52;
  // Orthogonal to working precision: |cos| of the angle below sqrt(k) eps, as LAPACK's dgesvj.
  const tol = Math.sqrt(Math.max(k, 1)) * eps;
  const floor = (Math.max(k, 2) * eps) ** 2;
  // The squared column norms, recomputed each sweep and updated by each rotation in between.
  const norms = new Float64Array(k);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    let largest = 0;
    for (let i = 0; i < k; i++) {
      norms[i] = dot(g, i * k, g, i * k, k);
      largest = Math.max(largest, norms[i]!);
    }
    const negligible = floor * largest;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        const pp = p * k;
        const qq = q * k;
        const alpha = norms[p]!;
        const beta = norms[q]!;
        const gamma = dot(g, pp, g, qq, k);
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        // A column at the rounding level of the largest (|q| <= k eps max |g_i|) is not rotated: it is
        // rounding noise, which the rotations cannot make orthogonal to the tolerance (what they remove
        // is as large as what their rounding adds, and the sweeps would not end). Its singular value
        // is negligible (below k eps s_max), its left vector replaced by a completion of the basis at
        // the end; V stays a product of rotations, so orthogonal, either way.
        if (Math.min(alpha, beta) <= negligible) continue;
        rotated = true;
        // The rotation that makes columns p and q orthogonal (the smaller of the two angles).
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotatePair(g, pp, qq, k, c, s);
        rotatePair(vt, pp, qq, k, c, s);
        // |p'|^2 = alpha - t gamma and |q'|^2 = beta + t gamma for this rotation.
        norms[p] = alpha - t * gamma;
        norms[q] = beta + t * gamma;
      }
    }
    if (!rotated) return true;
  }
  return false;
}

/** (x, y) <- (c x - s y, s x + c y) for the rows of `z` at a and b. */
function rotatePair(z: Float64Array, a: number, b: number, n: number, c: number, s: number): void {
  for (let j = 0; j < n; j++) {
    const x = z[a + j]!;
    const y = z[b + j]!;
    z[a + j] = c * x - s * y;
    z[b + j] = s * x + c * y;
  }
}

function dot(x: Float64Array, a: number, y: Float64Array, b: number, n: number): number {
  let sum = 0;
  for (let j = 0; j < n; j++) sum += x[a + j]! * y[b + j]!;
  return sum;
}

function transpose(a: Float64Array, offset: number, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[offset + i * n + j]!;
  return t;
}

/**
 * Replaces each row of `uR` marked negligible with a unit vector orthogonal to all the others
 * (Gram-Schmidt, twice, on the first unit vector e_j that keeps at least half its length).
 */
function completeBasis(uR: Float64Array, negligible: readonly boolean[], k: number): void {
  for (let i = 0; i < k; i++) {
    if (!negligible[i]) continue;
    let bestNorm = -1;
    let best = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      const candidate = new Float64Array(k);
      candidate[j] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let other = 0; other < k; other++) {
          if (other === i || (negligible[other] && other > i)) continue;
          const proj = dot(uR, other * k, candidate, 0, k);
          for (let t = 0; t < k; t++) candidate[t] = candidate[t]! - proj * uR[other * k + t]!;
        }
      }
      const norm = Math.sqrt(dot(candidate, 0, candidate, 0, k));
      if (norm > bestNorm) {
        bestNorm = norm;
        best = candidate;
      }
      if (norm > 0.5) break;
    }
    for (let t = 0; t < k; t++) uR[i * k + t] = best[t]! / bestNorm;
  }
}
