/**
 * LayerNorm's row kernels on WebAssembly SIMD (src/kernels/layer-norm-wasm.ts) against the JavaScript
 * loops (src/kernels/layer-norm.ts). Both compute in float64 and round each result once; they differ
 * only in the order of the row sums (two lanes against one), a few float64 ulps of the statistics.
 * Those differences grow with the row's conditioning, max|x| / std(x) (rows far from 0 whose values
 * are close together lose digits to the subtraction of the mean, in both kernels alike), so float64
 * results agree to about 1e-14 x length x that ratio, and float32 results are equal or one float32 ulp
 * apart. A NaN in a row makes that row NaN and no other; rows that are not whole vectors are
 * declined.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { simdWasmApi } from '@nn/autograd/wasm';
import { layerNormRows, layerNormRowsGradient } from '../src/kernels/layer-norm.js';
import { layerNormRowsGradientWasm, layerNormRowsWasm } from '../src/kernels/layer-norm-wasm.js';

type Floats = Float32Array | Float64Array;

const layouts = fc.record({
  rows: fc.integer({ min: 1, max: 6 }),
  vectors: fc.integer({ min: 1, max: 9 }),
  f64: fc.boolean(),
  scale: fc.constantFrom(1e-3, 1, 1e3),
  shift: fc.constantFrom(0, 5, -1e4),
  eps: fc.constantFrom(1e-5, 1e-3, 0.5),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

/** Deterministic values around `shift` of magnitudes up to `scale` (a cheap hash of the index). */
const pseudoRandom = (f64: boolean, length: number, seed: number, scale: number, shift: number): Floats => {
  const value = (i: number): number => shift + scale * (Math.sin(seed + i * 12.9898) * 43758.5453 % 1);
  return f64 ? Float64Array.from({ length }, (_, i) => value(i)) : Float32Array.from({ length }, (_, i) => value(i));
};

/** The largest |a - e| / (row scale), with NaN and infinities required in the same places. */
function worstError(actual: Floats, expected: Floats, scale: number): number {
  let worst = 0;
  for (let k = 0; k < expected.length; k++) {
    if (!Number.isFinite(expected[k]!) || !Number.isFinite(actual[k]!)) {
      expect(Object.is(actual[k], expected[k]) || (Number.isNaN(actual[k]!) && Number.isNaN(expected[k]!))).toBe(true);
      continue;
    }
    worst = Math.max(worst, Math.abs(actual[k]! - expected[k]!) / scale);
  }
  return worst;
}

/** The largest max|x| / std(x) over the rows of x (at least 1): how much the subtraction of the mean loses. */
function conditioning(x: Floats, rows: number, length: number): number {
  let worst = 1;
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * length, (r + 1) * length));
    const mean = row.reduce((a, b) => a + b, 0) / length;
    const std = Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / length);
    worst = Math.max(worst, Math.max(...row.map(Math.abs)) / std);
  }
  return worst;
}

/** What the two kernels' sums may make of `length` values of that conditioning, relative (see the header). */
const float64Tolerance = (length: number, condition: number): number => 1e-14 * length * condition;

/** The float32 ulp of |v| (2^-149 at 0). */
const ulp32 = (v: number): number => {
  const e = Math.floor(Math.log2(Math.abs(v)));
  return Number.isFinite(e) ? 2 ** (Math.max(e, -126) - 23) : 2 ** -149;
};

describe.skipIf(simdWasmApi() === undefined)('LayerNorm rows on WebAssembly', () => {
  propTest.prop([layouts])("forward: the JavaScript loop's values (float64 to the conditioning's tolerance, float32 within an ulp)", ({ rows, vectors, f64, scale, shift, eps, seed }) => {
    const length = vectors * (f64 ? 2 : 4);
    const x = pseudoRandom(f64, rows * length, seed, scale, shift);
    const expected = f64 ? new Float64Array(x.length) : new Float32Array(x.length);
    layerNormRows(expected, x, rows, length, eps);
    const actual = f64 ? new Float64Array(x.length) : new Float32Array(x.length).fill(7);
    expect(layerNormRowsWasm(actual, x, rows, length, eps)).toBe(true);
    if (f64) expect(worstError(actual, expected, 1)).toBeLessThan(float64Tolerance(length, conditioning(x, rows, length)));
    else for (let k = 0; k < x.length; k++) expect(Math.abs(actual[k]! - expected[k]!)).toBeLessThanOrEqual(ulp32(expected[k]!));
  });

  propTest.prop([layouts])("gradient: the JavaScript loop's values (float64 to the conditioning's tolerance, float32 within 2^-20 of the gradient's scale)", ({ rows, vectors, f64, scale, shift, eps, seed }) => {
    const length = vectors * (f64 ? 2 : 4);
    const x = pseudoRandom(f64, rows * length, seed, scale, shift);
    const g = pseudoRandom(f64, rows * length, seed + 1, 1, 0.25);
    const expected = f64 ? new Float64Array(x.length) : new Float32Array(x.length);
    layerNormRowsGradient(expected, g, x, rows, length, eps);
    const actual = f64 ? new Float64Array(x.length) : new Float32Array(x.length).fill(7);
    expect(layerNormRowsGradientWasm(actual, g, x, rows, length, eps)).toBe(true);
    // The gradient's scale: |g| (at most 1.25) times rstd, up to 1 / sqrt(eps) for rows nearly constant.
    const gradientScale = Math.max(...Array.from(expected, Math.abs), 1e-30);
    const tolerance = float64Tolerance(length, conditioning(x, rows, length));
    expect(worstError(actual, expected, gradientScale)).toBeLessThan(f64 ? tolerance : 2 ** -20 + tolerance);
  });

  test('a NaN or an infinity makes its row NaN, forward and backward, and only that row', () => {
    for (const bad of [NaN, Infinity]) {
      const x = Float32Array.from([1, 2, 3, 4, 1, bad, 3, 4, 4, 3, 2, 1]);
      const out = new Float32Array(12);
      expect(layerNormRowsWasm(out, x, 3, 4, 1e-5)).toBe(true);
      expect(Array.from(out.subarray(4, 8)).every(Number.isNaN)).toBe(true);
      expect(Array.from(out.subarray(0, 4)).every(Number.isFinite) && Array.from(out.subarray(8)).every(Number.isFinite)).toBe(true);
      const grad = new Float32Array(12);
      expect(layerNormRowsGradientWasm(grad, new Float32Array(12).fill(1).map((v, i) => v + i), x, 3, 4, 1e-5)).toBe(true);
      expect(Array.from(grad.subarray(4, 8)).every(Number.isNaN)).toBe(true);
      expect(Array.from(grad.subarray(8)).every(Number.isFinite)).toBe(true);
    }
  });

  test('declines rows that are not whole vectors, mixed precisions and empty inputs, leaving out alone', () => {
    const out = new Float32Array(6).fill(7);
    expect(layerNormRowsWasm(out, new Float32Array(6), 2, 3, 1e-5)).toBe(false);
    expect(layerNormRowsWasm(out, new Float64Array(6), 3, 2, 1e-5)).toBe(false);
    expect(layerNormRowsGradientWasm(out, new Float32Array(6), new Float32Array(6), 1, 6, 1e-5)).toBe(false);
    expect(layerNormRowsWasm(out, new Float32Array(0), 0, 4, 1e-5)).toBe(false);
    expect(Array.from(out)).toEqual([7, 7, 7, 7, 7, 7]);
  });
});
