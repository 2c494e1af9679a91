/**
 * matrixExp: exp(A) = sum A^k / k! by scaling and squaring with Padé (Higham 2005), as torch.linalg.matrix_exp.
 * Gradient: the Fréchet derivative's adjoint, read from the block identity
 * exp([[A^T, G], [0, A^T]]) = [[exp(A^T), L(A^T, G)], [0, exp(A^T)]] (Mathias 1996), so
 * gA = L(A^T, G), the upper-right block of a 2n x 2n matrixExp. That is matrixExp again, so the
 * gradient differentiates again (each order doubles the size of the matrix exponentiated).
 */
import { Tensor, concat, defineOp, zerosLike } from '@nn/autograd';
import { readBatch, toTensor } from './batch.js';
import { matrixExpInto } from './kernels/matrix-exp.js';
import { mT } from './matrix.js';
import { checkSquare } from './shape.js';

const OP = 'linalg.matrix_exp';

const exponential: (a: Tensor) => Tensor = defineOp({
  name: OP,
  forward: (a) => {
    const batch = readBatch(a);
    const n = batch.rows;
    const out = new Float64Array(batch.data.length);
    for (let i = 0; i < batch.count; i++) matrixExpInto(batch.data, i * n * n, n, out, i * n * n);
    return toTensor(out, a.shape, a.dtype);
  },
  backward: (g, { inputs: [a] }) => {
    const at = mT(a!);
    const n = at.shape[at.ndim - 1]!;
    const block = concat([concat([at, g], -1), concat([zerosLike(at), at], -1)], -2);
    const e = exponential(block);
    const start = e.shape.map(() => 0);
    start[start.length - 1] = n;
    const end = [...e.shape];
    end[end.length - 2] = n;
    return [e.slice(start, end)];
  },
}) as (a: Tensor) => Tensor;

/**
 * The matrix exponential of square A (`[..., n, n]`, batched): scaling and squaring with the [m/m]
 * Padé approximant, m in {3, 5, 7, 9, 13} chosen from ||A||_1 (Higham 2005), in float64 (float32 is
 * rounded once). Cost: up to 6 products and one LU solve, plus one product per squaring
 * (log2(||A||_1 / 5.37) of them). A NaN or infinite entry gives all NaN.
 *
 * ```ts
 * import { tensor } from '@nn/autograd';
 * import { matrixExp } from '@nn/linalg';
 * const r = matrixExp(tensor([[0, -1], [1, 0]])); // a rotation by 1 radian
 * ```
 */
export function matrixExp(a: Tensor): Tensor {
  checkSquare(OP, a);
  return exponential(a);
}
