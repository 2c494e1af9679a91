/**
 * qr: A = Q R by Householder reflections, as torch.linalg.qr (modes 'reduced', 'complete', 'r').
 *
 * Gradient (PyTorch's linalg_qr_backward; Walter and Lehmann 2018, Liao et al. 2019), k = min(m, n):
 * for m >= n, with M = R gR^T - gQ^T Q, gA = (gQ + Q copyltu(M)) R^-T, where copyltu(M) copies the
 * lower triangle of M onto the upper one. For m < n, A = [X | Y] and R = [U | V] (U square): Y = Q V
 * adds gY = Q gV and Y gV^T to the cotangent of Q, then the square rule gives gX from U.
 * As PyTorch, there is no gradient for mode 'complete' with m > n (the extra columns of Q are not
 * determined by A smoothly) nor for mode 'r' (Q is not returned): the backward says so.
 */
import { Tensor, checkOptions, concat, matmul, zeros } from '@nn/autograd';
import { readBatch, toTensor } from './batch.js';
import { householderQR, writeQ, writeR } from './kernels/householder.js';
import { mT } from './matrix.js';
import { columns, copyLowerToUpper } from './matrix-parts.js';
import { checkMatrices } from './shape.js';
import { shareFactorization } from './shared-factorization.js';
import { solveTriangular } from './solve-triangular.js';

const OP = 'linalg.qr';

/** Options of `qr`. */
export interface QrOptions {
  /**
   * 'reduced' (default): Q is m x k, R k x n (k = min(m, n)); 'complete': Q is m x m, R m x n;
   * 'r': only R (k x n), Q an empty tensor.
   */
  mode?: 'reduced' | 'complete' | 'r';
}

/** The factors of `qr`. */
export interface QrResult {
  q: Tensor;
  r: Tensor;
}

/**
 * The QR decomposition of a batch of m x n matrices `[..., m, n]`: Q with orthonormal columns and R
 * upper triangular, A = Q R. Householder reflections with LAPACK's sign convention, so Q and R agree
 * with torch.linalg.qr's (R's diagonal may be negative). Computed in float64, about 4 m n^2 - 4 n^3 / 3
 * flops for Q and R; a float32 result is rounded once. Differentiable twice (see the module note for
 * the modes without a gradient).
 *
 * ```ts
 * import { tensor } from '@nn/autograd';
 * import { qr } from '@nn/linalg';
 * const { q, r } = qr(tensor([[3, 1], [4, 2]])); // q = [[-0.6, -0.8], [-0.8, 0.6]], r = [[-5, -2.2], [0, 0.4]]
 * ```
 */
export function qr(a: Tensor, opts: QrOptions = {}): QrResult {
  checkOptions(OP, opts, ['mode']);
  const { mode = 'reduced' } = opts;
  if (mode !== 'reduced' && mode !== 'complete' && mode !== 'r') {
    throw new Error(`${OP}: qr received unrecognized mode '${String(mode)}' but expected one of 'reduced' (default), 'r', or 'complete'`);
  }
  const dtype = checkMatrices(OP, a);
  const batch = readBatch(a);
  const { rows: m, cols: n, count } = batch;
  const k = Math.min(m, n);
  const qCols = mode === 'complete' ? m : k;
  const rRows = mode === 'complete' ? m : k;
  const qData = new Float64Array(mode === 'r' ? 0 : count * m * qCols);
  const rData = new Float64Array(count * rRows * n);
  for (let b = 0; b < count; b++) {
    const factors = householderQR(batch.data, b * m * n, m, n);
    writeR(factors, rRows, rData, b * rRows * n);
    if (mode !== 'r') writeQ(factors, qCols, qData, b * m * qCols);
  }
  const q = mode === 'r' ? toTensor(qData, [0], dtype) : toTensor(qData, [...batch.batchShape, m, qCols], dtype);
  const r = toTensor(rData, [...batch.batchShape, rRows, n], dtype);
  const differentiable = mode === 'reduced' || m <= n;
  const refuse = (): Tensor => {
    throw new Error(
      mode === 'r'
        ? `${OP}: The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.`
        : `${OP}: The QR decomposition is not differentiable when mode='complete' and nrows > ncols (A of shape [${a.shape.join(', ')}]).`,
    );
  };
  const [qOut, rOut] = shareFactorization(OP, a, [q, r], [
    (gQ, [qT, rT], input) => (differentiable ? qrBackward(gQ, null, qT!, rT!, input) : refuse()),
    (gR, [qT, rT], input) => (differentiable ? qrBackward(null, gR, qT!, rT!, input) : refuse()),
  ]);
  return { q: qOut!, r: rOut! };
}

/** The gradient of A from those of Q and R (either may be null), A = Q R with Q m x k, R k x n. */
function qrBackward(gQ: Tensor | null, gR: Tensor | null, q: Tensor, r: Tensor, a: Tensor): Tensor {
  const m = q.shape[q.ndim - 2]!;
  const n = r.shape[r.ndim - 1]!;
  if (m >= n) return squareRule(gQ, gR, q, r);
  // A = [X | Y], R = [U | V]: Y = Q V.
  const u = columns(r, 0, m);
  const y = columns(a, m, n);
  const gU = gR === null ? null : columns(gR, 0, m);
  const gV = gR === null ? null : columns(gR, m, n);
  const gQWide = gV === null ? gQ : gQ === null ? matmul(y, mT(gV)) : gQ.add(matmul(y, mT(gV)));
  const gX = squareRule(gQWide, gU, q, u);
  const gY = gV === null ? zeros([...gX.shape.slice(0, -1), n - m], { dtype: gX.dtype }) : matmul(q, gV);
  return concat([gX, gY], -1);
}

/** gA = (gQ + Q copyltu(R gR^T - gQ^T Q)) R^-T for R square (n x n) and Q m x n. */
function squareRule(gQ: Tensor | null, gR: Tensor | null, q: Tensor, r: Tensor): Tensor {
  const fromR = gR === null ? null : matmul(r, mT(gR));
  const fromQ = gQ === null ? null : matmul(mT(gQ), q);
  const mMatrix = fromR === null ? fromQ!.neg() : fromQ === null ? fromR : fromR.sub(fromQ);
  const inner = matmul(q, copyLowerToUpper(mMatrix));
  const b = gQ === null ? inner : gQ.add(inner);
  return solveTriangular(mT(r), b, { upper: false, left: false });
}
