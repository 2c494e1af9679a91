/**
 * The index, scan, arg-reduction, triangle and sort kernels against plain reference loops (an
 * odometer over every position, a stable comparator sort), on awkward operands: rank 1, size-0 axes,
 * transposed, sliced and flipped views (negative strides), broadcast (stride-0) indices, repeated
 * indices for scatterAdd, and ties, -0, infinities and NaN (with payloads, and negative) for the
 * sort and the arg-reductions. Every comparison is exact: the kernels' fast paths must give what the
 * general loops give, bit for bit.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { gatherKernel, indexSelectKernel, scatterAddKernel } from '../src/kernels/indexing.js';
import { argKernel, scanKernel, type Scan } from '../src/kernels/scan.js';
import { argsortKernel } from '../src/kernels/sort.js';
import { triangleKernel } from '../src/kernels/triangle.js';
import { allocate, type DType, type Storage } from '../src/dtype.js';
import { argmax, argsort, cumsum, flip, gather, scatterAdd, sort, tensor, tril, type Tensor } from '../src/index.js';

type Layout = 'plain' | 'transposed' | 'sliced' | 'flipped';
const layouts: Layout[] = ['plain', 'transposed', 'sliced', 'flipped'];

/** Every coordinate of `shape`, in row-major order. */
function coordinates(shape: readonly number[]): number[][] {
  const all: number[][] = [];
  const size = shape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < size; flat++) {
    const c = new Array<number>(shape.length);
    for (let d = shape.length - 1, rest = flat; d >= 0; d--) {
      c[d] = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
    }
    all.push(c);
  }
  return all;
}

/** The element of a view at `c`. */
const read = (t: Tensor, c: readonly number[]): number => t.storage[t.offset + c.reduce((sum, v, d) => sum + v * t.strides[d]!, 0)]!;

/** The row-major offset of `c` in a contiguous tensor of `shape`. */
const flatOf = (shape: readonly number[], c: readonly number[]): number => c.reduce((sum, v, d) => sum * shape[d]! + v, 0);

/**
 * A tensor of `shape` holding `values` (at least the product of shape + 1 on every axis), laid out as
 * `layout`: contiguous, the transpose of a contiguous one (last two axes), a slice of a larger one,
 * or flipped on every axis (negative strides).
 */
function laidOut(values: readonly number[], shape: readonly number[], layout: Layout, dtype: DType): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const rank = shape.length;
  if (layout === 'sliced') {
    const larger = shape.map((d) => d + 1);
    return tensor(values.slice(0, larger.reduce((a, b) => a * b, 1)), { shape: larger, dtype }).slice(shape.map(() => 1), larger);
  }
  if (layout === 'transposed' && rank >= 2) {
    const swapped = [...shape.slice(0, -2), shape[rank - 1]!, shape[rank - 2]!];
    return tensor(values.slice(0, size), { shape: swapped, dtype }).transpose(-1, -2);
  }
  const plain = tensor(values.slice(0, size), { shape: [...shape], dtype });
  return layout === 'flipped' && rank > 0 ? flip(plain, shape.map((_, d) => d)) : plain;
}

/** Enough values for `laidOut` of any shape with dims up to `maxDim` and rank up to `maxRank`. */
const valuesFor = (maxDim: number, maxRank: number, value: fc.Arbitrary<number>) =>
  fc.array(value, { minLength: (maxDim + 1) ** maxRank, maxLength: (maxDim + 1) ** maxRank });

const floatValue = fc.oneof(fc.double({ min: -8, max: 8, noNaN: true }), fc.constantFrom(0, -0, 1, Infinity, -Infinity, NaN));
const intValue = fc.integer({ min: -5, max: 5 });
const anyDtype = fc.constantFrom<DType>('float32', 'float64', 'int32');

/** Equality of every value, NaN equal to NaN and -0 told from 0. */
function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
  expect(Array.from(actual, show)).toEqual(Array.from(expected, show));
}

/** A shape (rank 1..3, dims 0..3), an axis of it, and an index shape that fits it off the axis. */
const indexCase = fc
  .integer({ min: 1, max: 3 })
  .chain((rank) => fc.tuple(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: rank, maxLength: rank }), fc.integer({ min: 0, max: rank - 1 })))
  .chain(([xShape, axis]) => {
    // The axis holds at least one element, so that an index into it exists.
    const shape = xShape.map((d, i) => (i === axis ? Math.max(d, 1) : d));
    return fc.record({
      xShape: fc.constant(shape),
      axis: fc.constant(axis),
      indexShape: fc.tuple(...shape.map((d, i) => fc.integer({ min: 0, max: i === axis ? 4 : d }))),
      broadcast: fc.boolean(),
    });
  });

