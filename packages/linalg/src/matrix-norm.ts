/**
 * matrixNorm: matrix norms as torch.linalg.matrix_norm, composed from differentiable tensor ops and
 * svdvals (so the gradient is theirs and differentiates again).
 */
import { Tensor, abs, checkOptions, max, min, sum } from '@nn/autograd';
import { checkMatrices } from './shape.js';
import { svdvals } from './svd.js';

const OP = 'linalg.matrix_norm';

/** The norms `matrixNorm` computes. */
export type MatrixNormOrd = 'fro' | 'nuc' | 1 | -1 | 2 | -2 | typeof Infinity;

/** Options of `matrixNorm`. */
export interface MatrixNormOptions {
  /** Default 'fro'. */
  ord?: MatrixNormOrd;
}

/**
 * A norm of each matrix of A (`[..., m, n]`), giving `[...]`:
 * - 'fro': sqrt(sum |a_ij|^2);
 * - 1 / -1: the largest / smallest column sum of |a_ij|;
 * - Infinity / -Infinity: the largest / smallest row sum of |a_ij|;
 * - 'nuc': the sum of the singular values; 2 / -2: the largest / smallest singular value (`svdvals`).
 * The gradient is that of the composing ops: at ties of max / min it goes as theirs does, at A = 0 the
 * Frobenius norm's is NaN (0 / 0), as PyTorch's; the first derivative of the singular-value norms is
 * U V^T-like and exact, their second needs distinct non-zero singular values (as svd's).
 *
 * ```ts
 * import { tensor } from '@nn/autograd';
 * import { matrixNorm } from '@nn/linalg';
 * const n = matrixNorm(tensor([[1, -2], [3, 4]]), { ord: 1 }); // 6
 * ```
 */
export function matrixNorm(a: Tensor, opts: MatrixNormOptions = {}): Tensor {
  checkOptions(OP, opts, ['ord']);
  checkMatrices(OP, a);
  const ord = opts.ord ?? 'fro';
  switch (ord) {
    case 'fro':
      return sum(a.square(), [-2, -1]).sqrt();
    case 1:
      return max(sum(abs(a), -2), -1);
    case -1:
      return min(sum(abs(a), -2), -1);
    case Infinity:
      return max(sum(abs(a), -1), -1);
    case -Infinity:
      return min(sum(abs(a), -1), -1);
    case 'nuc':
      return sum(svdvals(a), -1);
    case 2:
      return max(svdvals(a), -1);
    case -2:
      return min(svdvals(a), -1);
    default:
      throw new Error(`${OP}: ord must be 'fro', 'nuc', 1, -1, 2, -2, Infinity or -Infinity, got ${JSON.stringify(ord)}`);
  }
}
