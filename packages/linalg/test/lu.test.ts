/**
 * The LU family: solve, inv, det, slogdet. Gradients to second order on drawn well-conditioned
 * matrices (batched, broadcast), the identities A X = B, inv(A) A = I, det = sign exp(logabsdet),
 * float32, singular matrices, errors and NaN.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { assertGradcheck, assertGradgradcheck, eye, gradients, matmul, tensor, type Tensor } from '@nn/autograd';
import { gradcheckProperty } from '@nn/autograd/testing';
import { det, inv, slogdet, solve } from '../src/index.js';
import { broadcastSources } from '../src/batch.js';
import { batchShapeArb, maxAbsDiff, squareShapeArb, uniformArb, wellConditionedFrom } from './matrices.js';

const runs = { numRuns: 12 };
const f64 = (data: number[][]): Tensor => tensor(data, { dtype: 'float64' });

/** A square shape and a right-hand side shape whose batch axes broadcast with it (matrix or vector). */
const solveShapes = fc
  .tuple(batchShapeArb(1), batchShapeArb(1), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }))
  .map(([batchA, batchB, n, k]) => {
    const b = k === 0 ? [...batchA, n] : [...batchB.map((d, i) => (batchA[i] === undefined ? d : i % 2 === 0 ? batchA[i]! : 1)), n, k];
    return { a: [...batchA, n, n], b };
  });

describe('solve', () => {
  test('gradcheck and gradgradcheck, matrix and vector right-hand sides, broadcast batches', () => {
    fc.assert(gradcheckProperty(solveShapes.chain(({ a, b }) =>
      fc.tuple(uniformArb(a), uniformArb(b)).map(([x, r]) => ({ f: (t: Tensor, y: Tensor) => solve(wellConditionedFrom(t), y), inputs: [x, r] })))), runs);
  });

  test('A X = B to 1e-12 (float64) and 1e-5 (float32), the vector case shaped as torch', () => {
    fc.assert(fc.property(solveShapes.chain(({ a, b }) => fc.tuple(uniformArb(a), uniformArb(b))), ([x, b]) => {
      const a = wellConditionedFrom(x);
      const sol = solve(a, b);
      const vector = b.ndim === 1 || (b.ndim === a.ndim - 1 && b.shape.every((d, i) => d === a.shape[i]));
      const ax = vector ? matmul(a, sol.unsqueeze(-1)).squeeze(-1) : matmul(a, sol);
      expect(maxAbsDiff(ax, b.expand(ax.shape))).toBeLessThan(1e-12);
      const sol32 = solve(a.cast('float32'), b.cast('float32'));
      expect(sol32.dtype).toBe('float32');
      expect(maxAbsDiff(sol32.cast('float64'), sol)).toBeLessThan(1e-5);
    }), { numRuns: 40 });
  });

  test('a broadcast A is factored once per matrix of its own batch: the sources of each broadcast matrix', () => {
    expect(Array.from(broadcastSources([2, 1], [3, 2, 4]))).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(broadcastSources([], [2, 2]))).toEqual([0, 0, 0, 0]);
    expect(Array.from(broadcastSources([3], [2, 3]))).toEqual([0, 1, 2, 0, 1, 2]);
    // One A against a batch of right-hand sides, and a batch of A against one B, agree with the loop.
    const a = f64([[3, 1], [1, 2]]);
    const bs = tensor([[[1], [0]], [[0], [1]], [[2], [2]]], { dtype: 'float64' });
    const x = solve(a, bs);
    for (let i = 0; i < 3; i++) {
      const xi = solve(a, bs.slice([i, 0, 0], [i + 1, 2, 1]).squeeze(0));
      expect(maxAbsDiff(x.slice([i, 0, 0], [i + 1, 2, 1]).squeeze(0), xi)).toBe(0);
    }
  });

  test('needs pivoting: a zero in the top-left corner', () => {
    expect(solve(f64([[0, 1], [1, 0]]), tensor([2, 3], { dtype: 'float64' })).toArray()).toEqual([3, 2]);
  });

  test('a singular matrix is an error naming the batch element', () => {
    expect(() => solve(f64([[1, 2], [2, 4]]), tensor([1, 2], { dtype: 'float64' }))).toThrow('linalg.solve: The solver failed because the input matrix is singular.');
    const batch = tensor([[[1, 0], [0, 1]], [[0, 0], [0, 1]]]);
    expect(() => solve(batch, tensor([[1], [1]]))).toThrow('linalg.solve: (Batch element 1): The solver failed because the input matrix is singular.');
  });

  test('shape and dtype errors name the function and the shapes', () => {
    const a = tensor([[1, 0], [0, 1]]);
    expect(() => solve(a, tensor([1, 2, 3]))).toThrow('linalg.solve: Incompatible shapes of A and B for the equation AX = B (2x2 and 3; A [2, 2], B [3])');
    expect(() => solve(a, tensor([[1, 2, 3]]))).toThrow('linalg.solve: Incompatible shapes of A and B for the equation AX = B (2x2 and 1x3');
    expect(() => solve(tensor([[1, 2]]), tensor([1]))).toThrow('linalg.solve: A must be batches of square matrices, but they are 1 by 2 matrices');
    expect(() => solve(a, tensor([1, 2], { dtype: 'float64' }))).toThrow('linalg.solve: Expected A and B to have the same dtype, but got A.dtype = float32 and B.dtype = float64');
    expect(() => solve(tensor([[[1]], [[1]]]), tensor([[[1]], [[1]], [[1]]]))).toThrow('linalg.solve: the batch dimensions of A [2, 1, 1] and B [3, 1, 1] do not broadcast');
  });

  test('NaN propagates', () => {
    const x = solve(f64([[NaN, 1], [1, 2]]), tensor([1, 1], { dtype: 'float64' }));
    expect(x.data().every((v) => Number.isNaN(v))).toBe(true);
  });
});

