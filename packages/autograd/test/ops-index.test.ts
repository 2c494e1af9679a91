/**
 * gather, scatterAdd, indexSelect, maskedFill, sort, argsort, topk and multinomial: PyTorch's values
 * and gradients (test/fixtures/ops-index.json, written by test/fixtures/ops-index.py), reference
 * definitions on drawn inputs, int32 exactness, the errors, and multinomial's distribution and seeds.
 * First and second order gradients come from the gradient suite (the records' specs and the
 * composite cases); NaN is in ops-index-nan.test.ts.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import {
  argsort, gather, Generator, indexSelect, manualSeed, maskedFill, multinomial, scatterAdd, sort, tensor, topk, type Tensor,
} from '../src/index.js';
import { mismatches } from '../../../test/fixtures/nan-fixture.js';

interface Encoded {
  shape: number[];
  data: number[];
}
interface FixtureCase {
  op: 'gather' | 'scatterAdd' | 'indexSelect' | 'maskedFill' | 'sort' | 'topk';
  attrs: { axis?: number; k?: number; descending?: boolean; largest?: boolean; value?: number };
  inputs: Encoded[];
  cotangent: Encoded;
  values: Encoded;
  indices?: Encoded;
  grads: Encoded[];
  index?: Encoded;
  mask?: Encoded;
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/ops-index.json', import.meta.url), 'utf8'), (_, v: unknown) =>
  typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : v) as { cases: FixtureCase[] };

const f64 = (e: Encoded, requiresGrad = false): Tensor => tensor(e.data, { shape: e.shape, dtype: 'float64', requiresGrad });
const i32 = (e: Encoded): Tensor => tensor(e.data, { shape: e.shape, dtype: 'int32' });
const i32Of = (data: number[][]): Tensor => tensor(data, { dtype: 'int32' });

/** Runs a recorded case: the values and, for the sorting ops, the indices. */
function run(c: FixtureCase, xs: Tensor[]): { values: Tensor; indices?: Tensor } {
  const { axis = -1 } = c.attrs;
  switch (c.op) {
    case 'gather': return { values: gather(xs[0]!, axis, i32(c.index!)) };
    case 'scatterAdd': return { values: scatterAdd(xs[0]!, axis, i32(c.index!), xs[1]!) };
    case 'indexSelect': return { values: indexSelect(xs[0]!, axis, i32(c.index!)) };
    case 'maskedFill': return { values: maskedFill(xs[0]!, f64(c.mask!), c.attrs.value!) };
    case 'sort': return sort(xs[0]!, { axis, descending: c.attrs.descending! });
    case 'topk': return topk(xs[0]!, c.attrs.k!, { axis, largest: c.attrs.largest! });
  }
}

