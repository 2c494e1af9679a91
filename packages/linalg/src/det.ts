/**
 * det and slogdet from the LU factorization, as torch.linalg.det and torch.linalg.slogdet.
 * Gradients (Giles 2008): d det = det tr(A^-1 dA), so gA = g det A^-T; d log|det| = tr(A^-1 dA), so
 * gA = g A^-T. Both are tensor ops (inv, det) and differentiate again. At an exactly singular matrix
 * det's gradient is the cofactor matrix: from a perturbed LU when no second derivative is recorded
 * (as PyTorch); when one is and A is nearly singular (LU pivots spread by more than 1e6), from the
 * SVD (as PyTorch's singular path; its derivative needs the other singular values distinct).
 */
import { Tensor, defineOp, detach, eye, isGradEnabled, matmul, prod } from '@nn/autograd';
import { svd } from './svd.js';
import { toTensor } from './batch.js';
import { luCofactors, luDet, luSlogdet } from './kernels/lu.js';
import { factorBatch } from './lu-batch.js';
import { inv } from './inv.js';
import { asMatrixScale, mT } from './matrix.js';
import { checkSquare } from './shape.js';

const DET = 'linalg.det';
const SLOGDET = 'linalg.slogdet';

const determinant: (a: Tensor) => Tensor = defineOp({
  name: DET,
  forward: (a) => {
    const { batch, infos } = factorBatch(a);
    const n = batch.rows;
    const out = new Float64Array(batch.count);
    for (let i = 0; i < batch.count; i++) out[i] = luDet(batch.data, i * n * n, n, infos[i]!.permutationSign);
    return toTensor(out, batch.batchShape, a.dtype);
  },
  backward: (g, { inputs: [a], output: d }) => {
    if (isGradEnabled()) {
      // Recording a second derivative. det A^-T, differentiated, loses about cond(A) eps to
      // cancellation (det -> 0 while A^-1 grows): near singular, the SVD form is used instead.
      if (nearlySingular(detach(a!))) return [asMatrixScale(g).mul(svdCofactors(a!))];
      return [asMatrixScale(g.mul(d)).mul(mT(inv(a!)))];
    }
    if (Array.from(d.data()).some((v) => v === 0)) return [asMatrixScale(g).mul(cofactors(detach(a!)))];
    return [asMatrixScale(g.mul(d)).mul(mT(inv(a!)))];
  },
}) as (a: Tensor) => Tensor;

/**
 * The cofactor matrices as PyTorch forms them for singular A when it records a second derivative:
 * with A = U diag(s) Vh, cof(A) = det(U) det(Vh) U diag(prod_{j != i} s_j) Vh. The products leave
 * out one factor each (no division), so a zero singular value is fine; the rule's own gradient is
 * svd's, which needs the other singular values distinct.
 */
function svdCofactors(a: Tensor): Tensor {
  const { u, s, vh } = svd(a);
  const k = s.shape[s.ndim - 1]!;
  const identity = eye(k, { dtype: s.dtype });
  // Row i of `others` holds s with its i-th entry replaced by 1.
  const others = s.unsqueeze(-2).mul(identity.neg().add(1)).add(identity);
  const sign = detach(det(u).mul(det(vh)));
  const d = prod(others, -1).mul(sign.unsqueeze(-1));
  return matmul(u.mul(d.unsqueeze(-2)), vh);
}

/** Below this ratio of the smallest to the largest |U_ii| of its LU, a matrix counts as nearly singular. */
const NEARLY_SINGULAR = 1e-6;

/** Whether some matrix of the batch is singular or nearly so, judged by its LU pivots. */
function nearlySingular(a: Tensor): boolean {
  const { batch } = factorBatch(a);
  const n = batch.rows;
  for (let i = 0; i < batch.count; i++) {
    let smallest = Infinity;
    let largest = 0;
    for (let j = 0; j < n; j++) {
      const u = Math.abs(batch.data[i * n * n + j * n + j]!);
      smallest = Math.min(smallest, u);
      largest = Math.max(largest, u);
    }
    if (smallest <= NEARLY_SINGULAR * largest) return true;
  }
  return false;
}

