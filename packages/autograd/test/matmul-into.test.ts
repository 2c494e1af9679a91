/**
 * matmulInto (@nn/autograd/wasm): the product of strided views into typed arrays gives the bits
 * `matmul` gives for tensors of the same values, on each backend, and refuses bad sizes, views that
 * reach outside their arrays and an output that overlaps an operand.
 */
import { fc, test as propTest } from '@fast-check/vitest';
import { afterEach, describe, expect, test } from 'vitest';
import { getBackend, matmul, setBackend, tensor } from '../src/index.js';
import { matmulInto, type MatrixView } from '../src/wasm.js';

const initial = getBackend();
afterEach(() => setBackend(initial));

/** The logical rows x cols values of a view, read entry by entry. */
function valuesOf(view: MatrixView, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => view.data[view.offset + i * view.rowStride + j * view.colStride]!));
}

/** A rows x cols view inside a larger random array: `transposed` stores it column-major, `pad` adds columns and an offset. */
function makeView(kind: 'f32' | 'f64', rows: number, cols: number, transposed: boolean, pad: number, seed: number): MatrixView {
  const ld = (transposed ? rows : cols) + pad;
  const lines = transposed ? cols : rows;
  const data = kind === 'f64' ? new Float64Array(pad + lines * ld) : new Float32Array(pad + lines * ld);
  let state = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state / 2 ** 31 - 1;
  }
  return transposed ? { data, offset: pad, rowStride: 1, colStride: ld } : { data, offset: pad, rowStride: ld, colStride: 1 };
}

describe('matmulInto', () => {
  propTest.prop(
    [
      fc.constantFrom('js' as const, 'wasm' as const, 'auto' as const),
      fc.constantFrom('f32' as const, 'f64' as const),
      fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }),
      fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 5 }), fc.integer(),
    ],
    { seed: 0x6e6e, numRuns: 60 },
  )('matches matmul of tensors, bit for bit, for offset, padded and transposed views', (backend, kind, m, k, n, aT, bT, pad, seed) => {
    setBackend(backend);
    const a = makeView(kind, m, k, aT, pad, seed);
    const b = makeView(kind, k, n, bT, pad + 1, seed ^ 0x55);
    const out = kind === 'f64' ? new Float64Array(m * n + 3).fill(7) : new Float32Array(m * n + 3).fill(7);
    matmulInto(out, a, b, m, k, n);
    const dtype = kind === 'f64' ? 'float64' : 'float32';
    const expected = matmul(tensor(valuesOf(a, m, k).flat(), { dtype, shape: [m, k] }), tensor(valuesOf(b, k, n).flat(), { dtype, shape: [k, n] })).data();
    expect(Array.from(out.subarray(0, m * n))).toEqual(Array.from(expected));
    expect(Array.from(out.subarray(m * n))).toEqual([7, 7, 7]); // nothing past the product is touched
  });

  test('a block of one array times the transpose of another block of it, into a disjoint part of the same buffer', () => {
    const buffer = new Float64Array(20);
    const data = buffer.subarray(0, 12);
    data.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // 3 x 4, rows 4 apart
    const out = buffer.subarray(12, 16);
    // rows 0-1, columns 1-2 (2 x 2) times the transpose of rows 1-2, columns 0-1
    matmulInto(out, { data, offset: 1, rowStride: 4, colStride: 1 }, { data, offset: 4, rowStride: 1, colStride: 4 }, 2, 2, 2);
    expect(Array.from(out)).toEqual([2 * 5 + 3 * 6, 2 * 9 + 3 * 10, 6 * 5 + 7 * 6, 6 * 9 + 7 * 10]);
  });

  test('bad input is an error naming the function and what is wrong', () => {
    const data = new Float64Array(6);
    const view: MatrixView = { data, offset: 0, rowStride: 3, colStride: 1 };
    const out = new Float64Array(4);
    expect(() => matmulInto(out, view, view, 2, 3, -1)).toThrow('matmulInto: n must be an integer >= 0, got -1');
    expect(() => matmulInto(out, view, { data, offset: 1, rowStride: 2, colStride: 1 }, 2, 3, 2)).toThrow('matmulInto: the 3x2 view B (offset 1, strides 2, 1) reaches elements 1 to 6 of an array of 6');
    expect(() => matmulInto(new Float64Array(3), view, { data, offset: 0, rowStride: 2, colStride: 1 }, 2, 3, 2)).toThrow('matmulInto: out holds 3 values, the 2x2 product needs 4');
    expect(() => matmulInto(out, { ...view, offset: 1 }, view, 2, 3, 2)).toThrow(/matmulInto: the 2x3 view A \(offset 1, strides 3, 1\) reaches elements 1 to 6 of an array of 6/);
    expect(() => matmulInto(out, { ...view, rowStride: 1.5 }, view, 2, 3, 2)).toThrow('matmulInto: A.rowStride must be an integer, got 1.5');
    expect(() => matmulInto(data.subarray(2), view, { data, offset: 0, rowStride: 1, colStride: 3 }, 2, 3, 2)).toThrow('matmulInto: out overlaps A');
    expect(() => matmulInto(new Int32Array(4) as unknown as Float64Array, view, view, 2, 3, 2)).toThrow('matmulInto: out must be a Float32Array or a Float64Array');
  });
});
