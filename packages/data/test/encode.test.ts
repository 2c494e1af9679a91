import { describe, expect, test } from 'vitest';
import { tensor } from '@nn/autograd';
import { oneHot, standardize } from '../src/index.js';

describe('oneHot', () => {
  test('rows with a 1 at each label', () => {
    expect(oneHot([0, 2, 1], 3).toArray()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    expect(oneHot(tensor([1], { dtype: 'float64' }), 2).dtype).toBe('float64');
  });

  test('labels out of range or not integers are errors', () => {
    expect(() => oneHot([0, 3], 3)).toThrow('oneHot: label 3 at index 1 is not an integer in [0, 3)');
    expect(() => oneHot([0.5], 3)).toThrow('oneHot: label 0.5 at index 0 is not an integer in [0, 3)');
    expect(() => oneHot([0], 0)).toThrow('oneHot: numClasses must be a positive integer, got 0');
    expect(() => oneHot(tensor([[0]]), 2)).toThrow('oneHot: labels must have shape [N], got [1,1]');
  });
});

describe('standardize', () => {
  const train = tensor([[1, 10, 5], [3, 30, 5], [5, 50, 5]], { dtype: 'float64' });

  test('fits on the training set: mean 0, standard deviation 1 per column; constant columns centred', () => {
    const { x, mean, std } = standardize(train);
    expect(mean.toArray()).toEqual([3, 30, 5]);
    expect((std.toArray() as number[])[2]).toBe(1);
    const columns = x.transpose().toArray() as number[][];
    columns.slice(0, 2).forEach((column) => {
      expect(column.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
      expect(column.reduce((a, b) => a + b * b, 0) / 3).toBeCloseTo(1, 12);
    });
    expect(columns[2]).toEqual([0, 0, 0]);
  });

  test('applies the training statistics to test data', () => {
    const { apply, std } = standardize(train);
    const s = (std.toArray() as number[])[0]!;
    expect((apply(tensor([[3, 30, 6]], { dtype: 'float64' })).toArray() as number[][])[0]).toEqual([0, 0, 1]);
    expect((apply(tensor([[3 + s, 30, 5]], { dtype: 'float64' })).toArray() as number[][])[0]![0]).toBeCloseTo(1, 12);
    expect(() => apply(tensor([[1, 2]]))).toThrow('standardize: apply expected features of shape [N, 3], got [1,2]');
  });
});
