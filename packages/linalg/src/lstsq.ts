/**
 * lstsq: the least-squares solution of A X = B for tall, full-column-rank A, by Householder QR, as
 * torch.linalg.lstsq's `solution`.
 * Gradient: with X = (A^T A)^-1 A^T B, the residual R = B - A X and Y = (A^T A)^-1 gX,
 * gB = A Y and gA = R Y^T - A Y X^T. Y is a `solve` with A^T A (so the backward, unlike the forward,
 * sees cond(A)^2); tensor ops throughout, so it differentiates again.
 */
import { Tensor, defineOp, describeValue, matmul } from '@nn/autograd';
import { batchPrefix, readBatch, toTensor } from './batch.js';
import { leastSquaresInPlace } from './kernels/least-squares.js';
import { mT } from './matrix.js';
import { broadcastBatch, checkMatrices, checkSameDtype, formatShape } from './shape.js';
import { solve } from './solve.js';

const OP = 'linalg.lstsq';

const leastSquares: (a: Tensor, b: Tensor) => Tensor = defineOp({
  name: OP,
  forward: (a, b) => {
    const batchShape = broadcastBatch(OP, a.shape.slice(0, -2), b.shape.slice(0, -2), a.shape, b.shape);
    const ab = readBatch(a, batchShape);
    const bb = readBatch(b, batchShape);
    const { rows: m, cols: n } = ab;
    const k = bb.cols;
    const x = new Float64Array(ab.count * n * k);
    for (let i = 0; i < ab.count; i++) {
      const column = leastSquaresInPlace(ab.data, i * m * n, m, n, bb.data, i * m * k, k, x, i * n * k);
      if (column !== 0) {
        throw new Error(
          `${batchPrefix(OP, batchShape, i)}A is rank-deficient (column ${column} of R is zero to working precision); this lstsq needs A of full column rank`,
        );
      }
    }
    return toTensor(x, [...batchShape, n, k], a.dtype);
  },
  backward: (gX, { inputs: [a, b], output: x, needsInputGrad }) => {
    const y = solve(matmul(mT(a!), a!), gX);
    const ay = matmul(a!, y);
    const gA = needsInputGrad[0] ? matmul(b!.sub(matmul(a!, x)), mT(y)).sub(matmul(ay, mT(x))) : null;
    return [gA, ay];
  },
}) as (a: Tensor, b: Tensor) => Tensor;

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