/** An int32 index of `shape` with values in [0, size), repeats likely; `broadcast`: constant along the last axis (stride 0). */
function indexOf(draws: readonly number[], shape: readonly number[], size: number, layout: Layout, broadcast: boolean): Tensor {
  const values = draws.map((v) => Math.abs(v) % size);
  const rank = shape.length;
  if (broadcast && shape[rank - 1]! > 1) {
    const narrow = [...shape.slice(0, -1), 1];
    return laidOut(values, narrow, layout === 'transposed' ? 'plain' : layout, 'int32').expand(shape);
  }
  return laidOut(values, shape, layout, 'int32');
}

describe('gather and scatterAdd kernels', () => {
  const cases = fc.record({
    c: indexCase,
    dtype: anyDtype,
    xLayout: fc.constantFrom(...layouts),
    indexLayout: fc.constantFrom(...layouts),
    srcLayout: fc.constantFrom(...layouts),
    values: valuesFor(4, 3, fc.integer({ min: -40, max: 40 })),
    draws: valuesFor(4, 3, fc.nat(1000)),
  });

  propTest.prop([cases])('gather equals the reference loop', ({ c: { xShape, axis, indexShape, broadcast }, dtype, xLayout, indexLayout, values, draws }) => {
    const x = laidOut(dtype === 'int32' ? values : values.map((v) => v / 4), xShape, xLayout, dtype);
    const index = indexOf(draws, indexShape, xShape[axis]!, indexLayout, broadcast);
    const out = allocate(dtype, index.size);
    gatherKernel(out, x, axis, index);
    const expected = coordinates(index.shape).map((p) => read(x, p.map((v, d) => (d === axis ? read(index, p) : v))));
    expectSame(out, expected);
  });

  propTest.prop([cases])('scatterAdd equals the reference loop (repeats add up in row-major order)', ({ c: { xShape, axis, indexShape, broadcast }, dtype, srcLayout, indexLayout, values, draws }) => {
    const base = allocate(dtype, xShape.reduce((a, b) => a * b, 1));
    const integer = dtype === 'int32';
    base.set(values.slice(0, base.length).map((v) => (integer ? v : v / 8)));
    const src = laidOut(integer ? values : values.map((v) => v / 3), indexShape, srcLayout, dtype);
    const index = indexOf(draws, indexShape, xShape[axis]!, indexLayout, broadcast);
    const out = base.slice();
    scatterAddKernel(out, xShape, axis, index, src);
    const expected = base.slice();
    for (const p of coordinates(index.shape)) expected[flatOf(xShape, p.map((v, d) => (d === axis ? read(index, p) : v)))]! += read(src, p);
    expectSame(out, expected);
  });

  propTest.prop([cases])('indexSelect equals the reference loop', ({ c: { xShape, axis }, dtype, xLayout, indexLayout, values, draws }) => {
    const x = laidOut(dtype === 'int32' ? values : values.map((v) => v / 4), xShape, xLayout, dtype);
    const index = indexOf(draws, [draws[0]! % 5], xShape[axis]!, indexLayout, false);
    const shape = xShape.map((d, i) => (i === axis ? index.size : d));
    const out = allocate(dtype, shape.reduce((a, b) => a * b, 1));
    indexSelectKernel(out, x, axis, index);
    expectSame(out, coordinates(shape).map((p) => read(x, p.map((v, d) => (d === axis ? read(index, [v]) : v)))));
  });

  test('a bad index in a fast path throws with its position, as the general loop does', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    // Along the last axis.
    expect(() => gather(x, 1, tensor([[0, 1], [2, 3]], { dtype: 'int32' }))).toThrow('gather: index 3 at [1,1] is out of range for axis 1 of size 3');
    expect(() => scatterAdd(x, 1, tensor([[0, -1]], { dtype: 'int32' }), tensor([[1, 1]]))).toThrow('scatterAdd: index -1 at [0,1] is out of range for axis 1 of size 3');
    // A broadcast index (constant along the row): the position is the row's first.
    const rows = tensor([[0], [2]], { dtype: 'int32' }).expand([2, 3]);
    expect(() => gather(x, 0, rows)).toThrow('gather: index 2 at [1,0] is out of range for axis 0 of size 2');
    expect(() => scatterAdd(x, 0, rows, tensor([[1, 1, 1], [1, 1, 1]]))).toThrow('scatterAdd: index 2 at [1,0] is out of range for axis 0 of size 2');
  });
});

