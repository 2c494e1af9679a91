/**
 * lstsq: the least-squares solution of A X = B for tall, full-column-rank A, by Householder QR, as
 * torch.linalg.lstsq's `solution`: X = R^-1 Q^T B. Its gradient is that of qr, matmul and
 * solveTriangular (all differentiable twice); mathematically it is gB = A Y and
 * gA = (B - A X) Y^T - A Y X^T with Y = (A^T A)^-1 gX, formed here through Q and R, never A^T A.
 */
import { Tensor, describeValue, detach, diagonal, matmul } from '@nn/autograd';
import { batchPrefix } from './batch.js';
import { mT } from './matrix.js';
import { broadcastBatch, checkMatrices, checkSameDtype, formatShape } from './shape.js';
import { qr } from './qr.js';
import { solveTriangular } from './solve-triangular.js';

const OP = 'linalg.lstsq';

/**
 * X = R^-1 Q^T B from A = Q R (reduced): composed from the differentiable qr, matmul and
 * solveTriangular, so the gradient is theirs. A numerically rank-deficient A (a diagonal entry of R
 * at or below max(m, n) eps max|R_jj|, the rank test LAPACK's gelsy makes with rcond = m eps) is an
 * Error: the solution would be rounding noise.
 */
function leastSquares(a: Tensor, b: Tensor): Tensor {
  const { q, r } = qr(a);
  const [m, n] = a.shape.slice(-2) as [number, number];
  const diagonals = detach(diagonal(r)).data();
  const batchShape = a.shape.slice(0, -2);
  for (let i = 0; i * n < diagonals.length; i++) {
    const d = Array.from(diagonals.subarray(i * n, (i + 1) * n), Math.abs);
    const tolerance = Math.max(m, n) * Number.EPSILON * Math.max(...d);
    const column = d.findIndex((v) => v <= tolerance);
    if (column >= 0) {
      throw new Error(
        `${batchPrefix(OP, batchShape, i)}A is rank-deficient (column ${column + 1} of R is zero to working precision); this lstsq needs A of full column rank`,
      );
    }
  }
  return solveTriangular(r, matmul(mT(q), b), { upper: true });
}

/** What `lstsq` returns (torch.linalg.lstsq's `solution`; the residuals, rank and singular values are not computed). */
export interface LstsqResult {
  solution: Tensor;
}

/**
 * The X minimizing ||A X - B|| (Frobenius) for A `[..., m, n]` with m >= n and full column rank, by
 * Householder QR (2 m n^2 - 2 n^3 / 3 multiply-adds per matrix, in float64; float32 is rounded once).
 * B is `[..., m, k]`, or `[..., m]` for vectors (torch.linalg.solve's rule); batch axes broadcast.
 * Wide or rank-deficient A is an Error (PyTorch's default driver also returns a minimum-norm solution
 * then; this implementation does not).
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
  const n = a.shape[a.ndim - 1]!;
  if (m < n) throw new Error(`${OP}: A has fewer rows than columns (${m} by ${n}, shape ${formatShape(a.shape)}); this lstsq needs m >= n and full column rank`);
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
