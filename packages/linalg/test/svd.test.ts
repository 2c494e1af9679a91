/**
 * svd and svdvals: gradients to second order on drawn matrices with separated, non-zero singular
 * values (batched, tall and wide), of S, U, Vh (our sign convention is locally constant) and of
 * U diag(S) Vh; the identities A = U S Vh, U^T U = I, Vh Vh^T = I, S descending; full matrices;
 * PyTorch's values and gradients of gauge-invariant functions; repeated and zero singular values;
 * float32; the errors; NaN.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Generator, eye, matmul, randn, tensor, transpose, type Tensor } from '@nn/autograd';
import { gradcheckProperty } from '@nn/autograd/testing';
import { qr, svd, svdvals } from '../src/index.js';
import { uniformArb } from './matrices.js';
import { decode, expectGradientAndHvp, expectMatches, spectralFixture } from './spectral-fixture.js';
import { largestDifference, rectShapeArb, separatedSingularFrom } from './spectral-matrices.js';

const mT = (x: Tensor): Tensor => transpose(x, -2, -1);
const identity = (n: number, lead: readonly number[]): Tensor => eye(n, { dtype: 'float64' }).expand([...lead, n, n]);

/** The first k = min(m, n) columns of U and rows of Vh (all of them unless full matrices). */
function leading(u: Tensor, s: Tensor, vh: Tensor): { uk: Tensor; vhk: Tensor } {
  const k = s.shape[s.ndim - 1]!;
  const lead = u.shape.slice(0, -2);
  return {
    uk: u.slice([...lead.map(() => 0), 0, 0], [...lead, u.shape[u.ndim - 2]!, k]),
    vhk: vh.slice([...lead.map(() => 0), 0, 0], [...lead, k, vh.shape[vh.ndim - 1]!]),
  };
}

/** [..., k, a, b]: x_i y_i^T for column i of x [..., a, k] and row i of y [..., k, b]. */
const outerPairs = (x: Tensor, y: Tensor): Tensor => mT(x).unsqueeze(-1).mul(y.unsqueeze(-2));

