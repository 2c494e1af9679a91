/** Shape ops are views where possible: they share storage and change only shape, strides and offset. */
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import fc from 'fast-check';
import { arange, tensor, type Tensor } from '../src/index.js';

const grid = () => arange(0, 24, 1, { dtype: 'float64' }).reshape([2, 3, 4]);

describe('views share storage', () => {
  test('reshape of a contiguous tensor, with one -1 inferred', () => {
    const x = grid();
    const y = x.reshape([6, -1]);
    expect(y.shape).toEqual([6, 4]);
    expect(y.storage).toBe(x.storage);
  });

  test('transpose and permute swap strides; reshape of the result copies', () => {
    const x = grid();
    const t = x.transpose(0, 2);
    expect(t.shape).toEqual([4, 3, 2]);
    expect(t.storage).toBe(x.storage);
    expect(t.isContiguous).toBe(false);
    const p = x.permute([1, 2, 0]);
    expect(p.shape).toEqual([3, 4, 2]);
    expect((p.toArray() as number[][][])[2]![1]).toEqual([9, 21]);
    const r = p.reshape([-1]);
    expect(r.storage).not.toBe(x.storage);
    expect(Array.from(r.data()).slice(0, 4)).toEqual([0, 12, 1, 13]);
  });

  test('non-involutive permutations invert correctly in backward', () => {
    const x = tensor(Float64Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4], requiresGrad: true });
    const weights = tensor(Float64Array.from({ length: 24 }, (_, i) => i * i), { shape: [3, 4, 2] });
    x.permute([1, 2, 0]).mul(weights).sum().backward();
    // d/dx[i,j,k] = weights[j,k,i]
    const grad = x.grad!.toArray() as number[][][];
    expect(grad[1]![2]![3]).toBe(((2 * 4 + 3) * 2 + 1) ** 2);
  });

  test('expand broadcasts with stride 0', () => {
    const x = tensor([[1], [2]]);
    const e = x.expand([3, 2, 4]);
    expect(e.strides).toEqual([0, 1, 0]);
    expect(e.storage).toBe(x.storage);
    expect((e.toArray() as number[][][])[2]).toEqual([[1, 1, 1, 1], [2, 2, 2, 2]]);
    expect(x.expand([-1, 3]).shape).toEqual([2, 3]);
  });

  test('squeeze and unsqueeze', () => {
    const x = tensor([[[1, 2, 3]]]);
    expect(x.squeeze().shape).toEqual([3]);
    expect(x.squeeze(0).shape).toEqual([1, 3]);
    expect(x.squeeze([0, 1]).shape).toEqual([3]);
    expect(x.unsqueeze(-1).shape).toEqual([1, 1, 3, 1]);
    expect(x.unsqueeze(0).shape).toEqual([1, 1, 1, 3]);
  });
});

describe('slice', () => {
  test('end exclusive, negative indices count from the end, a view', () => {
    const x = grid();
    const s = x.slice([1, -2, 0], [2, 3, -1]);
    expect(s.shape).toEqual([1, 2, 3]);
    expect(s.storage).toBe(x.storage);
    expect(s.toArray()).toEqual([[[16, 17, 18], [20, 21, 22]]]);
  });

  test('an empty range gives a size-0 axis', () => {
    const s = grid().slice([0, 1, 0], [2, 1, 4]);
    expect(s.shape).toEqual([2, 0, 4]);
    expect(s.size).toBe(0);
    expect(s.sum().item()).toBe(0);
  });

  test('slices of slices keep their offsets in backward', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], { dtype: 'float64', requiresGrad: true });
    x.slice([1], [6]).slice([2], [4]).mul(tensor([10, 100], { dtype: 'float64' })).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 0, 10, 100, 0]);
  });
});

describe('element-wise ops on views', () => {
  test('strided, broadcast and offset operands give the same values as contiguous copies', () => {
    const x = grid();
    const t = x.transpose(0, 2); // [4,3,2], strided
    const copy = tensor(t.toArray() as number[][][], { dtype: 'float64' });
    const row = x.slice([1, 1, 0], [2, 2, 2]).reshape([2]); // offset view
    expect(t.add(row).toArray()).toEqual(copy.add(row).toArray());
    expect(t.mul(t).sum(1).toArray()).toEqual(copy.mul(copy).sum(1).toArray());
    expect(t.exp().max(0).toArray()).toEqual(copy.exp().max(0).toArray());
  });
});