/** The cofactor matrices det(A) A^-T of a batch, also for singular A (see `luCofactors`). */
function cofactors(a: Tensor): Tensor {
  const { batch, perms, infos } = factorBatch(a);
  const n = batch.rows;
  const out = new Float64Array(batch.data.length);
  for (let i = 0; i < batch.count; i++) {
    const start = i * n * n;
    let scale = 0;
    for (let j = start; j < start + n * n; j++) scale = Math.max(scale, Math.abs(batch.data[j]!));
    const delta = Number.EPSILON * (scale > 0 ? scale : 1);
    luCofactors(batch.data, start, perms.subarray(i * n, (i + 1) * n), n, infos[i]!.permutationSign, delta, out, start);
  }
  return toTensor(out, a.shape, a.dtype);
}

/** sign and log|det| packed along a last axis of 2, so that one op gives both. */
const packedSlogdet: (a: Tensor) => Tensor = defineOp({
  name: SLOGDET,
  forward: (a) => {
    const { batch, infos } = factorBatch(a);
    const n = batch.rows;
    const out = new Float64Array(batch.count * 2);
    for (let i = 0; i < batch.count; i++) {
      const { sign, logabsdet } = luSlogdet(batch.data, i * n * n, n, infos[i]!.permutationSign);
      out[2 * i] = sign;
      out[2 * i + 1] = logabsdet;
    }
    return toTensor(out, [...batch.batchShape, 2], a.dtype);
  },
  // The sign is piecewise constant: only log|det|'s gradient flows.
  backward: (g, { inputs: [a] }) => {
    const gLog = g.slice([...g.shape.slice(0, -1).map(() => 0), 1], [...g.shape]).squeeze(-1);
    return [asMatrixScale(gLog).mul(mT(inv(a!)))];
  },
}) as (a: Tensor) => Tensor;

/**
 * The determinant of square A (`[..., n, n]`, batched): the product of U's diagonal from LU with
 * partial pivoting, times the permutation's sign (2 n^3 / 3 multiply-adds, in float64; float32 is
 * rounded once). It can overflow or underflow for large n where `slogdet` does not.
 *
 * ```ts
 * import { tensor } from '@nn/autograd';
 * import { det } from '@nn/linalg';
 * const d = det(tensor([[1, 2], [3, 4]])); // -2
 * ```
 */
export function det(a: Tensor): Tensor {
  checkSquare(DET, a);
  return determinant(a);
}

/** sign(det A) and log|det A|, as torch.linalg.slogdet returns them. */
export interface SlogdetResult {
  /** -1, 0 or 1 (no gradient flows through it). */
  sign: Tensor;
  /** log|det A|: -Infinity for a singular matrix. */
  logabsdet: Tensor;
}

/**
 * The sign and the log of the absolute value of the determinant of square A (`[..., n, n]`, batched),
 * from LU with partial pivoting: log|det| is a sum of logs of U's diagonal, so it neither overflows
 * nor underflows. A singular matrix gives sign 0 and logabsdet -Infinity (its gradient there is an
 * error: A^-T does not exist).
 *
 * ```ts
 * import { tensor } from '@nn/autograd';
 * import { slogdet } from '@nn/linalg';
 * const { sign, logabsdet } = slogdet(tensor([[1, 2], [3, 4]])); // -1, log 2
 * ```
 */
export function slogdet(a: Tensor): SlogdetResult {
  checkSquare(SLOGDET, a);
  const packed = packedSlogdet(a);
  const end = [...packed.shape];
  const zeros = packed.shape.map(() => 0);
  const sign = detach(packed.slice(zeros, [...end.slice(0, -1), 1])).squeeze(-1);
  const logabsdet = packed.slice([...zeros.slice(0, -1), 1], end).squeeze(-1);
  return { sign, logabsdet };
}
