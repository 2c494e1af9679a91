import { describe, expect, test } from 'vitest';
import { arange, Generator } from '@nn/autograd';
import { DataLoader, sampleBatches, TensorDataset } from '../src/index.js';

const x = arange(0, 20, 1, { dtype: 'float64' }).reshape([10, 2]);
const y = arange(0, 10, 1, { dtype: 'float64' });
const dataset = new TensorDataset(x, y);

const firstColumn = (batch: readonly unknown[]): number[] => ((batch[0] as typeof x).toArray() as number[][]).map(([a]) => a! / 2);

describe('TensorDataset', () => {
  test('a sample is one row of each tensor', () => {
    const [row, label] = dataset.get(3);
    expect(row!.toArray()).toEqual([6, 7]);
    expect(label!.item()).toBe(3);
    expect(dataset.length).toBe(10);
  });

  test('errors', () => {
    expect(() => new TensorDataset(x, arange(3))).toThrow('TensorDataset: tensor 0 has 10 rows, tensor 1 has 3 rows; they must agree');
    expect(() => dataset.get(10)).toThrow('TensorDataset: index 10 is out of range for 10 samples');
    expect(() => new TensorDataset()).toThrow('TensorDataset: expected at least one tensor');
  });
});

describe('DataLoader', () => {
  test('batches in order, the last one smaller unless dropLast', () => {
    const loader = new DataLoader(dataset, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.map((b) => b[0]!.shape)).toEqual([[4, 2], [4, 2], [2, 2]]);
    expect(batches.map((b) => b[1]!.toArray())).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const dropping = new DataLoader(dataset, { batchSize: 4, dropLast: true });
    expect(dropping.length).toBe(2);
    expect([...dropping]).toHaveLength(2);
  });

  test('shuffles with a seed: every sample once per pass, a new order each pass, rows kept paired', () => {
    const loader = new DataLoader(dataset, { batchSize: 3, shuffle: true, rng: new Generator(5) });
    const pass = (): number[] => [...loader].flatMap((batch) => {
      const ids = firstColumn(batch);
      expect(batch[1]!.toArray()).toEqual(ids);
      return ids;
    });
    const first = pass();
    const second = pass();
    expect([...first].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(second).not.toEqual(first);
    const again = new DataLoader(dataset, { batchSize: 3, shuffle: true, rng: new Generator(5) });
    expect([...again].flatMap(firstColumn)).toEqual(first);
  });

  test('any dataset through sampleBatches', () => {
    const squares = { length: 5, get: (i: number) => i * i };
    expect([...new DataLoader(sampleBatches(squares), { batchSize: 2 })]).toEqual([[0, 1], [4, 9], [16]]);
  });

  test('bad options are errors', () => {
    expect(() => new DataLoader(dataset, { batchSize: 0 })).toThrow('DataLoader: batchSize must be a positive integer, got 0');
    expect(() => new DataLoader(dataset, { batchSize: 2, shufle: true } as never)).toThrow("DataLoader: unknown option 'shufle' (did you mean 'shuffle'? known options: batchSize, shuffle, dropLast, rng)");
    expect(() => new DataLoader({ length: 1, get: () => 1 } as never, { batchSize: 1 })).toThrow(/DataLoader: expected a dataset with getBatch/);
  });
});