describe('svd', () => {
  test('gradcheck and gradgradcheck of S, U, Vh and U diag(S) Vh, tall and wide, reduced and full, batched', () => {
    // With full matrices only the first k columns of U (rows of Vh) have a gradient, as in PyTorch.
    const cases = fc.tuple(rectShapeArb(4), fc.constantFrom('s', 'u', 'vh', 'product'), fc.boolean()).chain(([shape, which, fullMatrices]) =>
      uniformArb(shape).map((x) => ({
        f: (t: Tensor) => {
          const { u, s, vh } = svd(separatedSingularFrom(t), { fullMatrices });
          const { uk, vhk } = leading(u, s, vh);
          if (which === 'product') return matmul(uk.mul(s.unsqueeze(-2)), vhk);
          return { u: uk, s, vh: vhk }[which as 'u' | 's' | 'vh'];
        },
        inputs: [x],
      })),
    );
    fc.assert(gradcheckProperty(cases), { numRuns: 20 });
  });

  test('with full matrices, the columns of U past k carry no gradient (as PyTorch)', () => {
    const a = tensor([[1, 2], [3, 5], [7, 4]], { dtype: 'float64', requiresGrad: true });
    const { u } = svd(a, { fullMatrices: true });
    u.slice([0, 2], [3, 3]).sum().backward();
    expect(Array.from(a.grad!.data())).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test('A = U diag(S) Vh, orthonormal U and Vh, S descending and non-negative, to 1e-14 (float64), 1e-6 (float32)', () => {
    fc.assert(fc.property(rectShapeArb(7).chain(uniformArb), fc.boolean(), (a, fullMatrices) => {
      const m = a.shape[a.ndim - 2]!;
      const n = a.shape[a.ndim - 1]!;
      const k = Math.min(m, n);
      const lead = a.shape.slice(0, -2);
      const { u, s, vh } = svd(a, { fullMatrices });
      expect(u.shape).toEqual([...lead, m, fullMatrices ? m : k]);
      expect(vh.shape).toEqual([...lead, fullMatrices ? n : k, n]);
      expect(largestDifference(matmul(mT(u), u), identity(u.shape[u.ndim - 1]!, lead))).toBeLessThan(1e-14 * m);
      expect(largestDifference(matmul(vh, mT(vh)), identity(vh.shape[vh.ndim - 2]!, lead))).toBeLessThan(1e-14 * n);
      const { uk, vhk } = leading(u, s, vh);
      expect(largestDifference(matmul(uk.mul(s.unsqueeze(-2)), vhk), a)).toBeLessThan(1e-14 * m * n);
      const sd = s.data();
      for (let i = 0; i < sd.length; i++) {
        expect(sd[i]!).toBeGreaterThanOrEqual(0);
        if ((i + 1) % k !== 0) expect(sd[i]!).toBeGreaterThanOrEqual(sd[i + 1]!);
      }
      expect(largestDifference(svdvals(a), s)).toBe(0);
      const s32 = svdvals(a.cast('float32'));
      expect(s32.dtype).toBe('float32');
      expect(largestDifference(s32.cast('float64'), s)).toBeLessThan(1e-6 * m * n);
    }), { numRuns: 30 });
  });

  describe("PyTorch's S, u_i v_i^T, u_i u_i^T, v_i v_i^T, gradients and Hessian-vector products (float64, 1e-10 relative)", () => {
    for (const [i, c] of spectralFixture.svd.entries()) {
      test(`fullMatrices ${String(c.fullMatrices)}, A ${JSON.stringify(c.a.shape)} (case ${i})`, () => {
        const fullMatrices = c.fullMatrices as unknown as boolean;
        const run = (): { a: Tensor; pairs: Tensor; left: Tensor; right: Tensor; s: Tensor; u: Tensor; vh: Tensor } => {
          const a = decode(c.a, true);
          const { u, s, vh } = svd(a, { fullMatrices });
          const { uk, vhk } = leading(u, s, vh);
          return { a, s, u, vh, pairs: outerPairs(uk, vhk), left: outerPairs(uk, mT(uk)), right: outerPairs(mT(vhk), vhk) };
        };
        const first = run();
        expect(first.u.shape).toEqual(c.uShape);
        expect(first.vh.shape).toEqual(c.vhShape);
        expectMatches(first.s, c.s, 'S');
        expectMatches(first.pairs, c.pairs, 'u_i v_i^T');
        expectMatches(first.left, c.left, 'u_i u_i^T');
        expectMatches(first.right, c.right, 'v_i v_i^T');
        for (const [output, weights, grad] of [['s', 'cs', 'gradS'], ['pairs', 'cpairs', 'gradPairs'], ['left', 'cleft', 'gradLeft'], ['right', 'cright', 'gradRight']] as const) {
          const r = run();
          r[output].mul(decode(c[weights])).sum().backward();
          expectMatches(r.a.grad!, c[grad], `gradient of <${weights}, ${output}>`);
          const hvp = `hvp${grad.slice(4)}`;
          expectGradientAndHvp((t) => {
            const { u, s, vh } = svd(t, { fullMatrices });
            const { uk, vhk } = leading(u, s, vh);
            const parts = { s, pairs: outerPairs(uk, vhk), left: outerPairs(uk, mT(uk)), right: outerPairs(mT(vhk), vhk) };
            return parts[output].mul(decode(c[weights])).sum();
          }, c, grad, hvp);
        }
      });
    }
  });

  test('repeated and zero singular values: S gradients exact, U and Vh gradients not finite (as PyTorch)', () => {
    const a = tensor([[3, 0, 0], [0, 3, 0], [0, 0, 0]], { dtype: 'float64', requiresGrad: true });
    const { s } = svd(a);
    expect(Array.from(s.data())).toEqual([3, 3, 0]);
    s.sum().backward();
    // U diag(1, 1, 1) Vh = U Vh: here the identity on the first two axes, and the third pair, of the
    // zero singular value, is some unit pair: its block is a sign.
    const g = a.grad!.data();
    expect(g[0]).toBeCloseTo(1, 14);
    expect(g[4]).toBeCloseTo(1, 14);
    expect(Math.abs(g[8]!)).toBeCloseTo(1, 14);
    const b = tensor([[3, 0], [0, 3], [0, 0]], { dtype: 'float64', requiresGrad: true });
    svd(b).u.mul(tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float64' })).sum().backward();
    expect(b.grad!.data().some((x) => !Number.isFinite(x))).toBe(true);
  });

  test('a rank-deficient matrix: the zero singular value is exact and U still has orthonormal columns', () => {
    const a = tensor([[1, 2], [2, 4], [3, 6]], { dtype: 'float64' });
    const { u, s } = svd(a);
    expect(s.data()[0]).toBeCloseTo(Math.sqrt(70), 13);
    expect(s.data()[1]!).toBeLessThan(1e-14);
    expect(largestDifference(matmul(mT(u), u), identity(2, []))).toBeLessThan(1e-15);
    const zero = svd(tensor(new Float64Array(6), { shape: [3, 2] }), { fullMatrices: true });
    expect(Array.from(zero.s.data())).toEqual([0, 0]);
    expect(largestDifference(matmul(mT(zero.u), zero.u), identity(3, []))).toBeLessThan(1e-15);
  });

  test('a rank-one 4 x 4 matrix converges, with orthonormal U and Vh (frozen from a failure: the noise columns)', () => {
    // x y^T, from which the Jacobi sweeps once spun forever on columns of rounding noise.
    const x = [-2.5716993913725545, -4.921510321686491, -2.429558435898137, -4.7196783723493985].map((v) => v / -2.5716993913725545);
    const y = [-2.5716993913725545, -2.07306922154339, -3.6202495108090322, -3.6498917887778033];
    const a = tensor(x.map((xi) => y.map((yj) => xi * yj)), { dtype: 'float64' });
    const { u, s, vh } = svd(a);
    expect(s.data()[1]!).toBeLessThan(1e-14 * s.data()[0]!);
    expect(largestDifference(matmul(mT(u), u), identity(4, []))).toBeLessThan(1e-15 * 8);
    expect(largestDifference(matmul(vh, mT(vh)), identity(4, []))).toBeLessThan(1e-15 * 8);
    expect(largestDifference(matmul(u.mul(s.unsqueeze(-2)), vh), a)).toBeLessThan(1e-14 * 16);
  });

  test('k >= 24 (sweeps from the eigenvectors of R^T R): full rank, rank 10, and singular values from 1 to 1e-12', () => {
    const rng = new Generator(24);
    const check = (a: Tensor, where: string): Tensor => {
      const { u, s, vh } = svd(a);
      const [m, n] = a.shape as [number, number];
      const k = Math.min(m, n);
      const scale = s.data()[0]!;
      expect(largestDifference(matmul(mT(u), u), identity(k, [])), `${where}: U^T U`).toBeLessThan(1e-14 * k);
      expect(largestDifference(matmul(vh, mT(vh)), identity(k, [])), `${where}: Vh Vh^T`).toBeLessThan(1e-14 * k);
      expect(largestDifference(matmul(u.mul(s.unsqueeze(-2)), vh), a), `${where}: U S Vh`).toBeLessThan(1e-15 * k * scale);
      return s;
    };
    check(randn([45, 30], { dtype: 'float64', rng }), '45 x 30');
    check(randn([30, 45], { dtype: 'float64', rng }), '30 x 45');
    const low = check(matmul(randn([40, 10], { dtype: 'float64', rng }), randn([10, 30], { dtype: 'float64', rng })), 'rank 10');
    expect(low.data()[10]!).toBeLessThan(1e-14 * low.data()[0]!);
    // Q1 diag(10^-(12 i / 29)) Q2^T: each singular value found to an absolute eps ||A||.
    const q1 = qr(randn([40, 30], { dtype: 'float64', rng })).q;
    const q2 = qr(randn([30, 30], { dtype: 'float64', rng })).q;
    const graded = Float64Array.from({ length: 30 }, (_, i) => 10 ** ((-12 * i) / 29));
    const a = matmul(q1.mul(tensor(graded, { dtype: 'float64' }).unsqueeze(0)), mT(q2));
    const s = check(a, 'graded');
    s.data().forEach((v, i) => expect(Math.abs(v - graded[i]!), `singular value ${i}`).toBeLessThan(1e-14));
  });

  test('rank-deficient products X Y^T of any rank, scaled by 1, 1e-150 or 1e150: converge, U S Vh = A, U and Vh orthonormal', () => {
    // Such matrices once stalled the sweeps on columns of rounding noise, and the squared norms of
    // far-scaled ones underflow or overflow without the power-of-2 scaling.
    const cases = fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.constantFrom(1, 1e-150, 1e150), fc.integer({ min: 0, max: 1e6 }));
    fc.assert(fc.property(cases, ([m, n, rank, scale, seed]) => {
      const r = Math.min(rank, m, n);
      const rng = new Generator(seed);
      const a = matmul(randn([m, r], { dtype: 'float64', rng }), randn([r, n], { dtype: 'float64', rng })).mul(scale);
      const { u, s, vh } = svd(a);
      const k = Math.min(m, n);
      const top = s.data()[0]!;
      expect(largestDifference(matmul(mT(u), u), identity(k, []))).toBeLessThan(1e-14 * k);
      expect(largestDifference(matmul(vh, mT(vh)), identity(k, []))).toBeLessThan(1e-14 * k);
      expect(largestDifference(matmul(u.mul(s.unsqueeze(-2)), vh), a)).toBeLessThan(1e-15 * k * top);
      if (r < k) expect(s.data()[r]!).toBeLessThan(1e-14 * k * top);
    }), { numRuns: 60 });
  });

  test('bad shapes, dtypes and options are errors naming the function', () => {
    expect(() => svd(tensor([1, 2]))).toThrow('linalg.svd: The input tensor A must have at least 2 dimensions (got shape [2])');
    expect(() => svdvals(tensor([1, 2]))).toThrow('linalg.svdvals: The input tensor A must have at least 2 dimensions (got shape [2])');
    expect(() => svd(tensor([[1]], { dtype: 'int32' }))).toThrow('linalg.svd: Expected a floating point tensor as input. Got int32');
    expect(() => svd(tensor([[1]]), { fullMatrices: 1 as never })).toThrow('linalg.svd: fullMatrices must be true or false, got 1');
    expect(() => svd(tensor([[1]]), { full_matrices: true } as never)).toThrow(/linalg.svd.*full_matrices/);
  });

  test('NaN gives NaN', () => {
    const { u, s, vh } = svd(tensor([[1, 2], [NaN, 4]], { dtype: 'float64' }));
    for (const t of [u, s, vh]) expect(Array.from(t.data()).every(Number.isNaN)).toBe(true);
    expect(Array.from(svdvals(tensor([[NaN]], { dtype: 'float64' })).data())).toEqual([NaN]);
  });

  test('an empty batch', () => {
    const { u, s, vh } = svd(tensor(new Float64Array(0), { shape: [0, 3, 2] }));
    expect([u.shape, s.shape, vh.shape]).toEqual([[0, 3, 2], [0, 2], [0, 2, 2]]);
  });
});

describe('svdvals', () => {
  test('gradcheck and gradgradcheck (through svd when a gradient is recorded), batched', () => {
    fc.assert(gradcheckProperty(rectShapeArb(4).chain(uniformArb).map((x) => ({ f: (t: Tensor) => svdvals(separatedSingularFrom(t)), inputs: [x] }))), { numRuns: 10 });
  });

  for (const [i, c] of spectralFixture.svdvals.entries()) {
    test(`PyTorch's values, gradient and Hessian-vector product, A ${JSON.stringify(c.a.shape)} (case ${i})`, () => {
      const a = decode(c.a, true);
      const s = svdvals(a);
      expectMatches(s, c.s, 'S');
      s.mul(decode(c.cs)).sum().backward();
      expectMatches(a.grad!, c.grad, 'gradient of <cs, S>');
      expectGradientAndHvp((t) => svdvals(t).mul(decode(c.cs!)).sum(), c, 'grad', 'hvp');
    });
  }
});
