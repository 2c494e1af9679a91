/**
 * lstsq, matrixExp and matrixNorm: gradients to second order on drawn matrices (batched), their
 * identities at stated tolerances, float32, errors and NaN.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { abs, eye, matmul, tensor, transpose, type Tensor } from '@nn/autograd';
import { gradcheckProperty } from '@nn/autograd/testing';
import { lstsq, matrixExp, matrixNorm, pinv, solve } from '../src/index.js';
import { batchShapeArb, maxAbsDiff, squareShapeArb, uniformArb } from './matrices.js';

const runs = { numRuns: 10 };
const f64 = (data: number[][]): Tensor => tensor(data, { dtype: 'float64' });

/** Tall A [batch, m, n] (m >= n) with a well-conditioned leading block, and B [batch, m, k] or [batch, m]. */
const tallCase = fc
  .tuple(batchShapeArb(1), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }))
  .chain(([batch, n, extra, k]) => fc.tuple(uniformArb([...batch, n + extra, n]), uniformArb(k === 0 ? [...batch, n + extra] : [...batch, n + extra, k])));
/** Wide A [batch, m, n] (m < n), and B [batch, m, k] or [batch, m]. */
const wideCase = fc
  .tuple(batchShapeArb(1), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 2 }))
  .chain(([batch, m, extra, k]) => fc.tuple(uniformArb([...batch, m, m + extra]), uniformArb(k === 0 ? [...batch, m] : [...batch, m, k])));
/**
 * A rank-deficient A = L R of rank r < min(m, n), from L [m, r] and R^T [n, r] (each lifted to full
 * column rank), and B [m, k]. Perturbing L or R keeps the rank r, so finite differences stay on the
 * set where lstsq is differentiable (its rank locally constant).
 */
const lowRankCase = fc
  .tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }))
  .chain(([r, moreRows, moreColumns, k]) => fc.tuple(uniformArb([r + moreRows, r]), uniformArb([r + moreColumns, r]), uniformArb([r + moreRows, k])));
const lowRankFrom = (l: Tensor, rt: Tensor): Tensor => matmul(tallFrom(l), transpose(tallFrom(rt), -2, -1));
/** A + 2 n on the leading diagonal: full rank (column rank when tall, row rank when wide), singular values about 2 n. */
const tallFrom = (x: Tensor): Tensor => {
  const [m, n] = x.shape.slice(-2) as [number, number];
  const lift = tensor(Float64Array.from({ length: m * n }, (_, i) => (Math.floor(i / n) === i % n ? 2 * n : 0)), { shape: [m, n] });
  return x.add(lift);
};

