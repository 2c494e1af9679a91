/**
 * The LU with its panels and subtractions on WebAssembly against the JavaScript kernels: the same
 * factors bit for bit, the same permutation and the same zero pivot, on sizes whose rows are a
 * multiple of 4 KiB apart and on odd ones, with every update by the product or by the loop; NaN
 * reaches the same entries; and solve, inv and det through it against the JavaScript backend.
 */
import { describe, expect, test } from 'vitest';
import { Generator, getBackend, randn, setBackend, type Tensor } from '@nn/autograd';
import { simdWasmApi } from '@nn/autograd/wasm';
import { setSmallProduct } from '../src/kernels/blocks.js';
import { LU_BLOCK, luBlockedInPlace } from '../src/kernels/lu.js';
import { luBlockedOnWasm } from '../src/kernels/lu-wasm.js';
import { gemm } from '../src/gemm.js';
import { det, inv, slogdet, solve } from '../src/index.js';

function randomMatrix(size: number, seed: number): Float64Array {
  return randn([size, size], { dtype: 'float64', rng: new Generator(seed) }).data() as Float64Array;
}

/** Both kernels on copies of `a`: the factors, permutations and infos. */
function factorBoth(a: Float64Array, n: number) {
  const js = a.slice();
  const wasm = a.slice();
  const pJs = new Int32Array(n);
  const pWasm = new Int32Array(n);
  const iJs = luBlockedInPlace(js, n, pJs, gemm);
  const iWasm = luBlockedOnWasm(wasm, n, pWasm, gemm);
  return { js, wasm, pJs, pWasm, iJs, iWasm };
}

/** The first index where two arrays differ (NaN equal to NaN), or -1. */
function firstDifference(x: Float64Array, y: Float64Array): number {
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i]) && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) return i;
  return -1;
}

describe.runIf(simdWasmApi() !== undefined)('luBlockedOnWasm', () => {
  for (const n of [LU_BLOCK, 2 * LU_BLOCK + 37, 256]) {
    for (const threshold of [undefined, 0, Infinity]) {
      test(`n = ${n}, small-product threshold ${threshold ?? 'default'}: the JavaScript kernel's bits`, () => {
        const previous = threshold === undefined ? undefined : setSmallProduct(threshold);
        try {
          const { js, wasm, pJs, pWasm, iJs, iWasm } = factorBoth(randomMatrix(n, n + 1), n);
          expect(iWasm).toEqual(iJs);
          expect(Array.from(pWasm)).toEqual(Array.from(pJs));
          expect(firstDifference(js, wasm)).toBe(-1);
        } finally {
          if (previous !== undefined) setSmallProduct(previous);
        }
      });
    }
  }

  test('at an offset in a batch array, the other matrices untouched', () => {
    const n = 2 * LU_BLOCK + 5;
    const batch = new Float64Array(3 * n * n);
    batch.set(randomMatrix(n, 7), n * n);
    const before = batch.slice();
    const info = luBlockedOnWasm(batch, n, new Int32Array(n), gemm, n * n);
    const alone = before.slice(n * n, 2 * n * n);
    const aloneInfo = luBlockedInPlace(alone, n, new Int32Array(n), gemm);
    expect(info).toEqual(aloneInfo);
    expect(firstDifference(batch.subarray(n * n, 2 * n * n), alone)).toBe(-1);
    expect(firstDifference(batch.subarray(0, n * n), before.subarray(0, n * n))).toBe(-1);
    expect(firstDifference(batch.subarray(2 * n * n), before.subarray(2 * n * n))).toBe(-1);
  });

  test('an exactly zero column: the same zero pivot, and the same factors around it', () => {
    const n = 2 * LU_BLOCK + 37;
    const a = randomMatrix(n, 2);
    for (let i = 0; i < n; i++) a[i * n + 100] = 0;
    const { js, wasm, iJs, iWasm } = factorBoth(a, n);
    expect(iJs.zeroPivot).toBe(101);
    expect(iWasm).toEqual(iJs);
    expect(firstDifference(js, wasm)).toBe(-1);
  });

  test('NaN in a pivot column and in the trailing matrix reaches the same entries', () => {
    const n = 2 * LU_BLOCK + 37;
    const a = randomMatrix(n, 3);
    a[70 * n + 20] = NaN; // below the diagonal of column 20: it becomes that column's pivot
    a[10 * n + 120] = NaN;
    const { js, wasm, pJs, pWasm } = factorBoth(a, n);
    expect(Array.from(pWasm)).toEqual(Array.from(pJs));
    expect(js.some(Number.isNaN)).toBe(true);
    expect(firstDifference(js, wasm)).toBe(-1);
  });
});

describe.runIf(simdWasmApi() !== undefined)('solve, inv, det and slogdet on WebAssembly against the JavaScript backend', () => {
  const n = LU_BLOCK + 16;
  /** `f` under the 'js' backend and under 'wasm' (which takes the WebAssembly LU), as arrays. */
  function bothBackends(f: () => Tensor[]): { js: Float64Array[]; wasm: Float64Array[] } {
    const before = getBackend();
    try {
      setBackend('js');
      const js = f().map((t) => Float64Array.from(t.data()));
      setBackend('wasm');
      const wasm = f().map((t) => Float64Array.from(t.data()));
      return { js, wasm };
    } finally {
      setBackend(before);
    }
  }
  /** Entries of variance 1 / n, so that det stays well inside float32's range (a 64 x 64 randn matrix's is near 1e44). */
  const scaled = (shape: number[], dtype: 'float32' | 'float64', seed: number): Tensor => randn(shape, { dtype, rng: new Generator(seed) }).div(Math.sqrt(n));
  const inputs: [string, () => Tensor][] = [
    ['one float64 matrix', () => scaled([n, n], 'float64', 11)],
    ['one float32 matrix', () => scaled([n, n], 'float32', 12)],
    ['a transposed view', () => scaled([n, n], 'float64', 13).transpose(0, 1)],
    ['a batch of three', () => scaled([3, n, n], 'float64', 14)],
    ['one matrix in a batch of one', () => scaled([1, n, n], 'float64', 15)],
    ['the second of two matrices (a view at an offset)', () => scaled([2, n, n], 'float64', 17).slice([1, 0, 0], [2, n, n])],
  ];
  for (const [name, make] of inputs) {
    test(`${name}: the same values to 1e-12 relative (1e-5 in float32)`, () => {
      const a = make();
      const b = randn([...a.shape.slice(0, -1), 3], { dtype: a.dtype, rng: new Generator(16) });
      // Each function factors again, so each result was read before the next factorization reused the memory.
      const { js, wasm } = bothBackends(() => [solve(a, b), inv(a), det(a), slogdet(a).logabsdet, solve(a, b)]);
      const tolerance = a.dtype === 'float32' ? 1e-5 : 1e-12;
      js.forEach((expected, k) => {
        const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        let worst = 0;
        for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i]! - wasm[k]![i]!));
        expect(worst / scale, `result ${k}`).toBeLessThan(tolerance);
      });
      expect(Array.from(wasm[4]!)).toEqual(Array.from(wasm[0]!));
    });
  }
});
