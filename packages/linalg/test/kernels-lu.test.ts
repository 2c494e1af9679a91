/**
 * The blocked LU against the unblocked one on matrices large enough to take the blocked path: the
 * same pivots, the same factors to rounding, zero pivots found, and solve / det through it; and both
 * recursive kernels with their updates all by the product or all by the in-place loop.
 */
import { describe, expect, test } from 'vitest';
import { Generator, eye, matmul, randn, tensor } from '@nn/autograd';
import { setSmallProduct } from '../src/kernels/blocks.js';
import { choleskyBlockedInPlace, choleskyInPlace } from '../src/kernels/cholesky.js';
import { LU_BLOCK, luBlockedInPlace, luInPlace } from '../src/kernels/lu.js';
import { gemm } from '../src/gemm.js';
import { det, slogdet, solve } from '../src/index.js';

const n = 2 * LU_BLOCK + 37;

function randomMatrix(size: number, seed: number): Float64Array {
  return randn([size, size], { dtype: 'float64', rng: new Generator(seed) }).data() as Float64Array;
}

describe('luBlockedInPlace', () => {
  test(`n = ${n}: the same permutation as the unblocked loop and the same factors to 1e-12`, () => {
    const a = randomMatrix(n, 1);
    const plain = a.slice();
    const blocked = a.slice();
    const p1 = new Int32Array(n);
    const p2 = new Int32Array(n);
    const i1 = luInPlace(plain, n, p1);
    const i2 = luBlockedInPlace(blocked, n, p2, gemm);
    expect(Array.from(p2)).toEqual(Array.from(p1));
    expect(i2).toEqual(i1);
    let worst = 0;
    for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(plain[i]! - blocked[i]!));
    expect(worst).toBeLessThan(1e-12);
  });

  test('finds an exactly zero pivot past the first block (a zero column), as the unblocked loop does', () => {
    const a = randomMatrix(n, 2);
    for (let i = 0; i < n; i++) a[i * n + 100] = 0;
    const info = luBlockedInPlace(a.slice(), n, new Int32Array(n), gemm);
    expect(info.zeroPivot).toBe(101);
    expect(luInPlace(a.slice(), n, new Int32Array(n)).zeroPivot).toBe(101);
    expect(() => solve(tensor(a, { dtype: 'float64', shape: [n, n] }), tensor(new Float64Array(n)))).toThrow('singular');
  });

  test('solve, det and slogdet at this size: A x = b to 1e-10, det agrees with slogdet', () => {
    const a = tensor(randomMatrix(n, 3), { dtype: 'float64', shape: [n, n] });
    const b = randn([n], { dtype: 'float64', rng: new Generator(4) });
    const x = solve(a, b);
    const r = matmul(a, x).sub(b).abs().max().item();
    expect(r).toBeLessThan(1e-10);
    const { sign, logabsdet } = slogdet(a.div(4));
    const d = det(a.div(4)).item();
    expect(Math.sign(d)).toBe(sign.item());
    expect(Math.log(Math.abs(d))).toBeCloseTo(logabsdet.item(), 9);
  });
});

describe('the recursive kernels with every update by the product, and with every update by the loop', () => {
  for (const threshold of [0, Infinity]) {
    test(`small-product threshold ${threshold}: LU and Cholesky as the unblocked loops`, () => {
      const previous = setSmallProduct(threshold);
      try {
        const a = randomMatrix(n, 5);
        const plain = a.slice();
        const blocked = a.slice();
        const p1 = new Int32Array(n);
        const p2 = new Int32Array(n);
        luInPlace(plain, n, p1);
        luBlockedInPlace(blocked, n, p2, gemm);
        expect(Array.from(p2)).toEqual(Array.from(p1));
        let worst = 0;
        for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(plain[i]! - blocked[i]!));
        expect(worst).toBeLessThan(1e-12);
        const x = tensor(a, { dtype: 'float64', shape: [n, n] });
        const spd = matmul(x, x.transpose(0, 1)).div(n).add(eye(n, { dtype: 'float64' })).data() as Float64Array;
        const c1 = spd.slice();
        const c2 = spd.slice();
        expect(choleskyInPlace(c1, n)).toBe(0);
        expect(choleskyBlockedInPlace(c2, n, gemm)).toBe(0);
        let worstL = 0;
        for (let i = 0; i < n * n; i++) worstL = Math.max(worstL, Math.abs(c1[i]! - c2[i]!));
        expect(worstL).toBeLessThan(1e-12);
      } finally {
        setSmallProduct(previous);
      }
    });
  }
});
