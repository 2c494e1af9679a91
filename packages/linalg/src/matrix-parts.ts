/** Tensor-level pieces the spectral backward rules share (all differentiable). */
import { eye, slice, tril, type Tensor } from '@nn/autograd';
import { mT } from './matrix.js';

/** Columns [start, end) of a batch of matrices. */
export function columns(x: Tensor, start: number, end: number): Tensor {
  const lead = x.shape.slice(0, -1);
  return slice(x, [...lead.map(() => 0), start], [...lead, end]);
}

/** Rows [start, end) of a batch of matrices. */
export function rows(x: Tensor, start: number, end: number): Tensor {
  const lead = x.shape.slice(0, -2);
  const n = x.shape[x.ndim - 1]!;
  return slice(x, [...lead.map(() => 0), start, 0], [...lead, end, n]);
}

/** X - X^T. */
export function skew(x: Tensor): Tensor {
  return x.sub(mT(x));
}

/** The lower triangle of X copied onto the upper one: tril(X) + tril(X, -1)^T. */
export function copyLowerToUpper(x: Tensor): Tensor {
  return tril(x).add(mT(tril(x, -1)));
}

/**
 * The matrix of differences E_ij = d_j - d_i of a batch of vectors d `[..., k]`, with ones on its
 * diagonal (so that dividing by it leaves the diagonal of a skew matrix at 0).
 */
export function gaps(d: Tensor): Tensor {
  const k = d.shape[d.ndim - 1]!;
  return d.unsqueeze(-2).sub(d.unsqueeze(-1)).add(eye(k, { dtype: d.dtype }));
}

/** X diag(d): column j of X scaled by d_j. */
export function scaleColumns(x: Tensor, d: Tensor): Tensor {
  return x.mul(d.unsqueeze(-2));
}

/** diag(d) X: row i of X scaled by d_i. */
export function scaleRows(x: Tensor, d: Tensor): Tensor {
  return x.mul(d.unsqueeze(-1));
}
