/**
 * svd and svdvals: A = U diag(S) Vh, as torch.linalg.svd and torch.linalg.svdvals.
 *
 * Gradients (PyTorch's svd_backward), k = min(m, n), E_ij = S_j^2 - S_i^2 off the diagonal:
 * - from S: gA = U diag(gS) Vh, exact whatever the singular values (svdvals has only this one);
 * - from U: gA = U ((U^T gU - gU^T U) S / E) Vh, plus (I - U U^T) gU S^-1 Vh when m > n;
 * - from Vh: gA = U (S (Vh gVh^T - gVh Vh^T) / E) Vh, plus U S^-1 gVh (I - Vh^T Vh) when m < n.
 * The U and Vh terms are infinite or NaN where singular values repeat (or, for the S^-1 terms, are
 * zero), as PyTorch's; a function of U and Vh that does not depend on their gauge, such as
 * U diag(S) Vh, is exact when they are distinct. With full matrices, the gradients of the columns
 * of U (rows of Vh) past k are ignored, as PyTorch. All in tensor ops on the outputs: they
 * differentiate again.
 */
import { Tensor, checkOptions, isGradEnabled, matmul } from '@nn/autograd';
import { batchPrefix, readBatch, toTensor } from './batch.js';
import { multiply } from './gemm.js';
import { singularValueDecomposition } from './kernels/svd.js';
import { mT } from './matrix.js';
import { columns, gaps, rows, scaleColumns, scaleRows, skew } from './matrix-parts.js';
import { checkMatrices } from './shape.js';
import { shareFactorization } from './shared-factorization.js';

const OP = 'linalg.svd';

/** Options of `svd`. */
export interface SvdOptions {
  /** U m x m and Vh n x n (true) or the reduced U m x k and Vh k x n (false, the default). */
  fullMatrices?: boolean;
}

/** The factors of `svd`. */
export interface SvdResult {
  /** `[..., m, k]` (or `[..., m, m]` with full matrices). */
  u: Tensor;
  /** `[..., k]`, descending, non-negative. */
  s: Tensor;
  /** `[..., k, n]` (or `[..., n, n]` with full matrices). */
  vh: Tensor;
}

interface Factors {
  u: Tensor;
  s: Tensor;
  vh: Tensor;
}

function factorize(op: string, a: Tensor, fullMatrices: boolean, computeUV: boolean): Factors {
  const dtype = checkMatrices(op, a);
  const batch = readBatch(a);
  const { rows: m, cols: n, count } = batch;
  const k = Math.min(m, n);
  const uCols = fullMatrices ? m : k;
  const vRows = fullMatrices ? n : k;
  const sData = new Float64Array(count * k);
  const uData = new Float64Array(computeUV ? count * m * uCols : 0);
  const vData = new Float64Array(computeUV ? count * vRows * n : 0);
  for (let b = 0; b < count; b++) {
    const result = singularValueDecomposition(batch.data, b * m * n, m, n, fullMatrices, computeUV, multiply);
    if (!result.converged) throw new Error(`${batchPrefix(op, batch.batchShape, b)}The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated singular values.`);
    sData.set(result.s, b * k);
    if (computeUV) {
      uData.set(result.u, b * m * uCols);
      vData.set(result.vh, b * vRows * n);
    }
  }
  const lead = batch.batchShape;
  return {
    s: toTensor(sData, [...lead, k], dtype),
    u: toTensor(uData, computeUV ? [...lead, m, uCols] : [0], dtype),
    vh: toTensor(vData, computeUV ? [...lead, vRows, n] : [0], dtype),
  };
}

/**
 * The singular value decomposition of a batch of m x n matrices `[..., m, n]`: U and Vh with
 * orthonormal columns and rows, S descending, A = U diag(S) Vh. Householder QR, then one-sided Jacobi
 * on the k x k triangle (k = min(m, n)), started from the eigenvectors of R^T R when k >= 24, in
 * float64 (a float32 result is rounded once); cost 2 m k^2 plus about 7 k^3 flops per Jacobi sweep
 * (8 to 11 sweeps from the identity, 2 or 3 from the eigenvectors, the last one only checking). Singular vectors are defined up
 * to a common sign of each pair (u_i, v_i): the component of u_i of largest magnitude is positive.
 * A non-finite input gives NaN. Differentiable twice (singular vector gradients need distinct,
 * non-zero singular values; see the module note).
 *
 * ```ts
 * import { tensor } from '@nn/autograd';
 * import { svd } from '@nn/linalg';
 * const { u, s, vh } = svd(tensor([[3, 0], [0, -2]])); // s = [3, 2]
 * ```
 */
