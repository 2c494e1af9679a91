import { describe, expect, test } from 'vitest';
import { arange, Generator, tensor } from '@nn/autograd';
import { trainTestSplit } from '../src/index.js';

const x = arange(0, 40, 1, { dtype: 'float64' }).reshape([20, 2]);
const y = tensor(Array.from({ length: 20 }, (_, i) => (i < 15 ? 0 : 1)), { dtype: 'float64' });

describe('trainTestSplit', () => {
  test('sizes (the test share rounded up, as scikit-learn) and rows kept paired', () => {
    const split = trainTestSplit(x, y, { testSize: 0.25, rng: new Generator(1) });
    expect(split.xTrain.shape).toEqual([15, 2]);
    expect(split.xTest.shape).toEqual([5, 2]);
    expect(trainTestSplit(x, y, { testSize: 0.26, rng: new Generator(1) }).xTest.shape[0]).toBe(6);
    const rows = [...(split.xTrain.toArray() as number[][]), ...(split.xTest.toArray() as number[][])];
    const labels = [...(split.yTrain.toArray() as number[]), ...(split.yTest.toArray() as number[])];
    rows.forEach(([a], i) => expect(labels[i]).toBe(a! / 2 < 15 ? 0 : 1));
    expect(rows.map(([a]) => a! / 2).sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  test('seeded: the same generator state gives the same split', () => {
    const a = trainTestSplit(x, y, { testSize: 5, rng: new Generator(7) });
    const b = trainTestSplit(x, y, { testSize: 5, rng: new Generator(7) });
    expect(a.xTest.toArray()).toEqual(b.xTest.toArray());
    expect(trainTestSplit(x, y, { testSize: 5, rng: new Generator(8) }).xTest.toArray()).not.toEqual(a.xTest.toArray());
  });

  test('without shuffling the last rows are the test set', () => {
    const split = trainTestSplit(x, y, { testSize: 2, shuffle: false });
    expect(split.yTest.toArray()).toEqual([1, 1]);
    expect((split.xTest.toArray() as number[][])[0]).toEqual([36, 37]);
  });

  test('stratified: each class keeps its share', () => {
    const split = trainTestSplit(x, y, { testSize: 0.2, stratify: true, rng: new Generator(3) });
    const ones = (t: typeof y): number => Array.from(t.data()).filter((v) => v === 1).length;
    expect(split.yTest.size).toBe(4);
    expect(ones(split.yTest)).toBe(1);
    expect(ones(split.yTrain)).toBe(4);
  });

  test('stratified splits have exactly the asked number of test samples, with every class in proportion', () => {
    const labels = tensor(Array.from({ length: 1797 }, (_, i) => i % 10), { dtype: 'float64' });
    const features = arange(0, 1797, 1, { dtype: 'float64' }).reshape([1797, 1]);
    const split = trainTestSplit(features, labels, { testSize: 0.2, stratify: true, rng: new Generator(4) });
    expect(split.yTest.size).toBe(360);
    expect(split.yTrain.size).toBe(1437);
    const perClass = new Array<number>(10).fill(0);
    split.yTest.data().forEach((label) => perClass[label]!++);
    perClass.forEach((count) => expect(count === 36).toBe(true));
  });

  test('bad input is an error', () => {
    expect(() => trainTestSplit(x, y.slice([0], [10]), { testSize: 0.2 })).toThrow('trainTestSplit: x has 20 rows, y has 10 rows; they must agree');
    expect(() => trainTestSplit(x, y, { testSize: 1.5 })).toThrow(/trainTestSplit: testSize 1.5 must be a fraction in \(0, 1\)/);
    expect(() => trainTestSplit(x, y, { testSize: 20 })).toThrow(/whole number of samples in \[1, 19\]/);
    const lonely = tensor([...new Array(19).fill(0), 1], { dtype: 'float64' });
    expect(() => trainTestSplit(x, lonely, { testSize: 0.2, stratify: true })).toThrow('trainTestSplit: class 1 has only 1 sample; stratify needs at least 2 per class');
  });
});
