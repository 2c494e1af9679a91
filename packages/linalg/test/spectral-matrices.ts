/**
 * Matrices for the qr, eigh, svd and pinv property tests, made from drawn tensors with tensor ops
 * (so that gradcheck differentiates through the construction): full rank, and symmetric or general
 * with spectra whose gaps are bounded away from zero.
 */
import fc from 'fast-check';
import { tensor, type Tensor } from '@nn/autograd';
import { batchShapeArb } from './matrices.js';

/** `[batch..., m, n]` with m, n in 1..maxDim. */
export const rectShapeArb = (maxDim = 4, maxBatchRank = 2): fc.Arbitrary<number[]> =>
  fc.tuple(batchShapeArb(maxBatchRank), fc.integer({ min: 1, max: maxDim }), fc.integer({ min: 1, max: maxDim })).map(([b, m, n]) => [...b, m, n]);

/** An m x n constant with `values[i]` at (i, i), i < min(m, n), in the dtype of `like`. */
function diagonalRect(m: number, n: number, values: (i: number) => number, like: Tensor): Tensor {
  const data = new Float64Array(m * n);
  for (let i = 0; i < Math.min(m, n); i++) data[i * n + i] = values(i);
  return tensor(data, { shape: [m, n], dtype: like.dtype });
}

/**
 * X + 2 max(m, n) I (rectangular I): with |X_ij| <= 1 every leading square block is diagonally
 * dominant, so the matrix and its leading k x k block have full rank, well conditioned.
 */
export function fullRankFrom(x: Tensor): Tensor {
  const m = x.shape[x.ndim - 2]!;
  const n = x.shape[x.ndim - 1]!;
  return x.add(diagonalRect(m, n, () => 2 * Math.max(m, n), x));
}

/**
 * (X + X^T) / 2 + diag(0, 3n, 6n, ...): the perturbation has norm <= n (|X_ij| <= 1), so by Weyl's
 * inequality the eigenvalues are at least n apart.
 */
export function separatedSymmetricFrom(x: Tensor): Tensor {
  const n = x.shape[x.ndim - 1]!;
  return x.add(x.transpose(-2, -1)).mul(0.5).add(diagonalRect(n, n, (i) => 3 * n * i, x));
}

/**
 * X + diag(3p k, 3p (k - 1), ..., 3p) with p = max(m, n), k = min(m, n): ||X|| <= p, so the singular
 * values are at least p apart and at least 2p (distinct and non-zero).
 */
export function separatedSingularFrom(x: Tensor): Tensor {
  const m = x.shape[x.ndim - 2]!;
  const n = x.shape[x.ndim - 1]!;
  const p = Math.max(m, n);
  const k = Math.min(m, n);
  return x.add(diagonalRect(m, n, (i) => 3 * p * (k - i), x));
}

/** Largest |entry| of A - B, as a number (shapes must agree). */
export function largestDifference(a: Tensor, b: Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`largestDifference: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  return Array.from(a.sub(b).abs().data()).reduce((m, v) => (Number.isNaN(v) ? NaN : Math.max(m, v)), 0);
}