describe("PyTorch's cases", () => {
  test('every op is recorded', () => {
    expect(new Set(fixture.cases.map((c) => c.op))).toEqual(new Set(['gather', 'scatterAdd', 'indexSelect', 'maskedFill', 'sort', 'topk']));
  });
  for (const [n, c] of fixture.cases.entries()) {
    test(`${c.op} ${JSON.stringify(c.attrs)} (case ${n}): values, indices and gradients in float64`, () => {
      const leaves = c.inputs.map((x) => f64(x, true));
      const { values, indices } = run(c, leaves);
      expect(values.shape).toEqual(c.values.shape);
      expect(mismatches(values.data(), c.values.data), 'values').toEqual([]);
      if (c.indices !== undefined) {
        expect(indices!.dtype).toBe('int32');
        expect(Array.from(indices!.data())).toEqual(c.indices.data);
      }
      if (values.size === 0) return;
      values.backward(f64(c.cotangent));
      c.grads.forEach((g, i) => expect(mismatches(leaves[i]!.grad!.data(), g.data), `gradient of input ${i}`).toEqual([]));
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Reference definitions on drawn inputs.
// ---------------------------------------------------------------------------------------------

const strides = (shape: readonly number[]): number[] => shape.map((_, d) => shape.slice(d + 1).reduce((p, s) => p * s, 1));
const coords = (flat: number, shape: readonly number[]): number[] => shape.map((_, d) => Math.floor(flat / strides(shape)[d]!) % shape[d]!);
const flatOf = (c: readonly number[], shape: readonly number[]): number => c.reduce((sum, v, d) => sum + v * strides(shape)[d]!, 0);

/** x of `shape`, an axis, and an index (values in range, repeats likely) that fits x off the axis. */
const indexCase = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
  .chain((shape) => fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) =>
    fc.tuple(...shape.map((dim, d) => fc.integer({ min: d === axis ? 0 : 1, max: d === axis ? 5 : dim }))).chain((indexShape) => {
      const count = indexShape.reduce((p, s) => p * s, 1);
      const size = shape.reduce((p, s) => p * s, 1);
      return fc.record({
        shape: fc.constant(shape), axis: fc.constant(axis), indexShape: fc.constant(indexShape as number[]),
        index: fc.array(fc.integer({ min: 0, max: shape[axis]! - 1 }), { minLength: count, maxLength: count }),
        x: fc.array(fc.integer({ min: -50, max: 50 }), { minLength: size, maxLength: size }),
        src: fc.array(fc.integer({ min: -50, max: 50 }), { minLength: count, maxLength: count }),
      });
    })));

describe('reference definitions', () => {
  propTest.prop([indexCase], { numRuns: 60 })('gather: out[p] = x[p with p[axis] = index[p]], int32 and float64 alike', (c) => {
    const expected = c.index.map((i, flat) => { const p = coords(flat, c.indexShape); p[c.axis] = i; return c.x[flatOf(p, c.shape)]!; });
    for (const dtype of ['int32', 'float64'] as const) {
      const out = gather(tensor(c.x, { shape: c.shape, dtype }), c.axis - c.shape.length, tensor(c.index, { shape: c.indexShape, dtype: 'int32' }));
      expect(out.dtype).toBe(dtype);
      expect(out.shape).toEqual(c.indexShape);
      expect(Array.from(out.data())).toEqual(expected);
    }
  });

  test('scatterAdd into one value expanded (a view of stride 0, as the zeros a gradient is scattered into) keeps that value where nothing lands', () => {
    const index = tensor([[0, 2], [1, 1]], { dtype: 'int32' });
    const src = tensor([[1, 2], [3, 4]]);
    for (const [value, dtype] of [[2.5, 'float64'], [-0, 'float64'], [Number.NaN, 'float32'], [0, 'float32'], [7, 'int32']] as const) {
      const out = scatterAdd(tensor(value, { dtype }).expand([2, 3]), 1, index, src.cast(dtype));
      expect(out.dtype).toBe(dtype);
      const expected = [value + 1, value, value + 2, value, value + 3 + 4, value];
      Array.from(out.data()).forEach((v, i) => expect(Object.is(v, expected[i]), `${dtype} ${value} at ${i}: ${v}`).toBe(true));
    }
  });

  propTest.prop([indexCase], { numRuns: 60 })('scatterAdd: every src value added at its target, repeats accumulating, int32 exact', (c) => {
    const expected = [...c.x];
    c.index.forEach((i, flat) => { const p = coords(flat, c.indexShape); p[c.axis] = i; expected[flatOf(p, c.shape)]! += c.src[flat]!; });
    for (const dtype of ['int32', 'float64'] as const) {
      const x = tensor(c.x, { shape: c.shape, dtype });
      const out = scatterAdd(x, c.axis, tensor(c.index, { shape: c.indexShape, dtype: 'int32' }), tensor(c.src, { shape: c.indexShape, dtype }));
      expect(out.dtype).toBe(dtype);
      expect(Array.from(out.data())).toEqual(expected);
      expect(Array.from(x.data())).toEqual(c.x); // out of place
    }
  });

  propTest.prop([indexCase], { numRuns: 60 })('indexSelect: the listed slices in order, through a transposed view too', (c) => {
    const index = c.index.slice(0, Math.min(c.index.length, 5));
    const outShape = c.shape.map((dim, d) => (d === c.axis ? index.length : dim));
    const expected = Array.from({ length: outShape.reduce((p, s) => p * s, 1) }, (_, flat) => {
      const p = coords(flat, outShape); p[c.axis] = index[p[c.axis]!]!; return c.x[flatOf(p, c.shape)]!;
    });
    const positions = tensor(index, { shape: [index.length], dtype: 'int32' });
    const x = tensor(c.x, { shape: c.shape, dtype: 'int32' });
    expect(Array.from(indexSelect(x, c.axis, positions).data())).toEqual(expected);
    // The same selection from a non-contiguous view as from a contiguous copy of it.
    const view = x.permute(c.shape.map((_, d) => c.shape.length - 1 - d));
    const copy = tensor(view.toArray(), { dtype: 'int32' });
    const axis = c.shape.length - 1 - c.axis;
    expect(indexSelect(view, axis, positions).toArray()).toEqual(indexSelect(copy, axis, positions).toArray());
  });

  const lines = fc.record({
    rows: fc.integer({ min: 1, max: 3 }),
    values: fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(NaN)), { minLength: 1, maxLength: 8 }),
    descending: fc.boolean(),
  });
  propTest.prop([lines], { numRuns: 100 })('sort: ordered (NaN largest), a stable permutation of each line; argsort its indices', ({ rows, values, descending }) => {
    const x = tensor(Array.from({ length: rows }, (_, r) => values.map((v, j) => (r % 2 === 1 ? values[values.length - 1 - j]! : v))), { dtype: 'float64' });
    const { values: sorted, indices } = sort(x, { descending });
    expect(Array.from(argsort(x, { descending }).data())).toEqual(Array.from(indices.data()));
    const xs = x.toArray() as number[][];
    const ys = sorted.toArray() as number[][];
    const is = indices.toArray() as number[][];
    const rank = (v: number) => (Number.isNaN(v) ? Infinity : v);
    for (let r = 0; r < rows; r++) {
      expect([...is[r]!].sort((a, b) => a - b)).toEqual(xs[r]!.map((_, j) => j));
      is[r]!.forEach((i, j) => expect(Object.is(ys[r]![j], xs[r]![i]) || (Number.isNaN(ys[r]![j]!) && Number.isNaN(xs[r]![i]!))).toBe(true));
      for (let j = 1; j < is[r]!.length; j++) {
        const [a, b] = [rank(ys[r]![j - 1]!), rank(ys[r]![j]!)];
        expect(descending ? a >= b : a <= b).toBe(true);
        if (a === b) expect(is[r]![j - 1]!).toBeLessThan(is[r]![j]!); // ties keep their order
      }
    }
  });

  test('indexSelect of blocks of 32 and more (copied natively) matches the element loop of a view', () => {
    const x = tensor(Array.from({ length: 6 * 2 * 20 }, (_, i) => i * 0.5 - 7), { shape: [6, 2, 20], dtype: 'float64' });
    const index = tensor([5, 0, 5, 3], { dtype: 'int32' });
    expect(Array.from(indexSelect(x, 0, index).data())).toEqual([5, 0, 5, 3].flatMap((i) => Array.from({ length: 40 }, (_, e) => (i * 40 + e) * 0.5 - 7)));
    // The same rows through a transposed view (blocks not contiguous, so read element by element).
    const view = x.permute([1, 0, 2]);
    expect(indexSelect(view, 1, index).toArray()).toEqual(indexSelect(tensor(view.toArray(), { dtype: 'float64' }), 1, index).toArray());
  });

  const longLines = fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(NaN)), { minLength: 20, maxLength: 80 });
  propTest.prop([longLines, fc.boolean()], { numRuns: 40 })('sort of long lines: the order of a reference sort (NaN largest, ties by position)', (values, descending) => {
    const key = (v: number) => (Number.isNaN(v) ? Infinity : v) * (descending ? -1 : 1);
    const expected = values.map((_, j) => j).sort((i, j) => key(values[i]!) - key(values[j]!) || i - j);
    expect(Array.from(argsort(tensor(values, { dtype: 'float64' }), { descending }).data())).toEqual(expected);
  });

  test('topk is the first k of the sort in its direction, along any axis', () => {
    const x = tensor([[[3, 1], [2, 5]], [[0, 4], [7, -1]], [[6, 6], [-2, 2]]], { dtype: 'float64' });
    for (const axis of [0, 1, 2, -1]) {
      for (const largest of [true, false]) {
        const { values, indices } = sort(x, { axis, descending: largest });
        const k = Math.min(2, x.shape[(axis + 3) % 3]!);
        const end = x.shape.map((dim, d) => (d === (axis + 3) % 3 ? k : dim));
        const top = topk(x, k, { axis, largest });
        expect(top.values.toArray()).toEqual(values.slice([0, 0, 0], end).toArray());
        expect(top.indices.toArray()).toEqual(indices.slice([0, 0, 0], end).toArray());
      }
    }
  });

  test('sort and topk of a rank-0 tensor and int32 tensors', () => {
    expect(sort(tensor(2.5)).values.item()).toBe(2.5);
    expect(sort(tensor(2.5)).indices.item()).toBe(0);
    const i = tensor([5, -3, 2 ** 31 - 1, -(2 ** 31), 5], { dtype: 'int32' });
    const { values, indices } = sort(i);
    expect(values.dtype).toBe('int32');
    expect(Array.from(values.data())).toEqual([-(2 ** 31), -3, 5, 5, 2 ** 31 - 1]);
    expect(Array.from(indices.data())).toEqual([3, 1, 0, 4, 2]);
    expect(Array.from(topk(i, 2).values.data())).toEqual([2 ** 31 - 1, 5]);
  });
});

