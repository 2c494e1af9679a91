/**
 * matrixNorm: matrix norms as torch.linalg.matrix_norm, composed from differentiable tensor ops
 * (so the gradient is those ops' and differentiates again).
 */
import { Tensor, abs, checkOptions, max, min, sum } from '@nn/autograd';
import { checkMatrices } from './shape.js';

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
 * - Infinity / -Infinity: the largest / smallest row sum of |a_ij|.
 * The gradient is that of the composing ops: at ties of max / min it goes as theirs does, at A = 0 the
 * Frobenius norm's is NaN (0 / 0), as PyTorch's. ('nuc', 2 and -2 need the singular values.)
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
    case 2:
    case -2:
      throw new Error(`${OP}: ord ${JSON.stringify(ord)} needs the singular values (svdvals), which this build of @nn/linalg does not have yet`);
    default:
      throw new Error(`${OP}: ord must be 'fro', 'nuc', 1, -1, 2, -2, Infinity or -Infinity, got ${JSON.stringify(ord)}`);
  }
}
