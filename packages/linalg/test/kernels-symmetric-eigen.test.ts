/**
 * The symmetric eigensolver's kernels: the orthogonal factor of the tridiagonal reduction formed by
 * blocks of reflectors with matrix products (compact WY) equals the reflector-by-reflector loop,
 * for any reflectors (the algebra does not need them to be orthogonal), on sizes that cut the
 * reflectors into full blocks and a partial last one; and the eigensolver with it gives the same
 * eigenvalues.
 */
import { describe, expect, test } from 'vitest';
import { multiply } from '../src/gemm.js';
import { blockedOrthogonalFactorT, orthogonalFactorT, REFLECTOR_BLOCK, symmetricEigen } from '../src/kernels/symmetric-eigen.js';

/** A seeded uniform generator in [-1, 1). */
function uniform(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state / 2147483647) * 2 - 1;
  };
}

describe('symmetric eigensolver kernels', () => {
  for (const n of [2 * REFLECTOR_BLOCK, 2 * REFLECTOR_BLOCK + 3, 3 * REFLECTOR_BLOCK + 17]) {
    test(`blocked orthogonal factor equals the loop, n = ${n}`, () => {
      const next = uniform(n);
      const w = Float64Array.from({ length: n * n }, next);
      const tau = Float64Array.from({ length: n - 2 }, () => 1 + next());
      // A zero tau is a reflector that is the identity (dlarfg's case of a zero column).
      tau[5] = 0;
      const loop = orthogonalFactorT(w, n, tau);
      const blocked = blockedOrthogonalFactorT(w, n, tau, multiply);
      let worst = 0;
      for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(loop[i]! - blocked[i]!));
      // Products of up to n factors of norm <= 3 each: compare relative to the largest entry.
      const largest = loop.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(worst).toBeLessThan(1e-12 * largest);
    });
  }

  test('the eigensolver gives the same eigenvalues and an orthogonal V with either way of forming Q', () => {
    const n = 100;
    const next = uniform(3);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = next();
    const plain = symmetricEigen(a, 0, n, 'L');
    const blocked = symmetricEigen(a, 0, n, 'L', multiply);
    for (let i = 0; i < n; i++) expect(Math.abs(plain.values[i]! - blocked.values[i]!)).toBeLessThan(1e-13);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += blocked.vectorsT[i * n + k]! * blocked.vectorsT[j * n + k]!;
        worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-13);
  });
});