describe('lstsq', () => {
  test('gradcheck and gradgradcheck on tall full-rank A, matrix and vector B, batched', () => {
    fc.assert(gradcheckProperty(tallCase.map(([x, b]) => ({ f: (t: Tensor, r: Tensor) => lstsq(tallFrom(t), r).solution, inputs: [x, b] }))), runs);
  });

  test('gradcheck and gradgradcheck on wide full-rank A (the solution of least norm), matrix and vector B, batched', () => {
    fc.assert(gradcheckProperty(wideCase.map(([x, b]) => ({ f: (t: Tensor, r: Tensor) => lstsq(tallFrom(t), r).solution, inputs: [x, b] }))), runs);
  });

  test('gradcheck and gradgradcheck on rank-deficient A = L R (through the SVD)', () => {
    fc.assert(gradcheckProperty(lowRankCase.map(([l, rt, b]) => ({ f: (x: Tensor, y: Tensor, r: Tensor) => lstsq(lowRankFrom(x, y), r).solution, inputs: [l, rt, b] }))), runs);
  });

  test('wide and rank-deficient A give the minimum-norm solution, pinv(A) B, to 1e-12; wide A fits B exactly', () => {
    fc.assert(fc.property(wideCase, ([x, b]) => {
      const a = tallFrom(x);
      const bm = b.ndim === a.ndim ? b : b.unsqueeze(-1);
      const xm = lstsq(a, bm).solution;
      expect(maxAbsDiff(matmul(a, xm), bm)).toBeLessThan(1e-12 * a.shape[a.ndim - 1]!);
      expect(maxAbsDiff(xm, matmul(pinv(a), bm))).toBeLessThan(1e-12);
    }), { numRuns: 30 });
    fc.assert(fc.property(lowRankCase, ([l, rt, b]) => {
      const a = lowRankFrom(l, rt);
      expect(maxAbsDiff(lstsq(a, b).solution, matmul(pinv(a), b))).toBeLessThan(1e-12);
    }), { numRuns: 30 });
  });

  test('the normal equations A^T (A X - B) = 0 hold to 1e-12; square A gives solve', () => {
    fc.assert(fc.property(tallCase, ([x, b]) => {
      const a = tallFrom(x);
      const { solution } = lstsq(a, b);
      const bm = b.ndim === a.ndim ? b : b.unsqueeze(-1);
      const xm = b.ndim === a.ndim ? solution : solution.unsqueeze(-1);
      const normal = matmul(transpose(a, -2, -1), matmul(a, xm).sub(bm));
      expect(maxAbsDiff(normal, normal.mul(0))).toBeLessThan(1e-12 * a.shape[a.ndim - 2]! ** 2);
      const square = a.slice(a.shape.map(() => 0), [...a.shape.slice(0, -2), a.shape[a.ndim - 1]!, a.shape[a.ndim - 1]!]);
      const rhs = bm.slice(bm.shape.map(() => 0), [...bm.shape.slice(0, -2), square.shape[square.ndim - 1]!, bm.shape[bm.ndim - 1]!]);
      expect(maxAbsDiff(lstsq(square, rhs).solution, solve(square, rhs))).toBeLessThan(1e-12);
      expect(lstsq(a.cast('float32'), b.cast('float32')).solution.dtype).toBe('float32');
    }), { numRuns: 30 });
  });

  test('an exact fit', () => {
    const { solution } = lstsq(f64([[1, 0], [0, 1], [1, 1]]), tensor([1, 2, 3], { dtype: 'float64' }));
    expect(maxAbsDiff(solution, tensor([1, 2], { dtype: 'float64' }))).toBeLessThan(1e-15);
  });

  test('rank-deficient and wide examples worked by hand', () => {
    // A = u v^T with u = [1, 2, 3], v = [1, 2]: pinv(A) = v u^T / (|u|^2 |v|^2), so X = v (u . b) / 70.
    const rankOne = lstsq(f64([[1, 2], [2, 4], [3, 6]]), tensor([1, 2, 3], { dtype: 'float64' })).solution;
    expect(maxAbsDiff(rankOne, tensor([0.2, 0.4], { dtype: 'float64' }))).toBeLessThan(1e-15);
    // One equation x + 2 y + 3 z = 14: the least-norm solution is along [1, 2, 3].
    const wide = lstsq(f64([[1, 2, 3]]), tensor([14], { dtype: 'float64' })).solution;
    expect(maxAbsDiff(wide, tensor([1, 2, 3], { dtype: 'float64' }))).toBeLessThan(1e-14);
    // A zero matrix: every X fits equally badly; the least-norm one is 0.
    expect(lstsq(f64([[0, 0], [0, 0]]), tensor([1, 2], { dtype: 'float64' })).solution.toArray()).toEqual([0, 0]);
  });

  test('errors: mismatched rows', () => {
    expect(() => lstsq(f64([[1], [2]]), tensor([1, 2, 3], { dtype: 'float64' }))).toThrow('linalg.lstsq: A and B must have the same number of rows (A [2, 1] has 2, B [3] has 3)');
  });

  test('NaN propagates', () => {
    const { solution } = lstsq(f64([[1, 0], [NaN, 1], [1, 1]]), tensor([1, 2, 3], { dtype: 'float64' }));
    expect(solution.data().every((v) => Number.isNaN(v))).toBe(true);
  });
});

/** exp(A) by its Taylor series (accurate for small ||A||), the reference. */
function taylorExp(a: Tensor, terms = 40): Tensor {
  const n = a.shape[a.ndim - 1]!;
  let term = eye(n, { dtype: 'float64' }).expand(a.shape);
  let total = term;
  for (let k = 1; k < terms; k++) {
    term = matmul(term, a).div(k);
    total = total.add(term);
  }
  return total;
}

