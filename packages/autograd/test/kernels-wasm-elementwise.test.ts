/**
 * The WebAssembly element-wise kernels give exactly what the JavaScript loops give: every op with a
 * SIMD form, float32, float64 and mixed, on awkward lengths, with b the same length, one repeated
 * value, one repeated row or block, one value per row repeated along it, or one value per channel,
 * and special values (signed zeros, infinities, NaN, subnormals). The same for `where` and for the
 * sum over a block of consecutive axes.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { binaryCodeKernel, unaryCodeKernel, whereKernel, type BinaryCode, type UnaryCode, type View } from '../src/kernels/elementwise.js';
import { binaryWasm, selectWasm, sumWasm, unaryWasm } from '../src/kernels/wasm/elementwise.js';
import { reduceKernel } from '../src/kernels/reduce.js';
import { contiguousStrides, sizeOf } from '../src/shape.js';
import { elementwiseModuleBytes, SIMD_BINARY, SIMD_UNARY } from '../src/kernels/wasm/elementwise-module.js';
import { wasmMatmulAvailable } from '../src/kernels/wasm/matmul.js';
import type { Storage } from '../src/dtype.js';

const special = fc.constantFrom(0, -0, 1, -1, 0.5, Infinity, -Infinity, NaN, 1e-310, 1e-40, 3.5e38);
const value = fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), special);
const awkward = fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 17, 63, 64, 65, 127, 257);
const kind = fc.constantFrom('f32', 'f64');

const make = (k: string, values: number[]): Storage => (k === 'f64' ? Float64Array.from(values) : Float32Array.from(values));
const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

/** A contiguous [rows, cols] view of `storage` starting at `offset`. */
const view = (storage: Storage, shape: number[], strides: number[], offset = 0): View => ({ storage, shape, strides, offset });

