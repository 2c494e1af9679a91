/**
 * The WebAssembly 2 x 2, stride 2 max-pool kernels, float32 and float64, give the JavaScript
 * kernels' results exactly: the values (ties: the first maximum, so -0 before +0; NaN: the last
 * NaN) and the gradient placed at those positions, on odd heights and widths (rows whose windows
 * fill no whole vector, a last row or column no window covers) and planes that start at an offset.
 * They decline the windows and dtypes they do not handle, leaving the output alone.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { maxPoolGradientKernel, maxPoolValuesKernel } from '../src/kernels/pool.js';
import { maxPoolGradientWasm, maxPoolValuesWasm } from '../src/kernels/wasm/spatial.js';
import { maxWindows } from '../src/ops/pool-windows.js';
import { wasmMatmulAvailable } from '../src/kernels/wasm/matmul.js';

const palette = fc.constantFrom(0, -0, 1, 2, -1, 0.5, Infinity, -Infinity, NaN);
const value = fc.oneof(fc.double({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), palette);

/** The windows of one axis of a pool with the given kernel, stride, padding and dilation. */
const axis = (size: number, kernel: number, stride: number, padding = 0, dilation = 1, ceilMode = false) =>
  maxWindows({ op: 'test', axis: 'H', shape: [size] }, size, { kernel, stride, padding, dilation }, ceilMode);

