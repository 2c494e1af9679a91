/**
 * Class labels are int32 across @nn/data (API.md, "Additions", dtype int32): the bundled datasets'
 * `y`, `trainTestSplit` and `DataLoader` keep the labels' dtype, `oneHot` takes int32 labels or
 * integer-valued float labels and gives float rows.
 */
import { describe, expect, test } from 'vitest';
import { Generator, setDefaultDtype, tensor } from '@nn/autograd';
import { DataLoader, loadBreastCancer, loadDigits, loadIris, oneHot, TensorDataset, trainTestSplit } from '../src/index.js';

describe('the bundled datasets give int32 labels', () => {
  test.each([['digits', loadDigits], ['iris', loadIris], ['breast cancer', loadBreastCancer]] as const)('%s', (_, load) => {
    for (const opts of [{}, { dtype: 'float64' as const }]) {
      const { x, y } = load(opts);
      expect(y.dtype).toBe('int32');
      expect(y.data()).toBeInstanceOf(Int32Array);
      expect(x.dtype).toBe(opts.dtype ?? 'float32');
    }
  });
});

describe('trainTestSplit and DataLoader keep the dtype of the labels', () => {
  const x = tensor(Array.from({ length: 20 }, (_, i) => [i, -i]), { dtype: 'float64' });
  const labels = Array.from({ length: 20 }, (_, i) => i % 3);
  test.each(['int32', 'float32', 'float64'] as const)('%s labels', (dtype) => {
    const y = tensor(labels, { dtype });
    for (const stratify of [false, true]) {
      const split = trainTestSplit(x, y, { testSize: 0.25, stratify, rng: new Generator(7) });
      expect(split.yTrain.dtype).toBe(dtype);
      expect(split.yTest.dtype).toBe(dtype);
      // Each label still belongs to its row: row i holds [i, -i] and label i % 3.
      const rows = split.xTest.toArray() as number[][];
      expect(split.yTest.toArray()).toEqual(rows.map(([i]) => i! % 3));
    }
    const batches = [...new DataLoader(new TensorDataset(x, y), { batchSize: 8, shuffle: true, rng: new Generator(3) })];
    for (const [xb, yb] of batches) {
      expect(yb!.dtype).toBe(dtype);
      expect(yb!.toArray()).toEqual((xb!.toArray() as number[][]).map(([i]) => i! % 3));
    }
  });
});

describe('oneHot', () => {
  test('int32 labels give rows of the default float dtype', () => {
    const labels = tensor([2, 0, 1], { dtype: 'int32' });
    const rows = oneHot(labels, 3);
    expect(rows.dtype).toBe('float32');
    expect(rows.toArray()).toEqual([[0, 0, 1], [1, 0, 0], [0, 1, 0]]);
    setDefaultDtype('float64');
    try {
      expect(oneHot(labels, 3).dtype).toBe('float64');
    } finally {
      setDefaultDtype('float32');
    }
  });
  test('integer-valued float labels keep working, in their dtype', () => {
    expect(oneHot(tensor([2, 0], { dtype: 'float64' }), 3).toArray()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(oneHot(tensor([2, 0], { dtype: 'float64' }), 3).dtype).toBe('float64');
  });
  test('a label out of range is an error naming it', () => {
    expect(() => oneHot(tensor([0, 3], { dtype: 'int32' }), 3)).toThrow('oneHot: label 3 at index 1 is not an integer in [0, 3)');
  });
});
