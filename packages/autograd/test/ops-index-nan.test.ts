/**
 * NaN through the indexing and sorting ops (the correctness rule: as in PyTorch, never vanishing
 * silently). A NaN is a value like any other to gather, indexSelect and scatterAdd: it goes where
 * its position goes, and a sum that receives one is NaN. maskedFill replaces a NaN only where it
 * fills. sort and topk order NaN as the largest value and keep every one of them. PyTorch's own NaN
 * cases of sort, topk and maskedFill are in ops-index.test.ts (from the fixture).
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { gather, indexSelect, maskedFill, scatterAdd, sort, tensor, topk, type DType } from '../src/index.js';

/** A [rows, cols] case with NaN planted at random and an index (repeats likely) along axis 1. */
const planted = fc.record({
  rows: fc.integer({ min: 1, max: 4 }),
  cols: fc.integer({ min: 1, max: 6 }),
  dtype: fc.constantFrom<DType>('float32', 'float64'),
}).chain(({ rows, cols, dtype }) => fc.record({
  rows: fc.constant(rows), cols: fc.constant(cols), dtype: fc.constant(dtype),
  x: fc.array(fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constant(NaN)), { minLength: rows * cols, maxLength: rows * cols }),
  src: fc.array(fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constant(NaN)), { minLength: rows * 3, maxLength: rows * 3 }),
  index: fc.array(fc.integer({ min: 0, max: cols - 1 }), { minLength: rows * 3, maxLength: rows * 3 }),
  mask: fc.array(fc.oneof(fc.constant(0), fc.constant(1), fc.constant(NaN)), { minLength: cols, maxLength: cols }),
}));

const isNaNs = (values: ArrayLike<number>): boolean[] => Array.from(values, Number.isNaN);

describe('NaN through the indexing ops', () => {
  propTest.prop([planted], { numRuns: 60 })('gather and indexSelect: NaN exactly where a NaN was picked; the gradient stays finite', (c) => {
    const x = tensor(c.x, { shape: [c.rows, c.cols], dtype: c.dtype, requiresGrad: true });
    const index = tensor(c.index, { shape: [c.rows, 3], dtype: 'int32' });
    const picked = c.index.map((i, flat) => c.x[Math.floor(flat / 3) * c.cols + i]!);
    const out = gather(x, 1, index);
    expect(isNaNs(out.data())).toEqual(isNaNs(picked));
    out.sum().backward();
    expect(isNaNs(x.grad!.data()).some(Boolean)).toBe(false);

    const row = tensor(c.index.slice(0, 3), { dtype: 'int32' });
    const selected = indexSelect(x.detach(), 1, row);
    const expected = Array.from({ length: c.rows * 3 }, (_, flat) => c.x[Math.floor(flat / 3) * c.cols + c.index[flat % 3]!]!);
    expect(isNaNs(selected.data())).toEqual(isNaNs(expected));
  });

  propTest.prop([planted], { numRuns: 60 })('scatterAdd: NaN where x had one or a NaN was added; the gradients stay finite', (c) => {
    const x = tensor(c.x, { shape: [c.rows, c.cols], dtype: c.dtype, requiresGrad: true });
    const src = tensor(c.src, { shape: [c.rows, 3], dtype: c.dtype, requiresGrad: true });
    const expected = [...c.x];
    c.index.forEach((i, flat) => { expected[Math.floor(flat / 3) * c.cols + i]! += c.src[flat]!; });
    const out = scatterAdd(x, 1, tensor(c.index, { shape: [c.rows, 3], dtype: 'int32' }), src);
    expect(isNaNs(out.data())).toEqual(isNaNs(expected));
    out.sum().backward();
    expect(isNaNs(x.grad!.data()).some(Boolean) || isNaNs(src.grad!.data()).some(Boolean)).toBe(false);
  });

  propTest.prop([planted], { numRuns: 60 })('maskedFill: a NaN of x stays where not filled; a NaN mask entry counts as set; a NaN value fills', (c) => {
    const x = tensor(c.x, { shape: [c.rows, c.cols], dtype: c.dtype });
    const mask = tensor(c.mask, { dtype: c.dtype });
    const filled = (flat: number) => c.mask[flat % c.cols] !== 0;
    expect(isNaNs(maskedFill(x, mask, 2).data())).toEqual(c.x.map((v, flat) => !filled(flat) && Number.isNaN(v)));
    expect(isNaNs(maskedFill(x, mask, NaN).data())).toEqual(c.x.map((v, flat) => filled(flat) || Number.isNaN(v)));
  });
});

describe('NaN through the sorting ops', () => {
  propTest.prop([planted, fc.boolean()], { numRuns: 60 })('sort keeps every NaN, last ascending and first descending, in their order', (c, descending) => {
    const x = tensor(c.x, { shape: [c.rows, c.cols], dtype: c.dtype });
    const { values, indices } = sort(x, { descending });
    const ys = values.toArray() as number[][];
    const is = indices.toArray() as number[][];
    for (let r = 0; r < c.rows; r++) {
      const line = c.x.slice(r * c.cols, (r + 1) * c.cols);
      const nanAt = line.flatMap((v, j) => (Number.isNaN(v) ? [j] : []));
      const where = descending ? [0, nanAt.length] : [c.cols - nanAt.length, c.cols];
      expect(ys[r]!.slice(...where).every(Number.isNaN)).toBe(true);
      expect(is[r]!.slice(...where)).toEqual(nanAt);
      expect(ys[r]!.filter(Number.isNaN)).toHaveLength(nanAt.length);
    }
  });

  propTest.prop([planted], { numRuns: 40 })('topk takes NaN first as the largest, and last as the smallest', (c) => {
    const x = tensor(c.x, { shape: [c.rows, c.cols], dtype: c.dtype });
    const k = Math.min(2, c.cols);
    const largest = topk(x, k).values.toArray() as number[][];
    const smallest = topk(x, k, { largest: false }).values.toArray() as number[][];
    for (let r = 0; r < c.rows; r++) {
      const line = c.x.slice(r * c.cols, (r + 1) * c.cols);
      const nans = line.filter(Number.isNaN).length;
      expect(largest[r]!.filter(Number.isNaN)).toHaveLength(Math.min(nans, k));
      expect(smallest[r]!.filter(Number.isNaN)).toHaveLength(Math.max(0, k - (c.cols - nans)));
    }
  });
});