describe('inv', () => {
  test('gradcheck and gradgradcheck, batched', () => {
    fc.assert(gradcheckProperty(squareShapeArb(3).chain((s) => uniformArb(s).map((x) => ({ f: (t: Tensor) => inv(wellConditionedFrom(t)), inputs: [x] })))), runs);
  });

  test('inv(A) A = I and A inv(A) = I to 1e-12; float32 to 1e-5', () => {
    fc.assert(fc.property(squareShapeArb(6).chain(uniformArb), (x) => {
      const a = wellConditionedFrom(x);
      const n = a.shape[a.ndim - 1]!;
      const identity = eye(n, { dtype: 'float64' }).expand(a.shape);
      const ai = inv(a);
      expect(maxAbsDiff(matmul(ai, a), identity)).toBeLessThan(1e-12);
      expect(maxAbsDiff(matmul(a, ai), identity)).toBeLessThan(1e-12);
      expect(maxAbsDiff(inv(a.cast('float32')).cast('float64'), ai)).toBeLessThan(1e-5);
    }), { numRuns: 40 });
  });

  test('NaN propagates', () => {
    expect(inv(f64([[1, NaN], [0, 1]])).data().some((v) => Number.isNaN(v))).toBe(true);
    expect(inv(f64([[NaN, 0], [0, 1]])).data()[0]).toBeNaN();
  });

  test('a singular matrix is an error naming the zero diagonal element of U, as PyTorch', () => {
    expect(() => inv(f64([[1, 2], [2, 4]]))).toThrow('linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because the input matrix is singular.');
    expect(() => inv(tensor([[[1]], [[0]]]))).toThrow('linalg.inv: (Batch element 1): The diagonal element 1 is zero');
    expect(() => inv(tensor([1, 2]))).toThrow('linalg.inv: The input tensor A must have at least 2 dimensions');
  });
});

