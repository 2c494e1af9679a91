/**
 * Matrices for the linalg property tests, drawn by fast-check (so a failure prints the seed and path
 * that replay it): batch shapes, general, well-conditioned and SPD-by-construction matrices.
 */
import fc from 'fast-check';
import { add, eye, matmul, tensor, transpose, type Tensor } from '@nn/autograd';
import { drawnArb } from '@nn/autograd/testing';

/** A batch shape of rank 0..2 with small extents. */
export const batchShapeArb = (maxRank = 2): fc.Arbitrary<number[]> => fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 0, maxLength: maxRank });

/** A float64 tensor of `shape` with values uniform in [-1, 1], drawn. */
export function uniformArb(shape: readonly number[]): fc.Arbitrary<Tensor> {
  const size = shape.reduce((p, d) => p * d, 1);
  return drawnArb((draw) => {
    const values = draw.integers(size, -1000, 1000).map((v) => v / 1000);
    return tensor(Float64Array.from(values), { shape: [...shape], dtype: 'float64' });
  });
}

/** X X^T + n I: symmetric positive-definite with eigenvalues >= n, for any X. */
export function spdFrom(x: Tensor): Tensor {
  const n = x.shape[x.ndim - 1]!;
  return add(matmul(x, transpose(x, -2, -1)), eye(n, { dtype: x.dtype }).mul(n));
}

/** X + 2 n I with |X_ij| <= 1: strictly diagonally dominant, so well-conditioned (cond < 3 or so). */
export function wellConditionedFrom(x: Tensor): Tensor {
  const n = x.shape[x.ndim - 1]!;
  return add(x, eye(n, { dtype: x.dtype }).mul(2 * n));
}

/** `[batch..., n, n]` with n in 1..maxN, as [shape, n]. */
export const squareShapeArb = (maxN = 4, maxBatchRank = 2): fc.Arbitrary<number[]> =>
  fc.tuple(batchShapeArb(maxBatchRank), fc.integer({ min: 1, max: maxN })).map(([batch, n]) => [...batch, n, n]);

/** Max |a - b| over all elements. */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.data();
  const y = b.data();
  if (x.length !== y.length) throw new Error(`maxAbsDiff: sizes ${x.length} and ${y.length}`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}