describe('rank-0 x and a larger src, as PyTorch', () => {
  const f64Of = (data: number | number[][], requiresGrad = false): Tensor => tensor(data, { dtype: 'float64', requiresGrad });
  test('gather, indexSelect and scatterAdd treat a rank-0 x as a 1-element vector (values and gradients of PyTorch 1.13)', () => {
    const x = f64Of(2, true);
    const picked = gather(x, 0, tensor(0, { dtype: 'int32' }));
    expect(picked.shape).toEqual([]);
    expect(picked.item()).toBe(2);
    picked.backward();
    expect(x.grad!.item()).toBe(1);
    const selected = indexSelect(f64Of(2), -1, tensor([0], { dtype: 'int32' }));
    expect(selected.shape).toEqual([]);
    expect(selected.item()).toBe(2);
    const src = f64Of(5, true);
    const added = scatterAdd(x, 0, tensor(0, { dtype: 'int32' }), src);
    expect(added.shape).toEqual([]);
    expect(added.item()).toBe(7);
    added.backward();
    expect(src.grad!.item()).toBe(1);
  });
  test('scatterAdd uses the leading part of a src larger than the index, and its other entries get gradient 0', () => {
    const src = tensor(Array.from({ length: 12 }, (_, i) => i), { shape: [3, 4], dtype: 'float64', requiresGrad: true });
    const out = scatterAdd(tensor(new Float64Array(15), { shape: [3, 5] }), 0, i32Of([[2, 0], [1, 1]]), src);
    // torch.zeros(3, 5).scatter_add_(0, [[2, 0], [1, 1]], arange(12).reshape(3, 4)) in PyTorch 1.13:
    expect(out.toArray()).toEqual([[0, 1, 0, 0, 0], [4, 5, 0, 0, 0], [0, 0, 0, 0, 0]]);
    out.backward(tensor(Array.from({ length: 15 }, (_, i) => i + 1), { shape: [3, 5], dtype: 'float64' }));
    // gather(grad, 0, index) in src's leading [2, 2] corner, 0 elsewhere (PyTorch 1.13 itself fails here on the shapes).
    expect(src.grad!.toArray()).toEqual([[11, 2, 0, 0], [6, 7, 0, 0], [0, 0, 0, 0]]);
  });
});

