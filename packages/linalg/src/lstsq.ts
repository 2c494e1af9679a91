/**
 * lstsq: the minimum-norm least-squares solution of A X = B, as torch.linalg.lstsq's `solution` with
 * its SVD driver (gelsd), for A of any shape and rank:
 * - tall or square A of full column rank: X = R^-1 Q^T B from A = Q R (Householder, as LAPACK's gels);
 * - wide A of full row rank: X = Q R^-T B from A^T = Q R, the solution of least norm;
 * - rank-deficient A (either shape): X = pinv(A) B, through the SVD, dropping the singular values at
 *   or below max(m, n) eps s_max, PyTorch's default rcond.
 * Each path is composed from differentiable ops (qr, matmul, solveTriangular, pinv), so the gradient
 * is theirs and differentiates again. On the first path it is gB = A Y, gA = (B - A X) Y^T - A Y X^T
 * with Y = (A^T A)^-1 gX, formed through Q and R, never A^T A; on the last, PyTorch's (through pinv),
 * valid where the rank is locally constant.
 */
import { Tensor, describeValue, detach, diagonal, matmul } from '@nn/autograd';
import { mT } from './matrix.js';
import { pinv } from './pinv.js';
import { broadcastBatch, checkMatrices, checkSameDtype, formatShape } from './shape.js';
import { qr } from './qr.js';
import { solveTriangular } from './solve-triangular.js';

const OP = 'linalg.lstsq';

/**
 * Whether the triangular factor `r` of a QR ([..., p, p]) has a diagonal entry at or below
 * max(m, n) eps max|R_jj| in some batch element: the rank test LAPACK's gelsy makes with its default
 * rcond. Without column pivoting it can only say "rank-deficient" (a zero pivot), which is all it is
 * used for: such A go to the SVD path, which finds the rank itself. NaN entries fail every comparison,
 * so a NaN matrix stays on the QR path and its NaN reaches the solution.
 */
function hasZeroPivot(r: Tensor, m: number, n: number): boolean {
  const p = r.shape[r.ndim - 1]!;
  const diagonals = detach(diagonal(r)).data();
  for (let i = 0; i * p < diagonals.length; i++) {
    const d = Array.from(diagonals.subarray(i * p, (i + 1) * p), Math.abs);
    const tolerance = Math.max(m, n) * Number.EPSILON * Math.max(...d);
    if (d.some((v) => v <= tolerance)) return true;
  }
  return false;
}

/** X for A [..., m, n] and B [..., m, k] (batch axes broadcast): the paths of the header. */
function leastSquares(a: Tensor, b: Tensor): Tensor {
  const [m, n] = a.shape.slice(-2) as [number, number];
  if (m >= n) {
    const { q, r } = qr(a);
    if (!hasZeroPivot(r, m, n)) return solveTriangular(r, matmul(mT(q), b), { upper: true });
  } else {
    // A = R^T Q^T, so A X = B is R^T (Q^T X) = B; the X of least norm lies in the range of Q.
    const { q, r } = qr(mT(a));
    if (!hasZeroPivot(r, m, n)) return matmul(q, solveTriangular(mT(r), b, { upper: false }));
  }
  return matmul(pinv(a), b);
}

/** What `lstsq` returns (torch.linalg.lstsq's `solution`; the residuals, rank and singular values are not computed). */
export interface LstsqResult {
  solution: Tensor;
}

/**
 * The X minimizing ||A X - B|| (Frobenius), and of least norm among those, for A `[..., m, n]` of
 * any shape and rank: by Householder QR when A has full rank (2 m n^2 - 2 n^3 / 3 multiply-adds per
 * matrix, n and m swapped for wide A), through the SVD (`pinv`) when it is rank-deficient, as
 * torch.linalg.lstsq with driver 'gelsd'. In float64; float32 is rounded once. B is `[..., m, k]`,
 * or `[..., m]` for vectors (torch.linalg.solve's rule); batch axes broadcast.
 *
 * ```ts
 * import { tensor } from '@nn/autograd';
 * import { lstsq } from '@nn/linalg';
 * const { solution } = lstsq(tensor([[1, 0], [0, 1], [1, 1]]), tensor([1, 2, 3])); // [1, 2]
 * ```
 */
export function lstsq(a: Tensor, b: Tensor): LstsqResult {
  checkMatrices(OP, a);
  if (!(b instanceof Tensor)) throw new Error(`${OP}: B must be a Tensor, got ${describeValue(b)}`);
  checkSameDtype(OP, a, b);
  const m = a.shape[a.ndim - 2]!;
  if (b.ndim === 0) throw new Error(`${OP}: B must have at least 1 dimension (got shape [])`);
  const vector = b.ndim === 1 || (b.ndim === a.ndim - 1 && b.shape.every((d, i) => d === a.shape[i]));
  const rows = vector ? b.shape[b.ndim - 1]! : b.shape[b.ndim - 2]!;
  if (rows !== m) {
    throw new Error(`${OP}: A and B must have the same number of rows (A ${formatShape(a.shape)} has ${m}, B ${formatShape(b.shape)} has ${rows})`);
  }
  const bm = vector ? b.unsqueeze(-1) : b;
  broadcastBatch(OP, a.shape.slice(0, -2), bm.shape.slice(0, -2), a.shape, b.shape);
  const x = leastSquares(a, bm);
  return { solution: vector ? x.squeeze(-1) : x };
}