describe.skipIf(!wasmMatmulAvailable())('WebAssembly 2 x 2 max pool', () => {
  const layouts = fc.record({
    planes: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 2, max: 9 }),
    width: fc.integer({ min: 2, max: 21 }),
    offset: fc.integer({ min: 0, max: 3 }),
    f64: fc.boolean(),
  });

  type Floats = Float32Array | Float64Array;
  const floats = (f64: boolean, length: number, value: (i: number) => number): Floats =>
    f64 ? Float64Array.from({ length }, (_, i) => value(i)) : Float32Array.from({ length }, (_, i) => value(i));
  /** The bits of a float array, so that -0 and +0 (and NaN payloads) are told apart. */
  const bits = (values: Floats): string[] =>
    Array.from(values instanceof Float64Array ? new BigInt64Array(values.buffer, values.byteOffset, values.length) : new Int32Array(values.buffer, values.byteOffset, values.length), String);

  propTest.prop([layouts, fc.array(value, { minLength: 40, maxLength: 40 })])('values: the JavaScript kernel\'s, bit for bit, float32 and float64', (layout, pool) => {
    const { planes, height, width, offset, f64 } = layout;
    const xs = floats(f64, offset + planes * height * width, (i) => pool[(i * 7 + (i >> 2)) % pool.length]!);
    const rows = axis(height, 2, 2);
    const cols = axis(width, 2, 2);
    const windows = planes * rows.counts.length * cols.counts.length;
    const expected = floats(f64, windows, () => 0);
    maxPoolValuesKernel(expected, xs, offset, planes, rows, cols);
    const actual = floats(f64, windows, () => 7);
    expect(maxPoolValuesWasm(actual, xs, offset, planes, rows, cols)).toBe(true);
    expect(bits(actual)).toEqual(bits(expected));
  });

  // Rows of windows that fill whole vectors: widths 8, 9, 16, 17 (4 or 8 windows, the last column
  // covered or not), and for float64 also 4 and 5 (2 windows); odd heights (a last row no window covers).
  const gradientLayouts = fc
    .record({
      planes: fc.integer({ min: 1, max: 3 }),
      height: fc.integer({ min: 2, max: 9 }),
      width: fc.constantFrom(4, 5, 8, 9, 16, 17),
      offset: fc.integer({ min: 0, max: 3 }),
      f64: fc.boolean(),
    })
    .filter(({ width, f64 }) => f64 || width >= 8);

  propTest.prop([gradientLayouts, fc.array(value, { minLength: 40, maxLength: 40 })])('gradient: the JavaScript kernel\'s, bit for bit, float32 and float64', (layout, pool) => {
    const { planes, height, width, offset, f64 } = layout;
    const xs = floats(f64, offset + planes * height * width, (i) => pool[(i * 7 + (i >> 2)) % pool.length]!);
    const rows = axis(height, 2, 2);
    const cols = axis(width, 2, 2);
    const windows = planes * rows.counts.length * cols.counts.length;
    const grad = floats(f64, windows + 2, (i) => (i % 5) - 1.5 + i / 64);
    const expected = floats(f64, planes * height * width, () => 0);
    maxPoolGradientKernel(expected, grad, 2, xs, offset, planes, rows, cols);
    const actual = floats(f64, planes * height * width, () => 0);
    expect(maxPoolGradientWasm(actual, grad, 2, xs, offset, planes, rows, cols)).toBe(true);
    expect(bits(actual)).toEqual(bits(expected));
  });

  test('a large batch (LeNet first pool: 64 x 6 planes of 24 x 24) equals the JavaScript kernels', () => {
    const planes = 384;
    let seed = 1;
    const xs = Float32Array.from({ length: planes * 576 }, () => ((seed = (seed * 48271) % 2147483647) % 64) / 8 - 4);
    const rows = axis(24, 2, 2);
    const expected = new Float32Array(planes * 144);
    maxPoolValuesKernel(expected, xs, 0, planes, rows, rows);
    const actual = new Float32Array(planes * 144);
    expect(maxPoolValuesWasm(actual, xs, 0, planes, rows, rows)).toBe(true);
    expect(actual).toEqual(expected);
    const grad = Float32Array.from({ length: planes * 144 }, (_, i) => i);
    const expectedGradient = new Float32Array(planes * 576);
    maxPoolGradientKernel(expectedGradient, grad, 0, xs, 0, planes, rows, rows);
    const gradient = new Float32Array(planes * 576);
    expect(maxPoolGradientWasm(gradient, grad, 0, xs, 0, planes, rows, rows)).toBe(true);
    expect(gradient).toEqual(expectedGradient);
  });

  test('declines mixed precisions, overlapping or dilated windows, padding and a clipped last window; the gradient also rows of windows off whole vectors', () => {
    const xs = Float32Array.from({ length: 2 * 6 * 8 }, (_, i) => i);
    const pairs = axis(6, 2, 2);
    const declined = [
      { xs: Float64Array.from(xs), rows: pairs, cols: axis(8, 2, 2) }, // a float32 output: mixed precisions
      { xs, rows: pairs, cols: axis(8, 2, 1) },
      { xs, rows: pairs, cols: axis(8, 3, 2) },
      { xs, rows: pairs, cols: axis(8, 2, 2, 0, 2) },
      { xs, rows: pairs, cols: axis(8, 2, 2, 1) },
      { xs, rows: pairs, cols: axis(7, 2, 2, 0, 1, true) },
    ];
    for (const { xs: data, rows, cols } of declined) {
      const out = new Float32Array(2 * rows.counts.length * cols.counts.length).fill(-1);
      expect(maxPoolValuesWasm(out, data, 0, 2, rows, cols)).toBe(false);
      expect(out.every((v) => v === -1)).toBe(true);
      const gradient = new Float32Array(2 * 6 * 8).fill(-1);
      expect(maxPoolGradientWasm(gradient, new Float32Array(out.length), 0, data, 0, 2, rows, cols)).toBe(false);
      expect(gradient.every((v) => v === -1)).toBe(true);
    }
    // 3 windows a row: the values run, the gradient declines.
    const three = axis(6, 2, 2);
    const gradient = new Float32Array(2 * 6 * 6).fill(-1);
    expect(maxPoolGradientWasm(gradient, new Float32Array(18), 0, xs, 0, 2, pairs, three)).toBe(false);
    expect(gradient.every((v) => v === -1)).toBe(true);
    expect(maxPoolValuesWasm(new Float32Array(18), xs, 0, 2, pairs, three)).toBe(true);
  });
});
