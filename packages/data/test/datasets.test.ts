/** The bundled datasets hold exactly the values of the source CSV files. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadBreastCancer, loadDigits, loadIris } from '../src/index.js';

const csvRows = (name: string): number[][] =>
  readFileSync(new URL(`../data/${name}`, import.meta.url), 'utf8').trim().split('\n').map((line) => line.split(',').map(Number));

describe('loadDigits', () => {
  const { x, y, classNames } = loadDigits();

  test('1797 images of 64 pixels scaled to 0..1, labels 0..9', () => {
    expect(x.shape).toEqual([1797, 64]);
    expect(y.shape).toEqual([1797]);
    expect(x.dtype).toBe('float32');
    expect(x.min().item()).toBe(0);
    expect(x.max().item()).toBe(1);
    expect(classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const counts = new Array<number>(10).fill(0);
    y.data().forEach((label) => counts[label]!++);
    expect(counts).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
  });

  test('every value equals the CSV source (pixel / 16)', () => {
    const rows = csvRows('digits.csv');
    const pixels = loadDigits({ dtype: 'float64' }).x.data();
    const labels = y.data();
    rows.forEach((row, r) => {
      row.slice(0, 64).forEach((value, p) => expect(pixels[r * 64 + p]).toBe(value / 16));
      expect(labels[r]).toBe(row[64]);
    });
  });

  test('each call returns fresh tensors', () => {
    expect(loadDigits().x).not.toBe(loadDigits().x);
  });
});

describe('tabular sets', () => {
  for (const [name, load, file, shape, classes] of [
    ['iris', loadIris, 'iris.csv', [150, 4], ['setosa', 'versicolor', 'virginica']],
    ['breast cancer', loadBreastCancer, 'breast_cancer.csv', [569, 30], ['malignant', 'benign']],
  ] as const) {
    test(`${name}: shape, classes and values as in the CSV`, () => {
      const { x, y, classNames } = load({ dtype: 'float64' });
      expect(x.shape).toEqual(shape);
      expect(classNames).toEqual(classes);
      const rows = csvRows(file).slice(1);
      const values = x.data();
      rows.forEach((row, r) => {
        row.slice(0, shape[1]).forEach((value, c) => expect(values[r * shape[1] + c]).toBe(value));
        expect(y.data()[r]).toBe(row[shape[1]]);
      });
    });
  }
});