/** log(exp(a) + exp(b)) as PyTorch's logcumsumexp combines (NaN propagates; equal infinities stay). */
function logAddExpReference(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (a === b && !Number.isFinite(a)) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

describe('scan and arg-reduction kernels', () => {
  const lineCase = fc.record({
    shape: fc.integer({ min: 1, max: 3 }).chain((rank) => fc.array(fc.integer({ min: 0, max: 4 }), { minLength: rank, maxLength: rank })),
    axisDraw: fc.nat(2),
    dtype: anyDtype,
    values: valuesFor(4, 3, floatValue),
    ints: valuesFor(4, 3, intValue),
  });

  /** The values of a case as a contiguous storage of its dtype, and the axis. */
  function caseInput({ shape, axisDraw, dtype, values, ints }: { shape: number[]; axisDraw: number; dtype: DType; values: number[]; ints: number[] }) {
    const x = allocate(dtype, shape.reduce((a, b) => a * b, 1));
    x.set((dtype === 'int32' ? ints : values).slice(0, x.length));
    return { x, axis: axisDraw % shape.length };
  }

  /** Each line along `axis` of a contiguous `shape`: its storage offsets, in order. */
  function lines(shape: readonly number[], axis: number): number[][] {
    const others = shape.map((d, i) => (i === axis ? 1 : d));
    return coordinates(others).map((c) => Array.from({ length: shape[axis]! }, (_, k) => flatOf(shape, c.map((v, d) => (d === axis ? k : v)))));
  }

  propTest.prop([lineCase, fc.constantFrom<Scan>('sum', 'prod', 'logSumExp'), fc.boolean()])('scans equal the reference loop', (c, scan, reverse) => {
    const dtype = scan === 'logSumExp' && c.dtype === 'int32' ? 'float64' : c.dtype;
    const { x, axis } = caseInput({ ...c, dtype });
    const out = allocate(dtype, x.length);
    scanKernel(out, x, c.shape, axis, scan, reverse);
    const expected = allocate(dtype, x.length);
    for (const line of lines(c.shape, axis)) {
      let acc = scan === 'sum' ? 0 : scan === 'prod' ? 1 : -Infinity;
      for (const p of reverse ? [...line].reverse() : line) {
        const v = x[p]!;
        if (dtype === 'int32') acc = scan === 'sum' ? (acc + v) | 0 : Math.imul(acc, v);
        else acc = scan === 'sum' ? acc + v : scan === 'prod' ? acc * v : logAddExpReference(acc, v);
        expected[p] = acc;
      }
    }
    expectSame(out, expected);
  });

  propTest.prop([lineCase, fc.constantFrom<'max' | 'min'>('max', 'min')])('argmax and argmin equal the reference loop (first wins, NaN wins)', (c, kind) => {
    const shape = c.shape.map((d, i) => (i === c.axisDraw % c.shape.length ? Math.max(d, 1) : d));
    const { x, axis } = caseInput({ ...c, shape });
    const out = new Int32Array(x.length / shape[axis]!);
    argKernel(out, x, shape, axis, kind);
    const expected = lines(shape, axis).map((line) => {
      let at = 0;
      for (let k = 1; k < line.length; k++) {
        const best = x[line[at]!]!;
        const v = x[line[k]!]!;
        if (Number.isNaN(best)) break;
        if (Number.isNaN(v) || (kind === 'max' ? v > best : v < best)) at = k;
      }
      return at;
    });
    expectSame(out, expected);
  });

  test('rank 0 and a size-0 axis through the ops', () => {
    expectSame(cumsum(tensor(2.5), 0).data(), [2.5]);
    expectSame(argmax(tensor(NaN)).data(), [0]);
    expect(cumsum(tensor([], { shape: [2, 0] }), 1).shape).toEqual([2, 0]);
    expect(argmax(tensor([], { shape: [0, 3] }), 1).shape).toEqual([0]);
  });
});

describe('the triangle kernel', () => {
  const cases = fc.record({
    // Rows long enough (up to 40) that the kept run is sometimes one native copy (from 32).
    shape: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 40 })),
    dtype: anyDtype,
    layout: fc.constantFrom(...layouts),
    upper: fc.boolean(),
    diagonal: fc.integer({ min: -6, max: 42 }),
    values: fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 3 * 6 * 41, maxLength: 3 * 6 * 41 }),
  });

  propTest.prop([cases])('equals the reference loop', ({ shape, dtype, layout, upper, diagonal, values }) => {
    const x = laidOut(values, shape, layout, dtype);
    const out = allocate(dtype, x.size);
    triangleKernel(out, x, upper, diagonal);
    const expected = coordinates(shape).map((c) => {
      const [i, j] = c.slice(-2) as [number, number];
      return (upper ? j - i >= diagonal : j - i <= diagonal) ? read(x, c) : 0;
    });
    expectSame(out, expected);
  });

  test('tril through the op on a flipped rank-2 view', () => {
    expectSame(tril(flip(tensor([[1, 2], [3, 4]]), [0, 1])).data(), [4, 0, 2, 1]);
  });
});

