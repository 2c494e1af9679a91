/**
 * The WebAssembly element-wise kernels give exactly what the JavaScript loops give: every op with a
 * SIMD form, float32, float64 and mixed, on awkward lengths, with b the same length, one repeated
 * value or one repeated row, and special values (signed zeros, infinities, NaN, subnormals).
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import { binaryCodeKernel, unaryCodeKernel, type BinaryCode, type UnaryCode, type View } from '../src/kernels/elementwise.js';
import { binaryWasm, unaryWasm } from '../src/kernels/wasm/elementwise.js';
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

  test.prop([layouts, fc.array(value, { minLength: 64, maxLength: 64 })])('binary ops equal the JavaScript loops', (layout, pool) => {
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

  test.prop([awkward, kind, fc.integer({ min: 0, max: 3 }), fc.array(value, { minLength: 300, maxLength: 300 })])(
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
});
