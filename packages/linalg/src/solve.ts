/**
 * solve: X with A X = B for square A, by LU with partial pivoting, as torch.linalg.solve.
 * Gradient (Giles 2008): gB = A^-T gX (solve again, with A^T) and gA = -gB X^T; tensor ops, so
 * it differentiates again.
 */
import { Tensor, defineOp, describeValue, matmul } from '@nn/autograd';
import { batchPrefix, broadcastSources, readBatch, toTensor } from './batch.js';
import { luSolve } from './kernels/lu.js';
import { factorBatch } from './lu-batch.js';
import { mT } from './matrix.js';
import { broadcastBatch, checkSameDtype, checkSquare, formatShape } from './shape.js';

const OP = 'linalg.solve';

const solveMatrices: (a: Tensor, b: Tensor) => Tensor = defineOp({
  name: OP,
  forward: (a, b) => {
    const batchShape = broadcastBatch(OP, a.shape.slice(0, -2), b.shape.slice(0, -2), a.shape, b.shape);
    // A is factored once per matrix of its own batch, however often the batch broadcast reuses it.
    const { batch, perms, infos } = factorBatch(a);
    const sources = broadcastSources(batch.batchShape, batchShape);
    const rhs = readBatch(b, batchShape);
    const n = batch.rows;
    const k = rhs.cols;
    const x = new Float64Array(rhs.data.length);
    for (let j = 0; j < batch.count; j++) {
      if (infos[j]!.zeroPivot !== 0) throw new Error(`${batchPrefix(OP, batch.batchShape, j)}The solver failed because the input matrix is singular.`);
    }
    for (let i = 0; i < rhs.count; i++) {
      const j = sources[i]!;
      luSolve(batch.data, j * n * n, perms.subarray(j * n, (j + 1) * n), n, rhs.data, i * n * k, k, x, i * n * k);
    }
    return toTensor(x, [...batchShape, n, k], a.dtype);
  },
  backward: (gX, { inputs: [a], output: x, needsInputGrad }) => {
    const gB = solveMatrices(mT(a!), gX);
    return [needsInputGrad[0] ? matmul(gB, mT(x)).neg() : null, gB];
  },
}) as (a: Tensor, b: Tensor) => Tensor;

/**
 * The solution X of A X = B for square, invertible A (`[..., n, n]`), by LU with partial pivoting
 * (n^3 / 3 + n^2 k multiply-adds per matrix, in float64; a float32 result is rounded once).
 * B is a batch of matrices `[..., n, k]` or of vectors `[..., n]` (a vector when B is 1-D, or when
 * its shape is A's without the last axis, as torch.linalg.solve decides); batch axes broadcast.
 * An exactly singular matrix (a zero pivot) is an Error naming the batch element.
 *
 * ```ts
 * import { tensor } from '@nn/autograd';
 * import { solve } from '@nn/linalg';
 * const x = solve(tensor([[2, 1], [1, 3]]), tensor([3, 5])); // [0.8, 1.4]
 * ```
 */
export function solve(a: Tensor, b: Tensor): Tensor {
  const n = checkSquare(OP, a);
  if (!(b instanceof Tensor)) throw new Error(`${OP}: B must be a Tensor, got ${describeValue(b)}`);
  checkSameDtype(OP, a, b);
  if (b.ndim === 0) throw new Error(`${OP}: B must have at least 1 dimension (got shape [])`);
  const vector = b.ndim === 1 || (b.ndim === a.ndim - 1 && b.shape.every((d, i) => d === a.shape[i]));
  const rows = vector ? b.shape[b.ndim - 1]! : b.shape[b.ndim - 2]!;
  if (rows !== n) {
    const bDesc = vector ? `${rows}` : `${rows}x${b.shape[b.ndim - 1]}`;
    throw new Error(`${OP}: Incompatible shapes of A and B for the equation AX = B (${n}x${n} and ${bDesc}; A ${formatShape(a.shape)}, B ${formatShape(b.shape)})`);
  }
  const bm = vector ? b.unsqueeze(-1) : b;
  broadcastBatch(OP, a.shape.slice(0, -2), bm.shape.slice(0, -2), a.shape, b.shape);
  const x = solveMatrices(a, bm);
  return vector ? x.squeeze(-1) : x;
}
