/**
 * qr: gradients to second order (reduced mode, and complete mode where it is differentiable) on
 * drawn full-rank matrices, batched; the identities Q^T Q = I, A = Q R, R upper triangular; PyTorch's
 * Q, R and gradients; float32; the errors, including PyTorch's refusals to differentiate; NaN.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { eye, matmul, tensor, transpose, triu, type Tensor } from '@nn/autograd';
import { gradcheckProperty } from '@nn/autograd/testing';
import { qr } from '../src/index.js';
import { uniformArb } from './matrices.js';
import { decode, expectGradientAndHvp, expectMatches, spectralFixture } from './spectral-fixture.js';
import { fullRankFrom, largestDifference, rectShapeArb } from './spectral-matrices.js';

const mT = (x: Tensor): Tensor => transpose(x, -2, -1);

describe('qr', () => {
  test('gradcheck and gradgradcheck of Q and of R, reduced (any m, n) and complete (m <= n), batched', () => {
    const cases = fc.tuple(rectShapeArb(4), fc.constantFrom('q', 'r'), fc.boolean()).chain(([shape, which, complete]) => {
      const m = shape[shape.length - 2]!;
      const n = shape[shape.length - 1]!;
      const mode = complete && m <= n ? ('complete' as const) : ('reduced' as const);
      return uniformArb(shape).map((x) => ({ f: (t: Tensor) => qr(fullRankFrom(t), { mode })[which as 'q' | 'r'], inputs: [x] }));
    });
    fc.assert(gradcheckProperty(cases), { numRuns: 16 });
  });

  test('a loss of Q and R together: the two rules add up', () => {
    fc.assert(gradcheckProperty(rectShapeArb(3, 1).chain(uniformArb).map((x) => ({
      f: (t: Tensor) => {
        const { q, r } = qr(fullRankFrom(t));
        return matmul(q.square(), r);
      },
      inputs: [x],
    }))), { numRuns: 8 });
  });

  test('Q^T Q = I, A = Q R and R upper triangular, in every mode, to 1e-14 (float64) and 1e-6 (float32)', () => {
    fc.assert(fc.property(rectShapeArb(6).chain(uniformArb), (a) => {
      const m = a.shape[a.ndim - 2]!;
      const n = a.shape[a.ndim - 1]!;
      const k = Math.min(m, n);
      for (const mode of ['reduced', 'complete'] as const) {
        const { q, r } = qr(a, { mode });
        const qCols = mode === 'complete' ? m : k;
        expect(q.shape).toEqual([...a.shape.slice(0, -2), m, qCols]);
        expect(r.shape).toEqual([...a.shape.slice(0, -2), qCols, n]);
        expect(largestDifference(matmul(mT(q), q), eye(qCols, { dtype: 'float64' }).expand([...a.shape.slice(0, -2), qCols, qCols]))).toBeLessThan(1e-14 * (m + 1));
        expect(largestDifference(matmul(q, r), a)).toBeLessThan(1e-14 * (m + 1) * n);
        expect(largestDifference(r, triu(r))).toBe(0);
      }
      const { r: rOnly, q: empty } = qr(a, { mode: 'r' });
      expect(empty.shape).toEqual([0]);
      expect(largestDifference(rOnly, qr(a).r)).toBe(0);
      const { q: q32, r: r32 } = qr(a.cast('float32'));
      expect(q32.dtype).toBe('float32');
      expect(largestDifference(matmul(q32, r32).cast('float64'), a)).toBeLessThan(1e-6 * (m + 1) * n);
    }), { numRuns: 30 });
  });

  describe("PyTorch's Q, R, gradients and Hessian-vector products (float64, 1e-10 relative)", () => {
    for (const [i, c] of spectralFixture.qr.entries()) {
      test(`mode ${c.mode as unknown as string}, A ${JSON.stringify(c.a.shape)} (case ${i})`, () => {
        const a = decode(c.a, true);
        const { q, r } = qr(a, { mode: c.mode as never });
        expectMatches(r, c.r, 'R');
        if (c.q !== undefined) expectMatches(q, c.q, 'Q');
        if (c.grad !== undefined) {
          const loss = q.mul(decode(c.cq)).sum().add(r.mul(decode(c.cr)).sum());
          loss.backward();
          expectMatches(a.grad!, c.grad, 'gradient of <CQ, Q> + <CR, R>');
          const mode = c.mode as unknown as 'reduced' | 'complete';
          expectGradientAndHvp((t) => {
            const f = qr(t, { mode });
            return f.q.mul(decode(c.cq!)).sum().add(f.r.mul(decode(c.cr!)).sum());
          }, c, 'grad', 'hvp');
        }
      });
    }
  });

  test('no gradient where PyTorch has none: complete mode with m > n, and mode r', () => {
    const a = tensor([[1, 2], [3, 4], [5, 7]], { dtype: 'float64', requiresGrad: true });
    expect(() => qr(a, { mode: 'complete' }).q.sum().backward()).toThrow(
      "linalg.qr: The QR decomposition is not differentiable when mode='complete' and nrows > ncols (A of shape [3, 2]).",
    );
    expect(() => qr(a, { mode: 'r' }).r.sum().backward()).toThrow("linalg.qr: The derivative of linalg.qr depends on Q, which is not computed when mode='r'");
    // Complete mode with m <= n is the reduced one, and differentiable.
    const wide = tensor([[1, 2, 3], [4, 5, 7]], { dtype: 'float64', requiresGrad: true });
    qr(wide, { mode: 'complete' }).q.sum().backward();
    expect(wide.grad!.shape).toEqual([2, 3]);
  });

  test('bad shapes, dtypes and options are errors naming the function', () => {
    expect(() => qr(tensor([1, 2]))).toThrow('linalg.qr: The input tensor A must have at least 2 dimensions (got shape [2])');
    expect(() => qr(tensor([[1]], { dtype: 'int32' }))).toThrow('linalg.qr: Expected a floating point tensor as input. Got int32');
    expect(() => qr(tensor([[1]]), { mode: 'full' as never })).toThrow("linalg.qr: qr received unrecognized mode 'full'");
    expect(() => qr(tensor([[1]]), { mod: 'r' } as never)).toThrow(/linalg.qr.*mod/);
  });

  test('NaN propagates; a zero column gives no reflection (R keeps the zero, Q stays orthogonal)', () => {
    const { q, r } = qr(tensor([[1, NaN], [2, 3]], { dtype: 'float64' }));
    expect(Number.isNaN(r.data()[1]!)).toBe(true);
    expect(Number.isNaN(r.data()[3]!)).toBe(true);
    expect(q.data().slice(0, 1)[0]).toBeCloseTo(-1 / Math.sqrt(5), 15);
    const zero = qr(tensor([[0, 1], [0, 2]], { dtype: 'float64' }));
    expect(zero.r.data()[0]).toBe(0);
    expect(largestDifference(matmul(mT(zero.q), zero.q), eye(2, { dtype: 'float64' }))).toBeLessThan(1e-15);
    expect(largestDifference(matmul(zero.q, zero.r), tensor([[0, 1], [0, 2]], { dtype: 'float64' }))).toBeLessThan(1e-15);
  });

  test('an empty batch', () => {
    const { q, r } = qr(tensor(new Float64Array(0), { shape: [0, 3, 2] }));
    expect(q.shape).toEqual([0, 3, 2]);
    expect(r.shape).toEqual([0, 2, 2]);
  });
});
