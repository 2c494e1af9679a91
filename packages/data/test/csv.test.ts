import { describe, expect, test } from 'vitest';
import { readCsv } from '../src/index.js';

describe('readCsv', () => {
  test('detects a header row and reads numbers', () => {
    const { header, data } = readCsv('a,b,"c"\n1,2,3\n4,5.5,-6\n\n');
    expect(header).toEqual(['a', 'b', 'c']);
    expect(data.shape).toEqual([2, 3]);
    expect(data.toArray()).toEqual([[1, 2, 3], [4, 5.5, -6]]);
  });

  test('no header when the first row is numeric; options override', () => {
    expect(readCsv('1,2\n3,4').header).toBeNull();
    expect(readCsv('1,2\n3,4', { header: true }).header).toEqual(['1', '2']);
    expect(readCsv('1;2\r\n3;4', { delimiter: ';', dtype: 'float64' }).data.dtype).toBe('float64');
  });

  test('a bad cell names its row and column', () => {
    expect(() => readCsv('x,y\n1,2\n3,abc')).toThrow('readCsv: row 3, column 2 (y): "abc" is not a number');
    expect(() => readCsv('1,2\n3,')).toThrow('readCsv: row 2, column 2: "" is not a number');
  });

  test('a ragged row and empty text are errors', () => {
    expect(() => readCsv('1,2,3\n4,5')).toThrow('readCsv: row 2 has 2 cells, expected 3 (as in row 1)');
    expect(() => readCsv('\n\n')).toThrow('readCsv: the text has no rows');
  });
});
