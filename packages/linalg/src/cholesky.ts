/**
 * cholesky: the lower factor L of A = L L^T (or the upper L^T), as torch.linalg.cholesky.
 * Gradient (Murray 2016, as PyTorch writes it): with P = tril(L^T gL) and Phi(P) = (P + tril(P, -1)^T) / 2
 * (the symmetric matrix whose lower triangle is P with its diagonal halved), gA = L^-T Phi(P) L^-1,
 * two triangular solves. gA is symmetric: the gradient for a symmetric input, as in PyTorch. The rule
 * is tensor ops (matmul, tril, solveTriangular), so it differentiates again.
 */
import { Tensor, checkOptions, defineOp, matmul, tril } from '@nn/autograd';
import { batchPrefix, readBatch, toTensor } from './batch.js';
import { choleskyBlockedInPlace } from './kernels/cholesky.js';
import { gemm } from './gemm.js';
import { mT } from './matrix.js';
import { checkSquare } from './shape.js';
import { solveTriangular } from './solve-triangular.js';

const OP = 'linalg.cholesky';

/** Options of `cholesky`. */
export interface CholeskyOptions {
  /** Return the upper factor U = L^T (A = U^T U) instead of L (default false). */
  upper?: boolean;
}

const lowerCholesky = defineOp({
  name: OP,
  forward: (a) => {
    const batch = readBatch(a);
    const n = batch.rows;
    for (let i = 0; i < batch.count; i++) {
      const order = choleskyBlockedInPlace(batch.data, n, gemm, i * n * n);
      if (order !== 0) {
        throw new Error(
          `${batchPrefix(OP, batch.batchShape, i)}The factorization could not be completed because the input is not positive-definite (the leading minor of order ${order} is not positive-definite).`,
        );
      }
    }
    return toTensor(batch.data, a.shape, a.dtype);
  },
  backward: (gL, { output: l }) => {
    const p = tril(matmul(mT(l), gL));
    const phi = p.add(mT(tril(p, -1))).mul(0.5);
    const left = solveTriangular(mT(l), phi, { upper: true });
    return [solveTriangular(l, left, { upper: false, left: false })];
  },
});

/**
 * The Cholesky factor of a symmetric positive-definite A (`[..., n, n]`, batched): the lower
 * triangular L with A = L L^T, or with `upper` the upper U = L^T (A = U^T U). As PyTorch, only the lower
 * triangle of A is read. A matrix that is not positive-definite is an Error naming the batch element
 * and the order of the first leading minor that is not. Computed in float64 (Cholesky-Banachiewicz,
 * recursive from n = 33 with the solves and trailing updates by matmul; n^3 / 6 multiply-adds (n^3 / 3 flops); a
 * float32 result is rounded once).
 *
 * ```ts
 * import { tensor } from '@nn/autograd';
 * import { cholesky } from '@nn/linalg';
 * const l = cholesky(tensor([[4, 2], [2, 5]])); // [[2, 0], [1, 2]]
 * ```
 */
export function cholesky(a: Tensor, opts: CholeskyOptions = {}): Tensor {
  checkOptions(OP, opts, ['upper']);
  const { upper = false } = opts;
  if (typeof upper !== 'boolean') throw new Error(`${OP}: upper must be true or false, got ${String(upper)}`);
  checkSquare(OP, a);
  const l = lowerCholesky(a);
  return upper ? mT(l) : l;
}
