/** Small tensor-level helpers the backward rules share (all differentiable). */
import { Tensor, transpose } from '@nn/autograd';

/** The transpose of the last two axes (torch's `x.mT`). */
export function mT(x: Tensor): Tensor {
  return transpose(x, -2, -1);
}

/** `[..., 1, 1]` from a batch of scalars `[...]`, to scale a batch of matrices. */
export function asMatrixScale(x: Tensor): Tensor {
  return x.unsqueeze(-1).unsqueeze(-1);
}
