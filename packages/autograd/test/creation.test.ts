import { afterEach, describe, expect, test } from 'vitest';
import {
  arange, eye, full, Generator, getDefaultDtype, manualSeed, ones, rand, randn, setDefaultDtype, tensor, zeros,
} from '../src/index.js';

afterEach(() => setDefaultDtype('float32'));

describe('tensor()', () => {
  test('reads nested arrays row-major, float32 by default', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.data()).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(t.size).toBe(6);
    expect(t.ndim).toBe(2);
    expect(t.isLeaf).toBe(true);
    expect(t.requiresGrad).toBe(false);
    expect(t.grad).toBeNull();
  });

  test('a number is a rank-0 tensor', () => {
    const t = tensor(3.5, { dtype: 'float64' });
    expect(t.shape).toEqual([]);
    expect(t.size).toBe(1);
    expect(t.item()).toBe(3.5);
    expect(t.toArray()).toBe(3.5);
  });

  test('typed arrays keep their dtype and are copied', () => {
    const source = new Float64Array([1, 2, 3, 4]);
    const t = tensor(source, { shape: [2, 2] });
    source[0] = 100;
    expect(t.dtype).toBe('float64');
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(new Float32Array([1]), { dtype: 'float64' }).dtype).toBe('float64');
  });

  test('values are rounded to float32', () => {
    expect(tensor([0.1]).data()[0]).toBe(Math.fround(0.1));
    expect(tensor([0.1], { dtype: 'float64' }).data()[0]).toBe(0.1);
  });

  test('empty arrays give size-0 tensors', () => {
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
  });

  test('setDefaultDtype changes the dtype of new tensors', () => {
    setDefaultDtype('float64');
    expect(getDefaultDtype()).toBe('float64');
    expect(tensor([1]).dtype).toBe('float64');
    expect(zeros([2]).data()).toBeInstanceOf(Float64Array);
  });
});

describe('filled tensors and ranges', () => {
  test('zeros, ones, full, eye', () => {
    expect(zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(ones([3], { dtype: 'float64' }).toArray()).toEqual([1, 1, 1]);
    expect(full([2], 7).toArray()).toEqual([7, 7]);
    expect(full([], 7).shape).toEqual([]);
    expect(eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(zeros([2], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  test('arange follows NumPy', () => {
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(2, 8, 2).toArray()).toEqual([2, 4, 6]);
    expect(arange(0, 1, 0.25, { dtype: 'float64' }).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(arange(3, 3).shape).toEqual([0]);
  });
});

describe('random tensors', () => {
  test('manualSeed makes rand and randn reproducible bit for bit', () => {
    manualSeed(42);
    const a = [rand([5]).data(), randn([5]).data()];
    manualSeed(42);
    const b = [rand([5]).data(), randn([5]).data()];
    expect(b).toEqual(a);
    manualSeed(43);
    expect(rand([5]).data()).not.toEqual(a[0]);
  });

  test('an explicit generator is independent of the global one', () => {
    const first = rand([4], { rng: new Generator(7), dtype: 'float64' }).data();
    manualSeed(1);
    const second = rand([4], { rng: new Generator(7), dtype: 'float64' }).data();
    expect(second).toEqual(first);
  });

  test('rand lies in [0, 1); randn has mean 0 and variance 1', () => {
    const u = rand([20000], { rng: new Generator(1), dtype: 'float64' });
    const values = Array.from(u.data());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(u.mean().item()).toBeCloseTo(0.5, 1);
    const n = randn([20000], { rng: new Generator(2), dtype: 'float64' });
    expect(Math.abs(n.mean().item())).toBeLessThan(0.03);
    expect(n.square().mean().item()).toBeCloseTo(1, 1);
  });
});
