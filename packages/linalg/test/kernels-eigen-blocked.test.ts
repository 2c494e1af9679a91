/**
 * The large-matrix path of the symmetric eigensolver (n >= 2 REFLECTOR_BLOCK with a product): the
 * blocked tridiagonal reduction against the unblocked one, and the eigenvectors by inverse
 * iteration against the QL path, on spectra that are spread, clustered, exactly repeated, and on
 * a matrix whose tridiagonal form splits into blocks.
 */
import { describe, expect, test } from 'vitest';
import { multiply } from '../src/gemm.js';
import { orthogonalFactorT, REFLECTOR_BLOCK, symmetricEigen, tridiagonalize, type SymmetricEigen } from '../src/kernels/symmetric-eigen.js';
import { TRIDIAGONAL_BLOCK, tridiagonalizeBlocked } from '../src/kernels/tridiagonalize-blocked.js';

/** A seeded uniform generator in [-1, 1). */
function uniform(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state / 2147483647) * 2 - 1;
  };
}

function randomSymmetric(n: number, seed: number): Float64Array {
  const next = uniform(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = next();
  return a;
}

/** Q diag(spectrum) Q^T for a random orthogonal Q (Gram-Schmidt of a random matrix). */
function withSpectrum(spectrum: readonly number[], seed: number): Float64Array {
  const n = spectrum.length;
  const next = uniform(seed);
  const q = Float64Array.from({ length: n * n }, next);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < i; p++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += q[i * n + k]! * q[p * n + k]!;
      for (let k = 0; k < n; k++) q[i * n + k] = q[i * n + k]! - dot * q[p * n + k]!;
    }
    let norm = 0;
    for (let k = 0; k < n; k++) norm += q[i * n + k]! ** 2;
    for (let k = 0; k < n; k++) q[i * n + k] = q[i * n + k]! / Math.sqrt(norm);
  }
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += q[k * n + i]! * spectrum[k]! * q[k * n + j]!;
    a[i * n + j] = s;
  }
  return a;
}