describe('det and slogdet', () => {
  test('gradcheck and gradgradcheck of det and of logabsdet on general (not only dominant) matrices, batched', () => {
    fc.assert(gradcheckProperty(squareShapeArb(3).chain((s) => uniformArb(s).map((x) => ({ f: (t: Tensor) => det(t.add(eye(s[s.length - 1]!, { dtype: 'float64' }).mul(0.5))), inputs: [x] })))), runs);
    fc.assert(gradcheckProperty(squareShapeArb(3).chain((s) => uniformArb(s).map((x) => ({ f: (t: Tensor) => slogdet(wellConditionedFrom(t)).logabsdet, inputs: [x] })))), runs);
  });

  test('det = sign exp(logabsdet), det(A B) = det A det B, det(inv A) = 1 / det A', () => {
    fc.assert(fc.property(squareShapeArb(5).chain((s) => fc.tuple(uniformArb(s), uniformArb(s))), ([x, y]) => {
      const a = wellConditionedFrom(x);
      const b = wellConditionedFrom(y).neg();
      const { sign, logabsdet } = slogdet(b);
      const d = det(b);
      expect(maxAbsDiff(sign.mul(logabsdet.exp()), d)).toBeLessThan(1e-12 * Math.max(1, ...Array.from(d.data(), Math.abs)));
      const rel = (u: Tensor, v: Tensor): number => maxAbsDiff(u.div(v), u.div(u));
      expect(rel(det(matmul(a, b)), det(a).mul(det(b)))).toBeLessThan(1e-12);
      expect(rel(det(inv(a)), det(a).reciprocal())).toBeLessThan(1e-12);
    }), { numRuns: 30 });
  });

  test('a singular matrix: det 0, sign 0, logabsdet -Infinity; the gradient of det is the cofactor matrix', () => {
    const a = f64([[1, 2], [2, 4]]);
    expect(Math.abs(det(a).item())).toBe(0);
    const { sign, logabsdet } = slogdet(a);
    expect(sign.item()).toBe(0);
    expect(logabsdet.item()).toBe(-Infinity);
    const leaf = tensor([[1, 2], [2, 4]], { dtype: 'float64', requiresGrad: true });
    det(leaf).backward();
    // The cofactor matrix of [[a, b], [c, d]] is [[d, -c], [-b, a]].
    const grad = leaf.grad!.data();
    [4, -2, -2, 1].forEach((v, i) => expect(grad[i]).toBeCloseTo(v, 12));
    // Rank n - 2: every cofactor is 0.
    const zero = tensor([[1, 1, 1], [1, 1, 1], [1, 1, 1]], { dtype: 'float64', requiresGrad: true });
    det(zero).backward();
    expect(maxAbsDiff(zero.grad!, tensor(new Float64Array(9), { shape: [3, 3] }))).toBeLessThan(1e-12);
  });

  test('det at singular matrices: gradcheck and gradgradcheck (the cofactors by the SVD when recording), batched with a regular one', () => {
    const a = f64([[1, 2, 3], [2, 4, 6], [0.5, -1, 2]]);
    assertGradcheck((t) => det(t), [a]);
    assertGradgradcheck((t) => det(t), [a]);
    const batch = tensor([[[1, 2], [2, 4]], [[2, 1], [0.5, 3]]], { dtype: 'float64' });
    assertGradcheck((t) => det(t), [batch]);
    assertGradgradcheck((t) => det(t), [batch]);
    // The recorded rule gives the same first derivative as the perturbed-LU one.
    const leaf = tensor([[1, 2, 3], [2, 4, 6], [0.5, -1, 2]], { dtype: 'float64', requiresGrad: true });
    const [recorded] = gradients(det(leaf), [leaf], tensor(1, { dtype: 'float64' }), { createGraph: true });
    const [plain] = gradients(det(leaf), [leaf], tensor(1, { dtype: 'float64' }));
    expect(maxAbsDiff(recorded!, plain!)).toBeLessThan(1e-12);
  });

  test('float32, 0 x 0 (det 1, as PyTorch), errors and NaN', () => {
    expect(det(tensor([[1, 2], [3, 4]])).item()).toBeCloseTo(-2, 5);
    expect(det(tensor([[1, 2], [3, 4]])).dtype).toBe('float32');
    expect(det(tensor(new Float64Array(0), { shape: [0, 0] })).item()).toBe(1);
    expect(() => det(tensor([[1, 2, 3]]))).toThrow('linalg.det: A must be batches of square matrices, but they are 1 by 3 matrices');
    expect(() => slogdet(tensor([1]))).toThrow('linalg.slogdet: The input tensor A must have at least 2 dimensions');
    expect(Number.isNaN(det(f64([[1, NaN], [0, 1]])).item())).toBe(true);
    const s = slogdet(f64([[1, NaN], [0, 1]]));
    expect(Number.isNaN(s.sign.item()) && Number.isNaN(s.logabsdet.item())).toBe(true);
  });
});
