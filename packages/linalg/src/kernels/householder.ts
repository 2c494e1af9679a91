/**
 * Householder QR of one matrix, as LAPACK's dgeqrf + dorgqr compute it (unblocked): the reflectors
 * follow dlarfg's convention (beta = -sign(alpha) * norm, no reflection when the part below the
 * diagonal is already zero), so Q and R agree with torch.linalg.qr's, signs included.
 *
 * Cost: 2 m n^2 - 2 n^3 / 3 flops for R, as much again for the reduced Q; backward stable
 * (the computed Q is orthogonal to O(eps), and Q R = A + O(eps ||A||)).
 *
 * The matrix is held column by column (its transpose, row-major), so that every reflector and every
 * column it is applied to is a contiguous run of memory.
 */

/** The factorization of an m x n matrix: reflectors (column-major, below the diagonal) and R. */
export interface HouseholderQR {
  readonly rows: number;
  readonly cols: number;
  /** The matrix transposed (cols x rows): column j of the reduced matrix is `columns[j * rows ...]`. */
  readonly columns: Float64Array;
  /** tau_k of each reflector H_k = I - tau_k v_k v_k^T (v_k[k] = 1, v_k[k + 1 ...] in column k). */
  readonly tau: Float64Array;
}

/**
 * Factors the m x n row-major matrix `a` (read at `offset`), leaving `a` unchanged.
 */
export function householderQR(a: Float64Array, offset: number, m: number, n: number): HouseholderQR {
  const columns = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) columns[j * m + i] = a[offset + i * n + j]!;
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const base = c * m;
    tau[c] = makeReflector(columns, base + c, base + m);
    const t = tau[c]!;
    if (t === 0) continue;
    // H_c applied to the columns on its right: x -= t v (v . x), v[c] = 1.
    for (let j = c + 1; j < n; j++) {
      const col = j * m;
      let dot = columns[col + c]!;
      for (let i = c + 1; i < m; i++) dot += columns[base + i]! * columns[col + i]!;
      const f = t * dot;
      columns[col + c] = columns[col + c]! - f;
      for (let i = c + 1; i < m; i++) columns[col + i] = columns[col + i]! - f * columns[base + i]!;
    }
  }
  return { rows: m, cols: n, columns, tau };
}

/**
 * dlarfg on x = data[start ... end): replaces x[0] by beta and x[1 ...] by v[1 ...], and returns
 * tau (0 when x[1 ...] is zero: then H = I and x[0] stays, whatever its sign).
 */
export function makeReflector(data: Float64Array, start: number, end: number): number {
  const alpha = data[start]!;
  let scale = 0;
  for (let i = start + 1; i < end; i++) scale = Math.max(scale, Math.abs(data[i]!));
  if (scale === 0) return alpha === alpha ? 0 : NaN;
  if (!Number.isFinite(scale)) {
    for (let i = start; i < end; i++) data[i] = NaN;
    return NaN;
  }
  // The norm of x[1 ...], scaled so that squaring neither overflows nor underflows.
  let sum = 0;
  for (let i = start + 1; i < end; i++) {
    const r = data[i]! / scale;
    sum += r * r;
  }
  const xnorm = scale * Math.sqrt(sum);
  const beta = -(alpha >= 0 ? 1 : -1) * Math.hypot(alpha, xnorm);
  const tau = (beta - alpha) / beta;
  const inv = 1 / (alpha - beta);
  for (let i = start + 1; i < end; i++) data[i] = data[i]! * inv;
  data[start] = beta;
  return tau;
}

/** R (rowsOfR x n, row-major) into `out` at `offset`: the upper triangle of the first rowsOfR rows. */
export function writeR(qr: HouseholderQR, rowsOfR: number, out: Float64Array, offset: number): void {
  const { rows: m, cols: n, columns } = qr;
  for (let i = 0; i < rowsOfR; i++) {
    for (let j = 0; j < n; j++) out[offset + i * n + j] = j >= i && i < m ? columns[j * m + i]! : 0;
  }
}

/**
 * Q's first `qCols` columns (m x qCols, row-major; qCols = min(m, n) for the reduced Q, m for the
 * complete one) into `out` at `offset`, by backward accumulation H_0 (H_1 (... (H_{k-1} I))) as dorgqr.
 */
export function writeQ(qr: HouseholderQR, qCols: number, out: Float64Array, offset: number): void {
  const { rows: m, columns, tau } = qr;
  // Q^T held row by row, so that each column of Q (a row here) is contiguous.
  const qt = new Float64Array(qCols * m);
  for (let j = 0; j < qCols; j++) qt[j * m + j] = 1;
  for (let c = tau.length - 1; c >= 0; c--) {
    const t = tau[c]!;
    if (t === 0) continue;
    const base = c * m;
    // Only the columns j >= c of the partial product differ from I on rows c ...
    for (let j = c; j < qCols; j++) {
      const col = j * m;
      let dot = qt[col + c]!;
      for (let i = c + 1; i < m; i++) dot += columns[base + i]! * qt[col + i]!;
      const f = t * dot;
      qt[col + c] = qt[col + c]! - f;
      for (let i = c + 1; i < m; i++) qt[col + i] = qt[col + i]! - f * columns[base + i]!;
    }
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < qCols; j++) out[offset + i * qCols + j] = qt[j * m + i]!;
}
