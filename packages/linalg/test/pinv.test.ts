/**
 * pinv: gradients to second order on drawn full-rank matrices (tall, wide, square, batched) and on
 * rank-one matrices (rank stays constant under perturbation); the four Penrose conditions; pinv = inv
 * for a square invertible matrix; PyTorch's values and gradients; float32; the errors; NaN.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { matmul, tensor, transpose, type Tensor } from '@nn/autograd';
import { gradcheckProperty } from '@nn/autograd/testing';
import { pinv } from '../src/index.js';
import { batchShapeArb, uniformArb } from './matrices.js';
import { decode, expectGradientAndHvp, expectMatches, spectralFixture } from './spectral-fixture.js';
import { fullRankFrom, largestDifference, rectShapeArb } from './spectral-matrices.js';

const mT = (x: Tensor): Tensor => transpose(x, -2, -1);

describe('pinv', () => {
  test('gradcheck and gradgradcheck on full-rank matrices, tall, wide and square, batched', () => {
    fc.assert(gradcheckProperty(rectShapeArb(4).chain(uniformArb).map((x) => ({ f: (t: Tensor) => pinv(fullRankFrom(t)), inputs: [x] }))), { numRuns: 16 });
  });

  test('gradcheck and gradgradcheck on rank-one matrices x y^T (the rank stays 1 under perturbation)', () => {
    const cases = fc.tuple(batchShapeArb(1), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 2, max: 4 })).chain(([lead, m, n]) =>
      fc.tuple(uniformArb([...lead, m, 1]), uniformArb([...lead, 1, n])).map(([x, y]) => ({
        // Shifted away from 0 so that the rank-one matrix is not nearly zero.
        f: (a: Tensor, b: Tensor) => pinv(matmul(a.add(2), b.sub(2))),
        inputs: [x, y],
      })),
    );
    fc.assert(gradcheckProperty(cases), { numRuns: 10 });
  });

  test('the Penrose conditions A P A = A, P A P = P, (A P)^T = A P, (P A)^T = P A, to 1e-13; float32 close', () => {
    fc.assert(fc.property(rectShapeArb(6).chain(uniformArb), (x) => {
      const a = fullRankFrom(x);
      const p = pinv(a);
      expect(p.shape).toEqual([...a.shape.slice(0, -2), a.shape[a.ndim - 1]!, a.shape[a.ndim - 2]!]);
      const ap = matmul(a, p);
      const pa = matmul(p, a);
      expect(largestDifference(matmul(ap, a), a)).toBeLessThan(1e-13);
      expect(largestDifference(matmul(pa, p), p)).toBeLessThan(1e-13);
      expect(largestDifference(mT(ap), ap)).toBeLessThan(1e-13);
      expect(largestDifference(mT(pa), pa)).toBeLessThan(1e-13);
      const p32 = pinv(a.cast('float32'));
      expect(p32.dtype).toBe('float32');
      expect(largestDifference(p32.cast('float64'), p)).toBeLessThan(1e-6);
    }), { numRuns: 30 });
  });

  test('singular values below max(m, n) eps s_max count as zero', () => {
    // diag(1, 1e-17): the second is below 2 * 2^-52, so P = diag(1, 0), not diag(1, 1e17).
    expect(Array.from(pinv(tensor([[1, 0], [0, 1e-17]], { dtype: 'float64' })).data())).toEqual([1, 0, 0, 0]);
    // In float32 the tolerance is 2 * 2^-23 of s_max: 1e-7 is below it.
    expect(Array.from(pinv(tensor([[1, 0], [0, 1e-7]], { dtype: 'float32' })).data())).toEqual([1, 0, 0, 0]);
    expect(pinv(tensor([[1, 0], [0, 1e-7]], { dtype: 'float64' })).data()[3]).toBeCloseTo(1e7, 3);
  });

  describe("PyTorch's values, gradients and Hessian-vector products (float64, 1e-10 relative)", () => {
    for (const [i, c] of spectralFixture.pinv.entries()) {
      test(`A ${JSON.stringify(c.a.shape)} (case ${i})`, () => {
        const a = decode(c.a, true);
        const p = pinv(a);
        expectMatches(p, c.pinv, 'pinv');
        p.mul(decode(c.c)).sum().backward();
        expectMatches(a.grad!, c.grad, 'gradient of <C, pinv(A)>');
        expectGradientAndHvp((t) => pinv(t).mul(decode(c.c!)).sum(), c, 'grad', 'hvp');
      });
    }
  });

  test('bad shapes and dtypes are errors naming the function', () => {
    expect(() => pinv(tensor([1, 2]))).toThrow('linalg.pinv: The input tensor A must have at least 2 dimensions (got shape [2])');
    expect(() => pinv(tensor([[1]], { dtype: 'int32' }))).toThrow('linalg.pinv: Expected a floating point tensor as input. Got int32');
  });

  test('NaN propagates; the zero matrix has the zero pseudoinverse; an empty batch', () => {
    expect(Array.from(pinv(tensor([[1, NaN], [2, 3]], { dtype: 'float64' })).data()).every(Number.isNaN)).toBe(true);
    expect(Array.from(pinv(tensor([[0, 0, 0], [0, 0, 0]], { dtype: 'float64' })).data())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(pinv(tensor(new Float64Array(0), { shape: [0, 3, 2] })).shape).toEqual([0, 2, 3]);
  });
});
