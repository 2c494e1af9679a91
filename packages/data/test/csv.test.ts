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

  test('NaN, infinities and overflowing numbers are data, never a header', () => {
    const tokens = ['NaN', 'nan', 'NAN', 'inf', '-inf', '+inf', 'Infinity', '-Infinity', 'infinity', '1e400', '-1e400'];
    const expected = [NaN, NaN, NaN, Infinity, -Infinity, Infinity, Infinity, -Infinity, Infinity, Infinity, -Infinity];
    tokens.forEach((token, i) => {
      const { header, data } = readCsv(`1,${token}\n2,3\n`);
      expect(header, token).toBeNull();
      expect(data.shape, token).toEqual([2, 2]);
      expect(data.toArray(), token).toEqual([[1, expected[i]], [2, 3]]);
    });
    expect(readCsv('1,NaN\n2,3\n', { header: 'auto', dtype: 'float64' }).data.toArray()).toEqual([[1, NaN], [2, 3]]);
  });

  test('an empty cell is neither a header nor a number: an error that names it', () => {
    expect(() => readCsv('1,\n2,3\n')).toThrow('readCsv: row 1, column 2: the cell is empty (write NaN for a missing value)');
    expect(() => readCsv('1,2\n3,')).toThrow('readCsv: row 2, column 2: the cell is empty (write NaN for a missing value)');
    // An empty name in a header (an unnamed index column) is still a header.
    expect(readCsv(',a\n1,2').header).toEqual(['', 'a']);
  });

  test('\\n, \\r\\n and \\r line ends read alike', () => {
    for (const end of ['\n', '\r\n', '\r']) {
      const { header, data } = readCsv(['x,y', '1,2', '3,4', ''].join(end));
      expect(header, JSON.stringify(end)).toEqual(['x', 'y']);
      expect(data.toArray(), JSON.stringify(end)).toEqual([[1, 2], [3, 4]]);
    }
  });

  test('a first row mixing names and numbers is ambiguous: an error that says how to choose', () => {
    const message = 'readCsv: cannot tell whether row 1 is a header: it mixes text (column 1: "id") and numbers (column 2: "2"); pass { header: true } if it is a header, { header: false } if it is data';
    expect(() => readCsv('id,2\n1,3')).toThrow(message);
    expect(() => readCsv('id,2\n1,3', { header: 'auto' })).toThrow(message);
    expect(readCsv('id,2\n1,3', { header: true }).header).toEqual(['id', '2']);
    expect(() => readCsv('id,2\n1,3', { header: false })).toThrow('readCsv: row 1, column 1: "id" is not a number');
  });

  test('header: false reads the first row as data; header: true keeps a numeric first row as names', () => {
    expect(readCsv('1,2\n3,4', { header: false }).data.shape).toEqual([2, 2]);
    const { header, data } = readCsv('1,2\n3,4', { header: true });
    expect(header).toEqual(['1', '2']);
    expect(data.toArray()).toEqual([[3, 4]]);
  });

  test('bad header and delimiter values are errors', () => {
    expect(() => readCsv('1,2', { delimiter: '' })).toThrow('readCsv: delimiter must be a non-empty string, got the string ""');
    expect(() => readCsv('1,2', { delimiter: 5 as unknown as string })).toThrow('readCsv: delimiter must be a non-empty string, got 5');
    expect(() => readCsv('1,2', { header: 'yes' as unknown as boolean })).toThrow("readCsv: header must be true, false or 'auto', got the string \"yes\"");
  });

  test('a bad cell names its row and column', () => {
    expect(() => readCsv('x,y\n1,2\n3,abc')).toThrow('readCsv: row 3, column 2 (y): "abc" is not a number');
    expect(() => readCsv('1,2\n3,0x10')).toThrow('readCsv: row 2, column 2: "0x10" is not a number');
  });

  test('a ragged row and empty text are errors', () => {
    expect(() => readCsv('1,2,3\n4,5')).toThrow('readCsv: row 2 has 2 cells, expected 3 (as in row 1)');
    expect(() => readCsv('\n\n')).toThrow('readCsv: the text has no rows');
    expect(() => readCsv('\r\r')).toThrow('readCsv: the text has no rows');
  });
});