describe('gradients', () => {
  test('maskedFill selects its gradient: an infinite gradient where filled gives 0, not NaN', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    maskedFill(x, tensor([1, 0, 1]), -1).backward(tensor([Infinity, 2, Infinity], { dtype: 'float64' }));
    expect(Array.from(x.grad!.data())).toEqual([0, 2, 0]);
  });

  test('maskedFill with a rank-0 tensor value passes the filled positions\' gradient to it', () => {
    const value = tensor(0.5, { dtype: 'float64', requiresGrad: true });
    maskedFill(tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' }), tensor([[1], [0]]), value).sum().backward();
    expect(value.grad!.item()).toBe(3);
  });

  test('indexSelect with every index repeated: the gradient counts the repeats exactly', () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
    indexSelect(x, 0, tensor([2, 2, 2, 0], { dtype: 'int32' })).sum().backward();
    expect(x.grad!.toArray()).toEqual([[1, 1], [0, 0], [3, 3]]);
  });
});

describe('bad input', () => {
  const x = tensor([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
  test('an index out of range names the op, the value, its position and the axis', () => {
    expect(() => gather(x, 1, i32Of([[0, 1, 2], [4, 0, 7]]))).toThrow('gather: index 7 at [1,2] is out of range for axis 1 of size 5');
    expect(() => gather(x, 1, i32Of([[0, -1]]))).toThrow('gather: index -1 at [0,1] is out of range for axis 1 of size 5');
    expect(() => scatterAdd(x, 0, i32Of([[0, 2]]), tensor([[1, 1]]))).toThrow('scatterAdd: index 2 at [0,1] is out of range for axis 0 of size 2');
    expect(() => indexSelect(x, -1, tensor([1, 5], { dtype: 'int32' }))).toThrow('indexSelect: index 5 at [1] is out of range for axis 1 of size 5');
  });
  test('a float index is an error naming the op', () => {
    expect(() => gather(x, 1, tensor([[0, 1]]))).toThrow("gather: index must be an int32 tensor, got a float32 tensor of shape [1,2] (cast it with cast(index, 'int32'))");
    expect(() => indexSelect(x, 0, tensor([0], { dtype: 'float64' }))).toThrow('indexSelect: index must be an int32 tensor, got a float64 tensor');
    expect(() => scatterAdd(x, 0, [0] as unknown as Tensor, 1)).toThrow('scatterAdd: index must be an int32 tensor, got the array [0]');
  });
  test('shapes that do not fit', () => {
    expect(() => gather(x, 0, i32Of([[0, 1, 0, 1, 0, 1]]))).toThrow('gather: index of shape [1,6] does not fit x of shape [2,5]');
    expect(() => gather(x, 0, tensor([0], { dtype: 'int32' }))).toThrow('gather: index of shape [1] does not fit x of shape [2,5]');
    expect(() => scatterAdd(x, 0, i32Of([[0, 1]]), tensor([[1]]))).toThrow(
      "scatterAdd: src of shape [1,1] must have the index's rank and be no smaller on any axis than the index's shape [1,2]",
    );
    expect(() => scatterAdd(x, 0, i32Of([[0, 1]]), tensor([1, 2]))).toThrow("scatterAdd: src of shape [2] must have the index's rank");
    expect(() => indexSelect(x, 0, i32Of([[0]]))).toThrow('indexSelect: index must be 1-D, got shape [1,1]');
    expect(() => maskedFill(x, tensor([1, 0]), 0)).toThrow(/maskedFill/);
    expect(() => maskedFill(x, tensor([[[1]]]), 0)).toThrow("maskedFill: mask of shape [1,1,1] does not broadcast to x's shape [2,5]");
    expect(() => maskedFill(tensor([1], { dtype: 'int32' }), tensor([1]), 2.5)).toThrow('maskedFill: value 2.5 does not fit an int32 tensor');
  });
  test('a rank-0 x takes axis 0 or -1 only, and topk of it takes k = 1 only', () => {
    expect(() => gather(tensor(2), 1, tensor(0, { dtype: 'int32' }))).toThrow('gather: axis 1 is out of range for a rank-0 tensor (0 or -1)');
    expect(() => gather(tensor(2), 0, tensor(1, { dtype: 'int32' }))).toThrow('gather: index 1 at [0] is out of range for axis 0 of size 1');
    expect(() => indexSelect(tensor(2), 0, tensor([0, 0], { dtype: 'int32' }))).toThrow('indexSelect: axis 0 is out of range for rank 0');
    expect(() => topk(tensor(2), 0)).toThrow('topk: k must be 1 for a rank-0 tensor, got 0');
  });
  test('sorting options and k', () => {
    expect(() => sort(x, { axis: 2 })).toThrow('sort: axis 2 is out of range for rank 2');
    expect(() => sort(x, { decending: true } as never)).toThrow("sort: unknown option 'decending' (did you mean 'descending'?");
    expect(() => argsort(x, { descending: 1 as never })).toThrow('argsort: descending must be a boolean, got 1');
    expect(() => topk(x, 6)).toThrow('topk: k must be an integer in [0, 5] (the size of axis 1), got 6');
    expect(() => topk(x, 1.5)).toThrow('topk: k must be an integer in [0, 5] (the size of axis 1), got 1.5');
  });
});

describe('multinomial', () => {
  const probs = [0.1, 0.2, 0.3, 0.4, 0];
  test('with replacement, frequencies within 5 standard deviations of the probabilities (fixed seed)', () => {
    const n = 20000;
    const samples = multinomial(tensor(probs, { dtype: 'float64' }).mul(3), n, { replacement: true, rng: new Generator(7) });
    expect(samples.dtype).toBe('int32');
    expect(samples.shape).toEqual([n]);
    const counts = new Array<number>(probs.length).fill(0);
    for (const s of samples.data()) counts[s]!++;
    probs.forEach((p, j) => expect(Math.abs(counts[j]! - n * p)).toBeLessThanOrEqual(5 * Math.sqrt(n * p * (1 - p))));
    expect(counts[4]).toBe(0);
  });

  test('without replacement: distinct categories per row, never a zero one; the first draw follows the probabilities', () => {
    const rows = 4000;
    const p = tensor(Array.from({ length: rows }, () => probs));
    const samples = multinomial(p, 4, { rng: new Generator(11) });
    expect(samples.shape).toEqual([rows, 4]);
    const first = new Array<number>(probs.length).fill(0);
    for (const row of samples.toArray() as number[][]) {
      expect([...row].sort()).toEqual([0, 1, 2, 3]);
      first[row[0]!]!++;
    }
    probs.forEach((q, j) => expect(Math.abs(first[j]! - rows * q)).toBeLessThanOrEqual(5 * Math.sqrt(rows * q * (1 - q)) + 0));
  });

  test('a seed gives the same samples; the global generator follows manualSeed', () => {
    const p = tensor([[1, 2, 3], [3, 0, 1]]);
    const draw = (seed: number) => multinomial(p, 6, { replacement: true, rng: new Generator(seed) }).toArray();
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    manualSeed(5);
    const a = multinomial(p, 2).toArray();
    manualSeed(5);
    expect(multinomial(p, 2).toArray()).toEqual(a);
  });

  test('bad probabilities and counts are errors naming multinomial', () => {
    expect(() => multinomial(tensor([0.5, -0.1]), 1)).toThrow('multinomial: probabilities must be finite and non-negative, got -0.10000000149011612 at [1]');
    expect(() => multinomial(tensor([[1, 1], [NaN, 1]]), 1)).toThrow('multinomial: probabilities must be finite and non-negative, got NaN at [1, 0]');
    expect(() => multinomial(tensor([1, Infinity]), 1)).toThrow('got Infinity at [1]');
    expect(() => multinomial(tensor([[1, 1], [0, 0]]), 1)).toThrow('multinomial: row 1 of the probabilities is all zero');
    expect(() => multinomial(tensor([1, 0, 1]), 3)).toThrow('multinomial: cannot draw 3 samples without replacement from 2 nonzero categories');
    expect(() => multinomial(tensor([[[1]]]), 1)).toThrow('multinomial: probs must be 1-D or 2-D, got shape [1,1,1]');
    expect(() => multinomial(tensor([1, 2], { dtype: 'int32' }), 1)).toThrow('multinomial: probs must be a float tensor');
    expect(() => multinomial(tensor([1, 2]), 0)).toThrow('multinomial: numSamples must be a positive integer, got 0');
    expect(() => multinomial(tensor([1, 2]), 1, { replacment: true } as never)).toThrow("multinomial: unknown option 'replacment'");
    expect(() => multinomial(tensor([1, 2]), 1, { rng: 3 as never })).toThrow('multinomial: rng must be a Generator, got 3');
  });

  test('an error leaves the generator where it was', () => {
    const rng = new Generator(9);
    expect(() => multinomial(tensor([[1, 1], [1, 0]]), 2, { rng })).toThrow('in row 1');
    expect(multinomial(tensor([1, 1]), 4, { replacement: true, rng }).toArray()).toEqual(
      multinomial(tensor([1, 1]), 4, { replacement: true, rng: new Generator(9) }).toArray());
  });
});