/** max |A v_i - w_i v_i| and max |V^T V - I|, relative to max |w|. */
function errors(a: Float64Array, n: number, r: SymmetricEigen): { residual: number; orthogonality: number } {
  let residual = 0;
  let orthogonality = 0;
  const scale = Math.max(...Array.from(r.values, Math.abs), 1e-300);
  for (let i = 0; i < n; i++) {
    for (let row = 0; row < n; row++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[row * n + k]! * r.vectorsT[i * n + k]!;
      residual = Math.max(residual, Math.abs(s - r.values[i]! * r.vectorsT[i * n + row]!) / scale);
    }
    for (let j = 0; j <= i; j++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += r.vectorsT[i * n + k]! * r.vectorsT[j * n + k]!;
      orthogonality = Math.max(orthogonality, Math.abs(dot - (i === j ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

describe('blocked tridiagonal reduction', () => {
  for (const n of [2 * TRIDIAGONAL_BLOCK + 5, 3 * TRIDIAGONAL_BLOCK + 2]) {
    // The reduction is backward stable, not forward: later reflectors move with rounding (by 1e-12
    // here), so the factors are compared loosely and Q T Q^T = A tightly.
    test(`n = ${n}: Q T Q^T = A to 1e-13, and the unblocked reduction's d, e, tau and reflectors to 1e-9`, () => {
      const a = randomSymmetric(n, n);
      const plain = a.slice();
      const blocked = a.slice();
      const d1 = new Float64Array(n), e1 = new Float64Array(n), t1 = new Float64Array(n - 2);
      const d2 = new Float64Array(n), e2 = new Float64Array(n), t2 = new Float64Array(n - 2);
      tridiagonalize(plain, n, d1, e1, t1);
      tridiagonalizeBlocked(blocked, n, d2, e2, t2, multiply);
      const worst = (x: Float64Array, y: Float64Array, count = x.length): number => {
        let m = 0;
        for (let i = 0; i < count; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
        return m;
      };
      expect(worst(d1, d2)).toBeLessThan(1e-9);
      expect(worst(e1, e2, n - 1)).toBeLessThan(1e-9);
      expect(worst(t1, t2)).toBeLessThan(1e-9);
      let reflectors = 0;
      for (let k = 0; k < n - 2; k++) for (let i = k + 2; i < n; i++) reflectors = Math.max(reflectors, Math.abs(plain[k * n + i]! - blocked[k * n + i]!));
      expect(reflectors).toBeLessThan(1e-9);
      // A = Q T Q^T with qt = Q^T: A[i][j] = sum_k,l qt[k][i] T[k][l] qt[l][j].
      const qt = orthogonalFactorT(blocked, n, t2);
      let backward = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) {
            let tq = d2[k]! * qt[k * n + j]!;
            if (k > 0) tq += e2[k - 1]! * qt[(k - 1) * n + j]!;
            if (k < n - 1) tq += e2[k]! * qt[(k + 1) * n + j]!;
            s += qt[k * n + i]! * tq;
          }
          backward = Math.max(backward, Math.abs(s - a[i * n + j]!));
        }
      }
      expect(backward).toBeLessThan(1e-13 * n);
    });
  }
});

describe('eigenvectors by inverse iteration (n >= 2 REFLECTOR_BLOCK)', () => {
  const n = 2 * REFLECTOR_BLOCK + 9;
  const cases: [string, () => Float64Array][] = [
    ['a random symmetric matrix', () => randomSymmetric(n, 11)],
    // Eigenvalues 1e-9 apart in a cluster of 20, the rest spread: one cluster reorthogonalized.
    ['a tight cluster', () => withSpectrum(Array.from({ length: n }, (_, i) => (i < 20 ? 1 + 1e-9 * i : 2 + i / n)), 12)],
    // Each eigenvalue three times over, exactly (to the rounding of Q diag Q^T).
    ['exactly repeated eigenvalues', () => withSpectrum(Array.from({ length: n }, (_, i) => Math.floor(i / 3) - 7), 13)],
  ];
  for (const [name, make] of cases) {
    test(`${name}: the QL path's eigenvalues to 1e-12, residual and orthogonality to 1e-12`, () => {
      const a = make();
      const ql = symmetricEigen(a, 0, n, 'L');
      const fast = symmetricEigen(a, 0, n, 'L', multiply);
      expect(fast.converged).toBe(true);
      for (let i = 0; i < n; i++) expect(Math.abs(ql.values[i]! - fast.values[i]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(ql.values[i]!)));
      const { residual, orthogonality } = errors(a, n, fast);
      expect(residual).toBeLessThan(1e-12);
      expect(orthogonality).toBeLessThan(1e-12);
    });
  }

  test('a block-diagonal matrix (the tridiagonal splits): eigenvectors each within one block, as QL gives them', () => {
    const a = new Float64Array(n * n);
    const half = 40;
    const top = randomSymmetric(half, 21);
    const bottom = randomSymmetric(n - half, 22);
    for (let i = 0; i < half; i++) for (let j = 0; j < half; j++) a[i * n + j] = top[i * half + j]!;
    for (let i = 0; i < n - half; i++) for (let j = 0; j < n - half; j++) a[(half + i) * n + half + j] = 3 + bottom[i * (n - half) + j]!;
    const ql = symmetricEigen(a, 0, n, 'L');
    const fast = symmetricEigen(a, 0, n, 'L', multiply);
    let worst = 0;
    for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(ql.vectorsT[i]! - fast.vectorsT[i]!));
    // Distinct eigenvalues with gaps well above 1e-6: the same vectors (signs fixed) to 1e-9.
    expect(worst).toBeLessThan(1e-9);
    const { residual, orthogonality } = errors(a, n, fast);
    expect(residual).toBeLessThan(1e-12);
    expect(orthogonality).toBeLessThan(1e-12);
  });
});