describe('matrixExp', () => {
  test('gradcheck and gradgradcheck, batched, across Padé degrees (small and scaled norms)', () => {
    fc.assert(gradcheckProperty(fc.tuple(squareShapeArb(3, 1), fc.constantFrom(0.01, 0.2, 1, 3)).chain(([s, scale]) =>
      uniformArb(s).map((x) => ({ f: (t: Tensor) => matrixExp(t.mul(scale)), inputs: [x] })))), runs);
  });

  test('matches the Taylor series to 1e-13 relative, for norms that take each degree and scaling', () => {
    fc.assert(fc.property(squareShapeArb(5), fc.constantFrom(0.005, 0.1, 0.5, 1.5, 4, 12), fc.gen(), (shape, scale, g) => {
      const values = Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => g(fc.integer, { min: -1000, max: 1000 }) / 1000);
      const a = tensor(Float64Array.from(values), { shape, dtype: 'float64' }).mul(scale / shape[shape.length - 1]!);
      const e = matrixExp(a);
      const reference = taylorExp(a, 80);
      const size = Math.max(1, ...Array.from(reference.data(), Math.abs));
      expect(maxAbsDiff(e, reference) / size).toBeLessThan(1e-13);
      expect(maxAbsDiff(matrixExp(a.cast('float32')).cast('float64'), e) / size).toBeLessThan(1e-5);
    }), { numRuns: 30 });
  });

  test('identities: exp(0) = I, exp(diag d) = diag(exp d), a rotation, exp(A) exp(-A) = I', () => {
    expect(matrixExp(f64([[0, 0], [0, 0]])).toArray()).toEqual([[1, 0], [0, 1]]);
    const d = matrixExp(f64([[1, 0], [0, -20]])).data();
    expect(d[0]).toBeCloseTo(Math.E, 14);
    expect(d[3]! / Math.exp(-20)).toBeCloseTo(1, 12);
    const r = matrixExp(f64([[0, -1], [1, 0]])).data();
    [Math.cos(1), -Math.sin(1), Math.sin(1), Math.cos(1)].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 14));
    const a = f64([[0.3, 5, -2], [1, -4, 0.5], [2, 2, 1]]);
    expect(maxAbsDiff(matmul(matrixExp(a), matrixExp(a.neg())), eye(3, { dtype: 'float64' }))).toBeLessThan(1e-11);
  });

  test('errors and NaN', () => {
    expect(() => matrixExp(tensor([[1, 2]]))).toThrow('linalg.matrix_exp: A must be batches of square matrices, but they are 1 by 2 matrices');
    expect(matrixExp(f64([[1, NaN], [0, 1]])).data().every((v) => Number.isNaN(v))).toBe(true);
  });
});

describe('matrixNorm', () => {
  const ords = [ 'fro', 1, -1, Infinity, -Infinity ] as const;
  test('gradcheck and gradgradcheck for each ord, batched, non-square', () => {
    fc.assert(gradcheckProperty(fc.tuple(batchShapeArb(1), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(...ords)).chain(([b, m, n, ord]) =>
      uniformArb([...b, m, n]).map((x) => ({ f: (t: Tensor) => matrixNorm(t.add(2), { ord }), inputs: [x] })))), runs);
  });

  test("gradcheck and gradgradcheck of 'nuc', 2 and -2 (distinct singular values), batched, non-square", () => {
    fc.assert(gradcheckProperty(fc.tuple(batchShapeArb(1), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('nuc' as const, 2 as const, -2 as const)).chain(([b, m, n, ord]) =>
      uniformArb([...b, m, n]).map((x) => ({
        // A fixed spread of singular values (1, 2.5, 4 on the diagonal) keeps them apart and away from 0.
        f: (t: Tensor) => matrixNorm(t.mul(0.3).add(tensor(Float64Array.from({ length: m * n }, (_, i) => (Math.floor(i / n) === i % n ? 1 + 1.5 * (i % n) : 0)), { shape: [m, n] })), { ord }),
        inputs: [x],
      })))), runs);
  });

  test('values as torch.linalg.matrix_norm on one matrix', () => {
    const a = f64([[1, -2], [3, 4]]);
    expect(matrixNorm(a).item()).toBeCloseTo(Math.sqrt(30), 14);
    expect(matrixNorm(a, { ord: 1 }).item()).toBe(6);
    expect(matrixNorm(a, { ord: -1 }).item()).toBe(4);
    expect(matrixNorm(a, { ord: Infinity }).item()).toBe(7);
    expect(matrixNorm(a, { ord: -Infinity }).item()).toBe(3);
    const d = f64([[3, 0], [0, -2], [0, 0]]);
    expect(matrixNorm(d, { ord: 'nuc' }).item()).toBeCloseTo(5, 14);
    expect(matrixNorm(d, { ord: 2 }).item()).toBeCloseTo(3, 14);
    expect(matrixNorm(d, { ord: -2 }).item()).toBeCloseTo(2, 14);
    expect(matrixNorm(tensor([[[1, 0], [0, 1]], [[2, 0], [0, 0]]]), { ord: 1 }).toArray()).toEqual([1, 2]);
    expect(abs(matrixNorm(a.cast('float32'))).dtype).toBe('float32');
  });

  test('NaN propagates through every ord', () => {
    for (const ord of ['fro', 'nuc', 1, -1, 2, -2, Infinity, -Infinity] as const) {
      expect(Number.isNaN(matrixNorm(f64([[1, NaN], [0, 2]]), { ord }).item()), String(ord)).toBe(true);
    }
  });

  test('errors name the function', () => {
    expect(() => matrixNorm(tensor([1, 2]))).toThrow('linalg.matrix_norm: The input tensor A must have at least 2 dimensions');
    expect(() => matrixNorm(tensor([[1]]), { ord: 3 as never })).toThrow("linalg.matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, Infinity or -Infinity, got 3");
    expect(() => matrixNorm(tensor([[1]]), { dim: 0 } as never)).toThrow(/linalg.matrix_norm.*dim/);
  });
});