describe('reshape of a strided tensor is a view when its strides allow', () => {
  test('splitting the last axis of a slice (the heads of a packed projection) shares storage', () => {
    const x = arange(0, 24, 1, { dtype: 'float64' }).reshape([2, 12]);
    const middle = x.slice([0, 4], [2, 8]); // [2, 4], strides [12, 1], offset 4
    const split = middle.reshape([2, 2, 2]);
    expect(split.storage).toBe(x.storage);
    expect(split.strides).toEqual([12, 2, 1]);
    expect(split.toArray()).toEqual([[[4, 5], [6, 7]], [[16, 17], [18, 19]]]);
    // Merging the sliced axis with its neighbour cannot be a view: that copies.
    const merged = middle.reshape([8]);
    expect(merged.storage).not.toBe(x.storage);
    expect(merged.toArray()).toEqual([4, 5, 6, 7, 16, 17, 18, 19]);
  });

  test('a transposed pair of axes stays a view when other axes split or size-1 axes are added', () => {
    const t = arange(0, 24, 1, { dtype: 'float64' }).reshape([2, 3, 4]).transpose(0, 1); // [3, 2, 4]
    const r = t.reshape([3, 1, 2, 2, 2]);
    expect(r.storage).toBe(t.storage);
    expect(r.toArray()).toEqual(tensor(t.toArray() as number[][][], { dtype: 'float64' }).reshape([3, 1, 2, 2, 2]).toArray());
  });

  /** Targets for `shape`: flattened, two neighbours merged, a 1 inserted, an even axis split. */
  function targets(shape: readonly number[]): number[][] {
    const out: number[][] = [[-1]];
    for (let i = 0; i + 1 < shape.length; i++) out.push([...shape.slice(0, i), shape[i]! * shape[i + 1]!, ...shape.slice(i + 2)]);
    for (let i = 0; i <= shape.length; i++) out.push([...shape.slice(0, i), 1, ...shape.slice(i)]);
    shape.forEach((d, i) => { if (d % 2 === 0) out.push([...shape.slice(0, i), 2, d / 2, ...shape.slice(i + 1)]); });
    return out;
  }

  propTest.prop([
    fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
    fc.nat(), fc.nat(), fc.nat(),
  ], { numRuns: 200, seed: 15 })('gives the values of a reshape of a contiguous copy, with gradients', (shape, permSeed, sliceSeed, targetSeed) => {
    const size = shape.reduce((p, d) => p * d, 1);
    const base = arange(0, size, 1, { dtype: 'float64' }).reshape(shape);
    // A strided input: axes rotated, then the last axis sliced from 1 when it is longer than 1.
    const rotate = permSeed % shape.length;
    let x: Tensor = base.permute(shape.map((_, i) => (i + rotate) % shape.length));
    const last = x.shape[x.ndim - 1]!;
    if (last > 1 && sliceSeed % 2 === 1) x = x.slice([...x.shape.map(() => 0).slice(0, -1), 1], [...x.shape.slice(0, -1), last]);
    const options = targets(x.shape);
    const target = options[targetSeed % options.length]!;
    const copy = tensor(Array.from(x.data()), { shape: x.shape, dtype: 'float64' });
    expect(x.reshape(target).toArray()).toEqual(copy.reshape(target).toArray());
    const leaf = tensor(Array.from(base.data()), { shape, dtype: 'float64' });
    leaf.requiresGrad = true;
    let y: Tensor = leaf.permute(shape.map((_, i) => (i + rotate) % shape.length));
    if (last > 1 && sliceSeed % 2 === 1) y = y.slice([...y.shape.map(() => 0).slice(0, -1), 1], [...y.shape.slice(0, -1), last]);
    const out = y.reshape(target);
    out.mul(out).sum().backward();
    // d/dx sum(x^2) = 2x where x was read, 0 where the slice left it out.
    const grad = Array.from(leaf.grad!.data());
    const read = new Set(Array.from(y.data()));
    grad.forEach((g, i) => expect(g).toBe(read.has(i) ? 2 * i : 0));
  });
});
