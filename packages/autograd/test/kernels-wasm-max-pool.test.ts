/**
 * The WebAssembly 2 x 2, stride 2 max-pool kernel gives the JavaScript kernel's positions exactly:
 * ties (the first maximum), NaN (the last NaN), signed zeros and -Infinity windows, on odd heights
 * and widths (rows whose windows fill no whole vector) and planes that start at an offset. It declines
 * the windows and dtypes it does not handle, leaving the output alone.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { maxPoolIndicesKernel } from '../src/kernels/pool.js';
import { maxPoolTwoByTwoWasm } from '../src/kernels/wasm/spatial.js';
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
  });

  propTest.prop([layouts, fc.array(value, { minLength: 40, maxLength: 40 })])('equals the JavaScript kernel, position for position', (layout, pool) => {
    const { planes, height, width, offset } = layout;
    const xs = Float32Array.from({ length: offset + planes * height * width }, (_, i) => pool[(i * 7 + (i >> 2)) % pool.length]!);
    const rows = axis(height, 2, 2);
    const cols = axis(width, 2, 2);
    const windows = planes * rows.counts.length * cols.counts.length;
    const expected = new Int32Array(windows);
    maxPoolIndicesKernel(expected, xs, offset, planes, rows, cols);
    const actual = new Int32Array(windows).fill(-1);
    expect(maxPoolTwoByTwoWasm(actual, xs, offset, planes, rows, cols)).toBe(true);
    expect(Array.from(actual)).toEqual(Array.from(expected));
  });

  test('a large batch (LeNet first pool: 64 x 6 planes of 24 x 24) equals the JavaScript kernel', () => {
    const planes = 384;
    let seed = 1;
    const xs = Float32Array.from({ length: planes * 576 }, () => ((seed = (seed * 48271) % 2147483647) % 64) / 8 - 4);
    const rows = axis(24, 2, 2);
    const expected = new Int32Array(planes * 144);
    maxPoolIndicesKernel(expected, xs, 0, planes, rows, rows);
    const actual = new Int32Array(planes * 144);
    expect(maxPoolTwoByTwoWasm(actual, xs, 0, planes, rows, rows)).toBe(true);
    expect(actual).toEqual(expected);
  });

  test('declines float64, overlapping or dilated windows, padding and a clipped last window', () => {
    const xs = Float32Array.from({ length: 2 * 6 * 7 }, (_, i) => i);
    const pairs = axis(6, 2, 2);
    const declined = [
      { xs: Float64Array.from(xs), rows: pairs, cols: axis(7, 2, 2) },
      { xs, rows: pairs, cols: axis(7, 2, 1) },
      { xs, rows: pairs, cols: axis(7, 3, 2) },
      { xs, rows: pairs, cols: axis(7, 2, 2, 0, 2) },
      { xs, rows: pairs, cols: axis(7, 2, 2, 1) },
      { xs, rows: pairs, cols: axis(7, 2, 2, 0, 1, true) },
    ];
    for (const { xs: data, rows, cols } of declined) {
      const out = new Int32Array(2 * rows.counts.length * cols.counts.length).fill(-1);
      expect(maxPoolTwoByTwoWasm(out, data, 0, 2, rows, cols)).toBe(false);
      expect(out.every((v) => v === -1)).toBe(true);
    }
  });
});
