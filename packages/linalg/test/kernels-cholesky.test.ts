/**
 * The blocked Cholesky against the unblocked loop on matrices large enough to take the blocked path:
 * the same factor to rounding, the same failing minor, and the lower triangle only read.
 */
import { describe, expect, test } from 'vitest';
import { Generator, eye, matmul, randn, transpose } from '@nn/autograd';
import { CHOLESKY_LEAF, choleskyBlockedInPlace, choleskyInPlace } from '../src/kernels/cholesky.js';
import { gemm } from '../src/gemm.js';

// Past four leaves, so that the recursion is three levels deep and the update recurses.
const n = 4 * CHOLESKY_LEAF + 29;

function spd(size: number, seed: number): Float64Array {
  const x = randn([size, size], { dtype: 'float64', rng: new Generator(seed) });
  return matmul(x, transpose(x, 0, 1)).div(size).add(eye(size, { dtype: 'float64' })).data() as Float64Array;
}

describe('choleskyBlockedInPlace', () => {
  test(`n = ${n}: the unblocked factor to 1e-12, the strict upper triangle zero, only the lower triangle read`, () => {
    const a = spd(n, 1);
    const plain = a.slice();
    expect(choleskyInPlace(plain, n)).toBe(0);
    const blocked = a.slice();
    // Garbage above the diagonal must not matter.
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) blocked[i * n + j] = 1e6 * (i - j);
    expect(choleskyBlockedInPlace(blocked, n, gemm)).toBe(0);
    let worst = 0;
    for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(plain[i]! - blocked[i]!));
    expect(worst).toBeLessThan(1e-12);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(blocked[i * n + j]).toBe(0);
  });

  test('reports the order of the failing leading minor past the first block, as the unblocked loop', () => {
    const a = spd(n, 2);
    // Make the leading minor of order 150 indefinite: a large negative value on its last diagonal entry.
    a[149 * n + 149] = -1e3;
    expect(choleskyInPlace(a.slice(), n)).toBe(150);
    expect(choleskyBlockedInPlace(a.slice(), n, gemm)).toBe(150);
  });
});
