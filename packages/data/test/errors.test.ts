/** Bad input to the loaders and splits throws an Error naming the function and the offending value. */
import { describe, expect, test } from 'vitest';
import { tensor } from '@nn/autograd';
import { DataLoader, TensorDataset, trainTestSplit } from '../src/index.js';

const dataset = new TensorDataset(tensor([[1], [2], [3]]), tensor([0, 1, 0]));

describe('DataLoader', () => {
  test('batchSize is required, as API.md writes it', () => {
    expect(() => new DataLoader(dataset, undefined as never)).toThrow(
      'DataLoader: the option batchSize is required, e.g. new DataLoader(dataset, { batchSize: 32 })',
    );
    expect(() => new DataLoader(dataset, {} as never)).toThrow('DataLoader: the option batchSize is required');
  });

  test('a batchSize that is not a number says its type', () => {
    expect(() => new DataLoader(dataset, { batchSize: '2' as never })).toThrow('DataLoader: batchSize must be a positive integer, got the string "2"');
  });

  test('an rng that is not a Generator', () => {
    expect(() => new DataLoader(dataset, { batchSize: 2, rng: 7 as never })).toThrow('DataLoader: rng must be a Generator, got 7');
  });
});

describe('trainTestSplit', () => {
  const x = tensor([[1], [2], [3], [4]]);
  const y = tensor([0, 1, 0, 1]);

  test('testSize is required', () => {
    expect(() => trainTestSplit(x, y, undefined as never)).toThrow('trainTestSplit: the option testSize is required, e.g. trainTestSplit(x, y, { testSize: 0.2 })');
  });

  test('an rng that is not a Generator', () => {
    expect(() => trainTestSplit(x, y, { testSize: 1, rng: Math.random as never })).toThrow('trainTestSplit: rng must be a Generator, got the function random');
  });
});
