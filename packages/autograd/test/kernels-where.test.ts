/**
 * where's kernel (kernels/elementwise.ts, whereKernel and its bit-select loop) and the axis merging
 * it walks by (kernels/strided.ts, mergeAxes): against a plain loop over the output's indices, on
 * broadcast, transposed and sliced operands of rank 0-4, float32, float64 and int32 (mixed dtypes
 * take the other loop), random 0/1 masks, NaN and -0 conditions and values, bit for bit.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { mergeAxes } from '../src/kernels/strided.js';
import { tensor, where, type DType, type Tensor } from '../src/index.js';

const special = fc.constantFrom(0, -0, 1, -1, 0.5, Infinity, -Infinity, NaN, 3);

/** A shape of rank 0-4 with dims 1-3, a of that shape, and cond and b broadcast partners of it. */
const layout = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 4 }).chain((shape) => {
  const partner = fc.record({ drop: fc.integer({ min: 0, max: shape.length }), ones: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }), view: fc.constantFrom('plain', 'transposed', 'sliced') })
    .map(({ drop, ones, view }) => ({ shape: shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)), view }));
  // a has the whole shape (so the result has it too), in one of the layouts.
  const whole = fc.constantFrom('plain', 'transposed', 'sliced').map((view) => ({ shape, view }));
  return fc.record({ shape: fc.constant(shape), cond: partner, a: whole, b: partner, dtypes: fc.constantFrom<[DType, DType]>(['float32', 'float32'], ['float64', 'float64'], ['int32', 'int32'], ['float32', 'float64']) });
});

/** A tensor of `shape` from `values`: laid out plainly, as a transposed view, or as a slice of a larger one. */
function laidOut(values: number[], shape: number[], dtype: DType, view: string): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  if (view === 'transposed' && shape.length >= 2) {
    const swapped = [...shape];
    [swapped[0], swapped[swapped.length - 1]] = [swapped[swapped.length - 1]!, swapped[0]!];
    return tensor(values.slice(0, size), { shape: swapped, dtype }).transpose(0, -1);
  }
  if (view === 'sliced' && shape.length >= 1) {
    const bigger = [shape[0]! + 1, ...shape.slice(1)];
    return tensor(values.slice(0, (size / shape[0]!) * bigger[0]!), { shape: bigger, dtype }).slice([1, ...shape.slice(1).map(() => 0)], bigger);
  }
  return tensor(values.slice(0, size), { shape, dtype });
}

/** The value of `t` (of row-major `values`, shape `shape`) at output index `index` under broadcasting. */
function at(values: number[], shape: number[], index: number[]): number {
  const lead = index.length - shape.length;
  let flat = 0;
  shape.forEach((d, i) => { flat = flat * d + (d === 1 ? 0 : index[lead + i]!); });
  return values[flat]!;
}

const bits = (data: ArrayLike<number>): string[] => Array.from(data, (v) => (Object.is(v, -0) ? '-0' : String(v)));

describe('whereKernel', () => {
  propTest.prop([layout, fc.array(special, { minLength: 108, maxLength: 108 }), fc.array(special, { minLength: 108, maxLength: 108 }), fc.array(fc.constantFrom(0, 1, 1, 0, -0, NaN, 2), { minLength: 108, maxLength: 108 })])(
    'equals a plain loop over the output, bit for bit',
    ({ shape, cond, a, b, dtypes }, av, bv, cv) => {
      const [da, db] = dtypes;
      const int = (v: number): number => (Number.isFinite(v) ? Math.trunc(v) : 5);
      const [aVals, bVals] = da === 'int32' ? [av.map(int), bv.map(int)] : [av, bv];
      const c = laidOut(cv, cond.shape, 'float32', cond.view);
      const x = laidOut(aVals, a.shape, da, a.view);
      const y = laidOut(bVals, b.shape, db, b.view);
      const result = where(c, x, y);
      expect(result.shape).toEqual(shape);
      // The operands' values in row-major order, as the reference loop reads them.
      const [cs, xs, ys] = [c, x, y].map((t) => Array.from(t.data()));
      const expected: number[] = [];
      const size = shape.reduce((p, d) => p * d, 1);
      for (let flat = 0; flat < size; flat++) {
        const index: number[] = [];
        let rest = flat;
        for (let i = shape.length - 1; i >= 0; i--) { index.unshift(rest % shape[i]!); rest = Math.floor(rest / shape[i]!); }
        expected.push(at(cs!, cond.shape, index) !== 0 ? at(xs!, a.shape, index) : at(ys!, b.shape, index));
      }
      expect(bits(result.data())).toEqual(bits(expected));
    },
  );

  test('a float32 NaN keeps its payload and -0 its sign through the bit select', () => {
    const payload = new Float32Array(new Int32Array([0x7fc00123]).buffer);
    const a = tensor(Float32Array.from([payload[0]!, -0, 1]));
    const out = where(tensor([1, 1, 0]), a, tensor(Float32Array.from([9, 9, -0]))).data() as Float32Array;
    expect(Array.from(new Int32Array(out.buffer, out.byteOffset, 3))).toEqual([0x7fc00123, -2147483648, -2147483648]);
  });
});

describe('mergeAxes', () => {
  test('a contiguous operand and a broadcast scalar merge into one axis', () => {
    expect(mergeAxes([2, 3, 4], [[12, 4, 1], [0, 0, 0]])).toEqual({ shape: [24], strides: [[1], [0]] });
  });
  test('a bias [C, 1, 1] against [N, C, H, W] walks N C rows of H W', () => {
    expect(mergeAxes([2, 3, 4, 5], [[60, 20, 5, 1], [0, 1, 0, 0]])).toEqual({ shape: [2, 3, 20], strides: [[60, 20, 1], [0, 1, 0]] });
  });
  test('a transposed operand keeps its axes apart; extent-1 axes are dropped', () => {
    expect(mergeAxes([3, 1, 4], [[1, 99, 3], [4, 7, 1]])).toEqual({ shape: [3, 4], strides: [[1, 3], [4, 1]] });
  });
  test('rank 0 and empty shapes', () => {
    expect(mergeAxes([], [[], []])).toEqual({ shape: [], strides: [[], []] });
    expect(mergeAxes([1, 1], [[5, 3]])).toEqual({ shape: [], strides: [[]] });
    expect(mergeAxes([2, 0], [[0, 1]])).toEqual({ shape: [0], strides: [[1]] });
  });
});
