/**
 * eigh: gradients to second order on drawn symmetric matrices with separated spectra (batched), of
 * the eigenvalues, the eigenvectors (our sign convention is locally constant) and a gauge-invariant
 * function; A V = V diag(w), V^T V = I, ascending order, the sign convention; PyTorch's eigenvalues,
 * projections and gradients; repeated eigenvalues; uplo; float32; the errors; NaN.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { eye, matmul, tensor, transpose, type Tensor } from '@nn/autograd';
import { gradcheckProperty } from '@nn/autograd/testing';
import { eigh } from '../src/index.js';
import { squareShapeArb, uniformArb } from './matrices.js';
import { decode, expectGradientAndHvp, expectMatches, spectralFixture } from './spectral-fixture.js';
import { largestDifference, separatedSymmetricFrom } from './spectral-matrices.js';

const mT = (x: Tensor): Tensor => transpose(x, -2, -1);

/** [..., n, n, n]: v_i v_i^T for each column i of v. */
const projections = (v: Tensor): Tensor => v.transpose(-2, -1).unsqueeze(-1).mul(v.transpose(-2, -1).unsqueeze(-2));

describe('eigh', () => {
  test('gradcheck and gradgradcheck of the eigenvalues, the eigenvectors and V diag(w^2) V^T, batched', () => {
    const cases = fc.tuple(squareShapeArb(4), fc.constantFrom('values', 'vectors', 'invariant'), fc.constantFrom('L', 'U')).chain(([shape, which, uplo]) =>
      uniformArb(shape).map((x) => ({
        f: (t: Tensor) => {
          const { eigenvalues: w, eigenvectors: v } = eigh(separatedSymmetricFrom(t), { uplo: uplo as 'L' | 'U' });
          if (which === 'values') return w;
          if (which === 'vectors') return v;
          return matmul(v.mul(w.square().unsqueeze(-2)), mT(v));
        },
        inputs: [x],
      })),
    );
    fc.assert(gradcheckProperty(cases), { numRuns: 18 });
  });

  test('A V = V diag(w), V^T V = I, w ascending, largest component of each eigenvector positive; float32 close', () => {
    fc.assert(fc.property(squareShapeArb(7).chain(uniformArb), (x) => {
      const a = x.add(mT(x));
      const n = a.shape[a.ndim - 1]!;
      const { eigenvalues: w, eigenvectors: v } = eigh(a);
      const scale = n * 1e-14 * 2 * n;
      expect(largestDifference(matmul(a, v), v.mul(w.unsqueeze(-2)))).toBeLessThan(scale);
      expect(largestDifference(matmul(mT(v), v), eye(n, { dtype: 'float64' }).expand(a.shape))).toBeLessThan(n * 1e-14);
      const wd = w.data();
      for (let i = 0; i + 1 < wd.length; i++) if ((i + 1) % n !== 0) expect(wd[i]!).toBeLessThanOrEqual(wd[i + 1]!);
      const columns = mT(v).data();
      for (let c = 0; c < columns.length / n; c++) {
        const col = Array.from(columns.slice(c * n, (c + 1) * n));
        const top = col.reduce((best, value) => (Math.abs(value) > Math.abs(best) ? value : best), 0);
        expect(top).toBeGreaterThan(0);
      }
      const w32 = eigh(a.cast('float32')).eigenvalues;
      expect(w32.dtype).toBe('float32');
      expect(largestDifference(w32.cast('float64'), w)).toBeLessThan(1e-6 * 2 * n);
    }), { numRuns: 30 });
  });

  test('only the uplo triangle is read', () => {
    const lower = tensor([[2, 100], [1, 2]], { dtype: 'float64' });
    expect(eigh(lower).eigenvalues.data()).toEqual(new Float64Array([1, 3]));
    const upper = tensor([[2, 1], [-50, 2]], { dtype: 'float64' });
    expect(eigh(upper, { uplo: 'U' }).eigenvalues.data()).toEqual(new Float64Array([1, 3]));
  });

  describe("PyTorch's eigenvalues, projections v_i v_i^T, gradients and Hessian-vector products (float64, 1e-10 relative)", () => {
    for (const [i, c] of spectralFixture.eigh.entries()) {
      test(`uplo ${c.uplo as unknown as string}, A ${JSON.stringify(c.a.shape)} (case ${i})`, () => {
        const uplo = c.uplo as unknown as 'L' | 'U';
        const a = decode(c.a, true);
        const { eigenvalues: w, eigenvectors: v } = eigh(a, { uplo });
        expectMatches(w, c.eigenvalues, 'eigenvalues');
        expectMatches(projections(v), c.projections, 'projections');
        w.mul(decode(c.cw)).sum().backward();
        expectMatches(a.grad!, c.gradEigenvalues, 'gradient of <cw, w>');
        const b = decode(c.a, true);
        projections(eigh(b, { uplo }).eigenvectors).mul(decode(c.cp)).sum().backward();
        expectMatches(b.grad!, c.gradProjections, 'gradient of sum_i <C_i, v_i v_i^T>');
        expectGradientAndHvp((t) => eigh(t, { uplo }).eigenvalues.mul(decode(c.cw!)).sum(), c, 'gradEigenvalues', 'hvpEigenvalues');
        expectGradientAndHvp((t) => projections(eigh(t, { uplo }).eigenvectors).mul(decode(c.cp!)).sum(), c, 'gradProjections', 'hvpProjections');
      });
    }
  });

  test('repeated eigenvalues: eigenvalue gradients exact, eigenvector gradients not finite (as PyTorch)', () => {
    const a = tensor([[2, 0, 0], [0, 2, 0], [0, 0, 5]], { dtype: 'float64', requiresGrad: true });
    const { eigenvalues: w } = eigh(a);
    expect(Array.from(w.data())).toEqual([2, 2, 5]);
    w.mul(tensor([1, 2, 3], { dtype: 'float64' })).sum().backward();
    // V diag(g) V^T over an orthonormal basis of each eigenspace: here diag(1, 2, 3) up to rotation
    // within the 2-dimensional eigenspace, whose trace is 3 in that block.
    const g = a.grad!.data();
    expect(g[0]! + g[4]!).toBeCloseTo(3, 14);
    expect(g[8]).toBeCloseTo(3, 14);
    const b = tensor([[2, 0, 0], [0, 2, 0], [0, 0, 5]], { dtype: 'float64', requiresGrad: true });
    eigh(b).eigenvectors.mul(tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], { dtype: 'float64' })).sum().backward();
    expect(b.grad!.data().some((x) => !Number.isFinite(x))).toBe(true);
  });

  test('bad shapes, dtypes and options are errors naming the function', () => {
    expect(() => eigh(tensor([1, 2]))).toThrow('linalg.eigh: The input tensor A must have at least 2 dimensions (got shape [2])');
    expect(() => eigh(tensor([[1, 2, 3], [4, 5, 6]]))).toThrow('linalg.eigh: A must be batches of square matrices, but they are 2 by 3 matrices');
    expect(() => eigh(tensor([[1]], { dtype: 'int32' }))).toThrow('linalg.eigh: Expected a floating point tensor as input. Got int32');
    expect(() => eigh(tensor([[1]]), { uplo: 'X' as never })).toThrow("linalg.eigh: Expected UPLO argument to be 'L' or 'U', but got X");
    expect(() => eigh(tensor([[1]]), { UPLO: 'L' } as never)).toThrow(/linalg.eigh.*UPLO/);
  });

  test('NaN in the read triangle gives NaN; NaN in the other one is ignored', () => {
    const { eigenvalues, eigenvectors } = eigh(tensor([[1, 0], [NaN, 1]], { dtype: 'float64' }));
    expect(Array.from(eigenvalues.data()).every(Number.isNaN)).toBe(true);
    expect(Array.from(eigenvectors.data()).every(Number.isNaN)).toBe(true);
    expect(Array.from(eigh(tensor([[1, NaN], [0, 3]], { dtype: 'float64' })).eigenvalues.data())).toEqual([1, 3]);
  });

  test('1 x 1, an empty batch, 0 x 0', () => {
    const { eigenvalues, eigenvectors } = eigh(tensor([[[-4]], [[3]]], { dtype: 'float64' }));
    expect(Array.from(eigenvalues.data())).toEqual([-4, 3]);
    expect(Array.from(eigenvectors.data())).toEqual([1, 1]);
    expect(eigh(tensor(new Float64Array(0), { shape: [0, 2, 2] })).eigenvectors.shape).toEqual([0, 2, 2]);
    expect(eigh(tensor(new Float64Array(0), { shape: [0, 0] })).eigenvalues.shape).toEqual([0]);
  });
});
