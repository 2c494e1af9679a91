/**
 * inv: the inverse of square A by LU with partial pivoting, as torch.linalg.inv.
 * Gradient (Giles 2008): gA = -X^T gX X^T with X = inv(A), matmuls of the output, so it
 * differentiates again.
 */
import { Tensor, defineOp, matmul } from '@nn/autograd';
import { batchPrefix, toTensor } from './batch.js';
import { luSolve } from './kernels/lu.js';
import { factorBatch } from './lu-batch.js';
import { mT } from './matrix.js';
import { checkSquare } from './shape.js';

const OP = 'linalg.inv';

const inverse = defineOp({
  name: OP,
  forward: (a) => {
    const { batch, perms, infos } = factorBatch(a);
    const n = batch.rows;
    const identity = new Float64Array(n * n);
    for (let i = 0; i < n; i++) identity[i * n + i] = 1;
    const x = new Float64Array(batch.data.length);
    for (let i = 0; i < batch.count; i++) {
      const zero = infos[i]!.zeroPivot;
      if (zero !== 0) {
        throw new Error(`${batchPrefix(OP, batch.batchShape, i)}The diagonal element ${zero} is zero, the inversion could not be completed because the input matrix is singular.`);
      }
      luSolve(batch.data, i * n * n, perms.subarray(i * n, (i + 1) * n), n, identity, 0, n, x, i * n * n);
    }
    return toTensor(x, a.shape, a.dtype);
  },
  backward: (gX, { output: x }) => {
    const xT = mT(x);
    return [matmul(matmul(xT, gX), xT).neg()];
  },
});

/**
 * The inverse of square, invertible A (`[..., n, n]`, batched), by LU with partial pivoting and n
 * solves (2 n^3 multiply-adds per matrix, in float64; a float32 result is rounded once). An exactly
 * singular matrix is an Error naming the batch element and the zero diagonal element of U, as PyTorch.
 * To solve A X = B, `solve(a, b)` is cheaper and more accurate than `inv(a).matmul(b)`.
 *
 * ```ts
 * import { tensor } from '@nn/autograd';
 * import { inv } from '@nn/linalg';
 * const x = inv(tensor([[2, 0], [0, 4]])); // [[0.5, 0], [0, 0.25]]
 * ```
 */
export function inv(a: Tensor): Tensor {
  checkSquare(OP, a);
  return inverse(a);
}
