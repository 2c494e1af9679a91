/**
 * cholesky and solveTriangular: gradients to second order on drawn SPD and triangular matrices
 * (batched), the identities L L^T = A and T X = B, float32, the errors and NaN.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { assertGradcheck, assertGradgradcheck, matmul, tensor, transpose, tril, triu, type Tensor } from '@nn/autograd';
import { gradcheckProperty } from '@nn/autograd/testing';
import { cholesky, solveTriangular } from '../src/index.js';
import { maxAbsDiff, spdFrom, squareShapeArb, uniformArb, wellConditionedFrom } from './matrices.js';

const runs = { numRuns: 12 };

describe('cholesky', () => {
  test('gradcheck and gradgradcheck of cholesky(X X^T + n I), lower and upper, batched', () => {
    fc.assert(gradcheckProperty(fc.tuple(squareShapeArb(3), fc.boolean()).chain(([shape, upper]) =>
      uniformArb(shape).map((x) => ({ f: (t: Tensor) => cholesky(spdFrom(t), { upper }), inputs: [x] })))), runs);
  });

  test('L L^T = A and L is lower triangular with a positive diagonal, to 1e-12 (float64) and 1e-5 (float32)', () => {
    fc.assert(fc.property(squareShapeArb(6).chain(uniformArb), (x) => {
      const a = spdFrom(x);
      const l = cholesky(a);
      expect(maxAbsDiff(matmul(l, transpose(l, -2, -1)), a)).toBeLessThan(1e-12 * x.shape[x.ndim - 1]! ** 2);
      expect(maxAbsDiff(l, tril(l))).toBe(0);
      const u = cholesky(a, { upper: true });
      expect(maxAbsDiff(u, transpose(l, -2, -1))).toBe(0);
      const l32 = cholesky(a.cast('float32'));
      expect(l32.dtype).toBe('float32');
      expect(maxAbsDiff(l32.cast('float64'), l)).toBeLessThan(1e-5 * x.shape[x.ndim - 1]!);
    }), { numRuns: 30 });
  });

  test('reads only the lower triangle, as PyTorch', () => {
    const a = tensor([[4, 100], [2, 5]], { dtype: 'float64' });
    expect(cholesky(a).toArray()).toEqual([[2, 0], [1, 2]]);
  });

  test('a matrix that is not positive-definite names the batch element and the failing minor', () => {
    expect(() => cholesky(tensor([[1, 2], [2, 1]]))).toThrow(
      'linalg.cholesky: The factorization could not be completed because the input is not positive-definite (the leading minor of order 2 is not positive-definite).',
    );
    const batch = tensor([[[1, 0], [0, 1]], [[-1, 0], [0, 1]]]);
    expect(() => cholesky(batch)).toThrow('linalg.cholesky: (Batch element 1): The factorization could not be completed because the input is not positive-definite (the leading minor of order 1');
  });

  test('bad shapes, dtypes and options are errors naming the function', () => {
    expect(() => cholesky(tensor([1, 2]))).toThrow('linalg.cholesky: The input tensor A must have at least 2 dimensions (got shape [2])');
    expect(() => cholesky(tensor([[1, 2, 3], [4, 5, 6]]))).toThrow('linalg.cholesky: A must be batches of square matrices, but they are 2 by 3 matrices');
    expect(() => cholesky(tensor([[1]], { dtype: 'int32' }))).toThrow('linalg.cholesky: Expected a floating point tensor as input. Got int32');
    expect(() => cholesky(tensor([[1]]), { uper: true } as never)).toThrow(/linalg.cholesky.*uper/);
  });

  test('NaN propagates into the factor', () => {
    const l = cholesky(tensor([[4, 0], [NaN, 5]], { dtype: 'float64' }));
    expect(l.data()[0]).toBe(2);
    expect(Number.isNaN(l.data()[2]!)).toBe(true);
    expect(Number.isNaN(l.data()[3]!)).toBe(true);
  });

  test('an empty batch and 0 x 0 matrices', () => {
    expect(cholesky(tensor(new Float64Array(0), { shape: [0, 2, 2] })).shape).toEqual([0, 2, 2]);
    expect(cholesky(tensor(new Float64Array(0), { shape: [0, 0] })).shape).toEqual([0, 0]);
  });
});

describe('solveTriangular', () => {
  const triangularCase = fc
    .tuple(squareShapeArb(3, 1), fc.integer({ min: 1, max: 2 }), fc.boolean(), fc.boolean(), fc.boolean())
    .chain(([shape, k, upper, left, unitriangular]) => {
      const n = shape[shape.length - 1]!;
      const bShape = [...shape.slice(0, -2), left ? n : k, left ? k : n];
      return fc.tuple(uniformArb(shape), uniformArb(bShape)).map(([x, b]) => ({
        f: (t: Tensor, r: Tensor) => solveTriangular(wellConditionedFrom(t), r, { upper, left, unitriangular }),
        inputs: [x, b],
      }));
    });

  test('gradcheck and gradgradcheck over upper, left and unitriangular, batched', () => {
    fc.assert(gradcheckProperty(triangularCase), runs);
  });

  test('T X = B and X T = B to 1e-12; only the triangle (and, unitriangular, not the diagonal) is read', () => {
    fc.assert(fc.property(squareShapeArb(6, 1).chain(uniformArb), fc.boolean(), fc.boolean(), (x, upper, unitriangular) => {
      const a = wellConditionedFrom(x);
      const n = a.shape[a.ndim - 1]!;
      const tri = upper ? triu(a) : tril(a);
      const t = unitriangular ? tri.sub(tri.mul(tensor(Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)), { shape: [n, n] }))).add(tensor(Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)), { shape: [n, n] })) : tri;
      const b = x.add(1);
      const left = solveTriangular(a, b, { upper, unitriangular });
      expect(maxAbsDiff(matmul(t, left), b)).toBeLessThan(1e-12 * n);
      const right = solveTriangular(a, b, { upper, left: false, unitriangular });
      expect(maxAbsDiff(matmul(right, t), b)).toBeLessThan(1e-12 * n);
    }), { numRuns: 30 });
  });

  test('broadcasts batch axes and keeps float32', () => {
    const a = tensor([[2, 0], [1, 1]]);
    const b = tensor([[[2], [3]], [[4], [2]]]);
    const x = solveTriangular(a, b, { upper: false });
    expect(x.shape).toEqual([2, 2, 1]);
    expect(x.dtype).toBe('float32');
    expect(x.toArray()).toEqual([[[1], [2]], [[2], [0]]]);
  });

  test('errors name the function and the shapes', () => {
    const a = tensor([[1, 0], [0, 1]]);
    expect(() => solveTriangular(a, tensor([[1], [2], [3]]), { upper: true })).toThrow('linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B (2x2 and 3x1');
    expect(() => solveTriangular(a, tensor([1, 2]), { upper: true })).toThrow('linalg.solve_triangular: The input tensor B must have at least 2 dimensions');
    expect(() => solveTriangular(a, tensor([[1], [2]], { dtype: 'float64' }), { upper: true })).toThrow('linalg.solve_triangular: Expected A and B to have the same dtype');
    expect(() => solveTriangular(a, tensor([[1], [2]]), {} as never)).toThrow('linalg.solve_triangular: upper must be true or false');
    expect(() => solveTriangular(tensor([[[1]], [[1]]]), tensor([[[1]], [[1]], [[1]]]), { upper: true })).toThrow(
      'linalg.solve_triangular: the batch dimensions of A [2, 1, 1] and B [3, 1, 1] do not broadcast',
    );
  });

  test('NaN propagates, also past a zero entry of T (no skipped multiply)', () => {
    const x = solveTriangular(tensor([[1, 0], [0, 1]], { dtype: 'float64' }), tensor([[NaN], [1]], { dtype: 'float64' }), { upper: false });
    expect(Number.isNaN(x.data()[0]!)).toBe(true);
    const y = solveTriangular(tensor([[1, 0], [0, 1]], { dtype: 'float64' }), tensor([[1], [NaN]], { dtype: 'float64' }), { upper: true });
    expect(Number.isNaN(y.data()[0]!) && Number.isNaN(y.data()[1]!)).toBe(true);
  });

  test('a zero on the diagonal gives inf, as PyTorch (no check)', () => {
    const x = solveTriangular(tensor([[0, 0], [1, 1]], { dtype: 'float64' }), tensor([[1], [1]], { dtype: 'float64' }), { upper: false });
    expect(x.data()[0]).toBe(Infinity);
  });

  test('gradcheck at one fixed lower-triangular case in both orders', () => {
    const a = tensor([[2, 0.3], [0.5, 3]], { dtype: 'float64' });
    const b = tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    const f = (t: Tensor, r: Tensor): Tensor => solveTriangular(t, r, { upper: false });
    assertGradcheck(f, [a, b]);
    assertGradgradcheck(f, [a, b]);
  });
});