export function svd(a: Tensor, opts: SvdOptions = {}): SvdResult {
  checkOptions(OP, opts, ['fullMatrices']);
  const { fullMatrices = false } = opts;
  if (typeof fullMatrices !== 'boolean') throw new Error(`${OP}: fullMatrices must be true or false, got ${String(fullMatrices)}`);
  const { u, s, vh } = factorize(OP, a, fullMatrices, true);
  const m = a.shape[a.ndim - 2]!;
  const n = a.shape[a.ndim - 1]!;
  const k = Math.min(m, n);
  // The rules see the reduced factors: the columns of U (rows of Vh) past k carry no gradient.
  const reducedU = (x: Tensor): Tensor => (fullMatrices && m > k ? columns(x, 0, k) : x);
  const reducedVh = (x: Tensor): Tensor => (fullMatrices && n > k ? rows(x, 0, k) : x);
  const [uOut, sOut, vhOut] = shareFactorization(OP, a, [u, s, vh], [
    (gU, [uT, sT, vhT]) => fromU(reducedU(gU), reducedU(uT!), sT!, reducedVh(vhT!)),
    (gS, [uT, , vhT]) => fromS(gS, reducedU(uT!), reducedVh(vhT!)),
    (gVh, [uT, sT, vhT]) => fromVh(reducedVh(gVh), reducedU(uT!), sT!, reducedVh(vhT!)),
  ]);
  return { u: uOut!, s: sOut!, vh: vhOut! };
}

/**
 * The singular values of a batch of matrices, descending (torch.linalg.svdvals). Without a gradient
 * to record, U and Vh are not formed; with one, the result is `svd(a).s`, whose gradient
 * U diag(gS) Vh is exact whatever the singular values.
 */
export function svdvals(a: Tensor): Tensor {
  const op = 'linalg.svdvals';
  checkMatrices(op, a);
  if (a.requiresGrad && isGradEnabled()) return svd(a).s;
  return factorize(op, a, false, false).s;
}

/** U diag(gS) Vh. */
function fromS(gS: Tensor, u: Tensor, vh: Tensor): Tensor {
  return matmul(scaleColumns(u, gS), vh);
}

/** U ((U^T gU - gU^T U) S / E) Vh (+ (I - U U^T) gU S^-1 Vh when m > n). */
function fromU(gU: Tensor, u: Tensor, s: Tensor, vh: Tensor): Tensor {
  const m = u.shape[u.ndim - 2]!;
  const k = s.shape[s.ndim - 1]!;
  const inner = scaleColumns(skew(matmul(mT(u), gU)), s).div(gaps(s.square()));
  let left = matmul(u, inner);
  if (m > k) {
    const gUSinv = scaleColumns(gU, s.reciprocal());
    left = left.add(gUSinv).sub(matmul(u, matmul(mT(u), gUSinv)));
  }
  return matmul(left, vh);
}

/** U (S (Vh gVh^T - gVh Vh^T) / E) Vh (+ U S^-1 gVh (I - Vh^T Vh) when m < n). */
function fromVh(gVh: Tensor, u: Tensor, s: Tensor, vh: Tensor): Tensor {
  const n = vh.shape[vh.ndim - 1]!;
  const k = s.shape[s.ndim - 1]!;
  const inner = scaleRows(skew(matmul(vh, mT(gVh))), s).div(gaps(s.square()));
  let right = matmul(inner, vh);
  if (n > k) {
    const sInvGVh = scaleRows(gVh, s.reciprocal());
    right = right.add(sInvGVh).sub(matmul(matmul(sInvGVh, mT(vh)), vh));
  }
  return matmul(u, right);
}