describe.skipIf(!wasmMatmulAvailable())('WebAssembly element-wise kernels', () => {
  test('the module stays under 4 KiB (synchronous compilation in browsers)', () => {
    expect(elementwiseModuleBytes().length).toBeLessThan(4096);
  });

  const layouts = fc.record({
    rows: awkward,
    cols: awkward,
    aKind: kind,
    bKind: kind,
    bLayout: fc.constantFrom('same', 'single', 'row'),
    offset: fc.integer({ min: 0, max: 3 }),
  });

  propTest.prop([layouts, fc.array(value, { minLength: 64, maxLength: 64 })])('binary ops equal the JavaScript loops', (layout, pool) => {
    const { rows, cols, aKind, bKind, bLayout, offset } = layout;
    const n = rows * cols;
    const pick = (count: number, shift: number): number[] => Array.from({ length: count }, (_, i) => pool[(i * 7 + shift) % pool.length]!);
    const a = view(make(aKind, pick(offset + n, 1)), [rows, cols], [cols, 1], offset);
    const bCount = bLayout === 'same' ? n : bLayout === 'single' ? 1 : cols;
    const bStrides = bLayout === 'same' ? [cols, 1] : bLayout === 'single' ? [0, 0] : [0, 1];
    const b = view(make(bKind, pick(offset + bCount, 3)), [rows, cols], bStrides, offset);
    const outKind = aKind === 'f64' || bKind === 'f64' ? 'f64' : 'f32';
    for (const code of SIMD_BINARY as BinaryCode[]) {
      const expected = make(outKind, new Array<number>(n).fill(0));
      binaryCodeKernel(code, expected, a, b, bLayout === 'same');
      const actual = make(outKind, new Array<number>(n).fill(7));
      expect(binaryWasm(code, actual, a, true, b, bLayout === 'same'), code).toBe(true);
      expect(Array.from(actual, show), code).toEqual(Array.from(expected, show));
    }
  });

  // [outer, rows, cols] outputs with b a [rows, cols] block repeated over outer (an attention mask on
  // every head), an [outer, rows] column repeated along cols (x - mean(x, -1)), a [cols] row
  // repeated over both leading axes, or a [rows] channel repeated over outer and along cols (a
  // convolution's bias, rows being its channels).
  const broadcasts = fc.record({
    outer: fc.constantFrom(1, 2, 3, 5),
    rows: awkward,
    cols: awkward,
    aKind: kind,
    bKind: kind,
    bLayout: fc.constantFrom('block', 'column', 'row', 'channel'),
    offset: fc.integer({ min: 0, max: 3 }),
  }).filter(({ outer, rows, cols }) => outer * rows * cols <= 20000);

  propTest.prop([broadcasts, fc.array(value, { minLength: 64, maxLength: 64 })])('binary ops with a repeated block or column equal the JavaScript loops', (layout, pool) => {
    const { outer, rows, cols, aKind, bKind, bLayout, offset } = layout;
    const n = outer * rows * cols;
    const pick = (count: number, shift: number): number[] => Array.from({ length: count }, (_, i) => pool[(i * 7 + shift) % pool.length]!);
    const shape = [outer, rows, cols];
    const a = view(make(aKind, pick(offset + n, 1)), shape, [rows * cols, cols, 1], offset);
    const bCount = { block: rows * cols, column: outer * rows, row: cols, channel: rows }[bLayout];
    const bStrides = { block: [0, cols, 1], column: [rows, 1, 0], row: [0, 0, 1], channel: [0, 1, 0] }[bLayout];
    const b = view(make(bKind, pick(offset + bCount, 3)), shape, bStrides, offset);
    const outKind = aKind === 'f64' || bKind === 'f64' ? 'f64' : 'f32';
    // What the kernel takes on: everything but columns too short to pay (they stay in JavaScript), and
    // layouts that are really one value or one row.
    const handled = (bLayout !== 'column' && bLayout !== 'channel') || cols >= 16 || outer * rows === 1;
    for (const code of SIMD_BINARY as BinaryCode[]) {
      const expected = make(outKind, new Array<number>(n).fill(0));
      binaryCodeKernel(code, expected, a, b, false);
      const actual = make(outKind, new Array<number>(n).fill(7));
      const done = binaryWasm(code, actual, a, true, b, false);
      if (handled) expect(done, code).toBe(true);
      if (done) expect(Array.from(actual, show), code).toEqual(Array.from(expected, show));
      else expect(Array.from(actual), code).toEqual(new Array<number>(n).fill(7));
    }
  });

  propTest.prop([awkward, kind, fc.integer({ min: 0, max: 3 }), fc.array(value, { minLength: 300, maxLength: 300 })])(
    'unary ops equal the JavaScript loops',
    (n, k, offset, pool) => {
      const x = view(make(k, pool.slice(0, offset + n)), [n], [1], offset);
      for (const code of SIMD_UNARY as UnaryCode[]) {
        const expected = make(k, new Array<number>(n).fill(0));
        unaryCodeKernel(code, expected, x, true);
        const actual = make(k, new Array<number>(n).fill(7));
        expect(unaryWasm(code, actual, x, true), code).toBe(true);
        expect(Array.from(actual, show), code).toEqual(Array.from(expected, show));
      }
    },
  );

  const selects = fc.record({
    n: awkward,
    outKind: kind,
    condKind: fc.constantFrom('f32', 'f64', 'i32'),
    aLayout: fc.constantFrom('whole', 'single'),
    bLayout: fc.constantFrom('whole', 'single'),
    offset: fc.integer({ min: 0, max: 3 }),
  }).filter(({ outKind, condKind }) => !(outKind === 'f32' && condKind === 'f64'));
  const conditions = fc.array(fc.constantFrom(0, -0, 1, -1, NaN, 1e-310, 1e-40, 2), { minLength: 300, maxLength: 300 });

  propTest.prop([selects, conditions, fc.array(value, { minLength: 300, maxLength: 300 })])('where equals the JavaScript loop, bit for bit', (c, condPool, pool) => {
    const { n, outKind, condKind, aLayout, bLayout, offset } = c;
    const condValues = condPool.slice(0, offset + n).map((v) => (condKind === 'i32' ? (Number.isFinite(v) ? Math.trunc(v) : 3) : v));
    const condStorage = condKind === 'i32' ? Int32Array.from(condValues) : make(condKind, condValues);
    const cond = view(condStorage, [n], [1], offset);
    const branch = (layout: string, shift: number): View =>
      layout === 'whole' ? view(make(outKind, pool.slice(shift, shift + offset + n)), [n], [1], offset) : view(make(outKind, [pool[shift]!]), [n], [0]);
    const [a, b] = [branch(aLayout, 1), branch(bLayout, 2)];
    const expected = make(outKind, new Array<number>(n).fill(0));
    whereKernel(expected, cond, a, b);
    const actual = make(outKind, new Array<number>(n).fill(7));
    expect(selectWasm(actual, cond, a, b)).toBe(true);
    expect(Array.from(actual, show)).toEqual(Array.from(expected, show));
  });

  test('where declines a float64 condition for a float32 result, and strided operands', () => {
    const out = new Float32Array(4).fill(7);
    const dense = view(new Float32Array([1, 2, 3, 4]), [2, 2], [2, 1]);
    const transposed = view(new Float32Array([1, 0, 3, 0]), [2, 2], [1, 2]);
    // 1e-310 is nonzero, but 0 once rounded to float32: the JavaScript loop must take it.
    expect(selectWasm(out, view(new Float64Array([1e-310, 0, 1, 1]), [2, 2], [2, 1]), dense, dense)).toBe(false);
    expect(selectWasm(out, transposed, dense, dense)).toBe(false);
    expect(selectWasm(out, dense, transposed, dense)).toBe(false);
    expect(Array.from(out)).toEqual([7, 7, 7, 7]);
  });

  test('declines what it does not handle, leaving the output alone', () => {
    const out = new Float32Array(4).fill(7);
    const a = view(new Float32Array([1, 2, 3, 4]), [2, 2], [2, 2 / 2], 0);
    const transposed = view(new Float32Array([1, 2, 3, 4]), [2, 2], [1, 2], 0);
    expect(binaryWasm('add', out, a, true, transposed, false)).toBe(false); // b strided
    expect(binaryWasm('add', out, transposed, false, a, true)).toBe(false); // a strided
    expect(binaryWasm('add', out, view(new Float64Array(4), [2, 2], [2, 1]), true, a, true)).toBe(false); // float64 into float32
    expect(unaryWasm('exp', out, a, true)).toBe(false); // no SIMD form
    expect(Array.from(out)).toEqual([7, 7, 7, 7]);
  });

  const sumCase = fc
    .array(awkward, { minLength: 1, maxLength: 3 })
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        first: fc.integer({ min: 0, max: shape.length - 1 }),
        count: fc.integer({ min: 1, max: shape.length }),
        kind,
        offset: fc.integer({ min: 0, max: 3 }),
      }),
    )
    .filter(({ shape }) => sizeOf(shape) <= 20000);

  /** sumWasm over `axes` of a contiguous x (values from `pool`, at an offset) against the JavaScript reduction, value for value. */
  const checkSum = (c: { shape: number[]; kind: 'f32' | 'f64'; offset: number }, axes: number[], valueAt: (i: number) => number): void => {
    const n = sizeOf(c.shape);
    const x = view(make(c.kind, Array.from({ length: c.offset + n }, (_, i) => valueAt(i))), c.shape, contiguousStrides(c.shape), c.offset);
    const kept = c.shape.map((d, axis) => (axes.includes(axis) ? 1 : d));
    const outStrides = contiguousStrides(kept).map((stride, axis) => (axes.includes(axis) ? 0 : stride));
    const size = sizeOf(kept);
    const expected = make(c.kind, new Array<number>(size).fill(0));
    reduceKernel(expected, x, outStrides, 'sum');
    const actual = make(c.kind, new Array<number>(size).fill(7));
    expect(sumWasm(actual, x, true, axes)).toBe(true);
    expect(Array.from(actual, show)).toEqual(Array.from(expected, show));
  };

  propTest.prop([sumCase, fc.array(value, { minLength: 64, maxLength: 64 })])('the sum over consecutive axes before the last equals the JavaScript kernel', (c, pool) => {
    const axes = Array.from({ length: Math.min(c.count, c.shape.length - c.first) }, (_, i) => c.first + i);
    // With the last axis, only where the axes after the reduced ones hold more than one element.
    while (axes.length > 0 && sizeOf(c.shape.slice(axes[axes.length - 1]! + 1)) === 1) axes.pop();
    if (axes.length > 0) checkSum(c, axes, (i) => pool[(i * 7 + 1) % pool.length]!);
  });

  // A bias's gradient: [N, C, H, W] summed over [0, 2, 3], and more generally the axes around a
  // consecutive run of kept ones.
  const endsCase = fc
    .array(awkward, { minLength: 3, maxLength: 4 })
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        keptFirst: fc.integer({ min: 1, max: shape.length - 2 }),
        keptCount: fc.integer({ min: 1, max: shape.length - 2 }),
        kind,
        offset: fc.integer({ min: 0, max: 3 }),
      }),
    )
    .filter(({ shape, keptFirst, keptCount }) => sizeOf(shape) <= 20000 && keptFirst + keptCount <= shape.length - 1);

  propTest.prop([endsCase, fc.array(value, { minLength: 64, maxLength: 64 })])('the sum around consecutive kept axes equals the JavaScript kernel', (c, pool) => {
    const axes = c.shape.map((_, axis) => axis).filter((axis) => axis < c.keptFirst || axis >= c.keptFirst + c.keptCount);
    checkSum(c, axes, (i) => pool[(i * 5 + 3) % pool.length]!);
  });

  test('the sum declines axes that are neither consecutive nor around consecutive kept ones, strided inputs, and rows summed to one value each', () => {
    const out = new Float64Array(3).fill(7);
    const x = view(new Float64Array(48), [2, 3, 4, 2], [24, 8, 2, 1]);
    expect(sumWasm(out, x, true, [0, 2])).toBe(false); // kept 1 and 3
    expect(sumWasm(out, x, true, [1, 3])).toBe(false); // kept 0 and 2
    expect(sumWasm(out, view(new Float64Array(24), [2, 3, 4], [1, 2, 6]), false, [0, 1])).toBe(false);
    expect(Array.from(out)).toEqual([7, 7, 7]);
    // Rows summed to one value each: the JavaScript loop is faster there.
    const rows = new Float64Array(2).fill(7);
    expect(sumWasm(rows, view(new Float64Array(6), [2, 3], [3, 1]), true, [1])).toBe(false);
    expect(sumWasm(rows, view(new Float64Array(12), [2, 3, 2, 1], [6, 2, 1, 1]), true, [1, 2])).toBe(false);
    expect(Array.from(rows)).toEqual([7, 7]);
  });
});