/** Bit patterns of keys: numbers with ties, both zeros, both infinities, and NaNs of several payloads and signs. */
const float32Patterns = [0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x40200000, 0xc0200000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00001, 0x00000001, 0x80000001, 0x7f7fffff, 0xff7fffff];
const float64Patterns: [number, number][] = [
  [0, 0], [0x80000000, 0], [0x3ff00000, 0], [0xbff00000, 0], [0x3ff00000, 1], [0xbff00000, 1], [0x40040000, 0], [0x7ff00000, 0], [0xfff00000, 0],
  [0x7ff80000, 0], [0xfff80000, 0], [0x7ff00000, 1], [0x7ff00001, 0], [0, 1], [0x80000000, 1], [0x7fefffff, 0xffffffff], [0xffefffff, 0xffffffff],
];

/** Keys of `dtype` from pattern draws: floats from the bit patterns above (NaN payloads kept), int32 small with ties, and the extremes. */
function keysOf(dtype: DType, draws: readonly number[], length: number): Storage {
  if (dtype === 'int32') return Int32Array.from(draws.slice(0, length), (v) => (v % 11 === 0 ? 2147483647 : v % 13 === 0 ? -2147483648 : (v % 7) - 3));
  if (dtype === 'float32') {
    const bits = Uint32Array.from(draws.slice(0, length), (v) => float32Patterns[v % float32Patterns.length]!);
    return new Float32Array(bits.buffer);
  }
  const keys = new Float64Array(length);
  const view = new DataView(keys.buffer);
  draws.slice(0, length).forEach((v, j) => {
    const [hi, lo] = float64Patterns[v % float64Patterns.length]!;
    view.setUint32(8 * j, lo, true);
    view.setUint32(8 * j + 4, hi, true);
  });
  return keys;
}

/** The reference: each line's positions sorted stably by a comparator, NaN the largest, -0 equal to 0. */
function argsortReference(keys: Storage, shape: readonly number[], axis: number, descending: boolean): Int32Array {
  const out = new Int32Array(keys.length);
  const length = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  // Ascending: -1 when a sorts before b. NaN is above every number; all NaNs are equal.
  const ascending = (a: number, b: number): number => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a < b ? -1 : a > b ? 1 : 0);
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < inner; r++) {
      const start = o * length * inner + r;
      const order = Array.from({ length }, (_, j) => j);
      // Array.prototype.sort is stable: equal keys keep their order.
      order.sort((i, j) => (descending ? -1 : 1) * ascending(keys[start + i * inner]!, keys[start + j * inner]!));
      order.forEach((position, j) => (out[start + j * inner] = position));
    }
  }
  return out;
}

describe('the argsort kernel', () => {
  const cases = fc.record({
    // Lines on both sides of the insertion-sort bound (48), along the last axis or an inner one.
    shape: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 2 })),
    axis: fc.constantFrom(1, 2),
    dtype: anyDtype,
    descending: fc.boolean(),
    draws: fc.array(fc.nat(1000), { minLength: 360, maxLength: 360 }),
  });

  propTest.prop([cases])('equals a stable comparator sort (ties keep their order, NaN the largest, -0 equal to 0)', ({ shape, axis, dtype, descending, draws }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const keys = keysOf(dtype, draws, size);
    const out = new Int32Array(size);
    argsortKernel(out, keys, shape, axis, descending);
    expectSame(out, argsortReference(keys, shape, axis, descending));
  });

  test.each(['float32', 'float64', 'int32'] as const)('a %s line of 70000 keys (11-bit digits) equals the reference', (dtype) => {
    const draws = Array.from({ length: 70000 }, (_, j) => (j * 7919) % 1009);
    const keys = keysOf(dtype, draws, 70000);
    // Spread the float keys over many values too, so that no digit's pass is skipped.
    if (dtype !== 'int32') for (let j = 0; j < 70000; j += 3) keys[j] = Math.sin(j) * 1e3;
    else for (let j = 0; j < 70000; j += 3) keys[j] = (j * 2654435761) | 0;
    for (const descending of [false, true]) {
      const out = new Int32Array(70000);
      argsortKernel(out, keys, [70000], 0, descending);
      expectSame(out, argsortReference(keys, [70000], 0, descending));
    }
  });

  test('sort and argsort through the ops on a flipped view, rank 0 and an empty axis', () => {
    const x = flip(tensor([3, NaN, 1, 3, -0, 0]), 0); // [0, -0, 3, 1, NaN, 3]
    expectSame(argsort(x).data(), [0, 1, 3, 2, 5, 4]);
    expectSame(sort(x, { descending: true }).indices.data(), [4, 2, 5, 3, 0, 1]);
    expectSame(sort(tensor(NaN)).values.data(), [NaN]);
    expect(argsort(tensor([], { shape: [2, 0] })).shape).toEqual([2, 0]);
  });
});
