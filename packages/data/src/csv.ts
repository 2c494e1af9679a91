/** readCsv: numeric CSV text to a tensor, with a header row read, skipped or detected. */
import { checkOptions, describeValue, getDefaultDtype, tensor, type DType, type Tensor } from '@nn/autograd';

export interface ReadCsvOptions {
  /**
   * Whether the first row holds the column names. true: it does; false: it is data; 'auto'
   * (default): it does when one of its cells is text (not a number, and not a number-like token
   * such as NaN, inf or 1e400). A first row that mixes text and numbers is ambiguous under 'auto'
   * and an error: say true or false.
   */
  header?: boolean | 'auto';
  /** The cell separator, a non-empty string (default ','). */
  delimiter?: string;
  /** The dtype of the result (default: the default dtype). */
  dtype?: DType;
}

export interface CsvTable {
  /** The column names when a header row was read (header: true, or found by 'auto'), else null. */
  header: string[] | null;
  /** The values, shape [rows, columns] (the header row not counted). */
  data: Tensor;
}

const unquote = (cell: string): string => cell.trim().replace(/^"(.*)"$/, '$1');

/** A decimal number; it may overflow to an infinity (1e400), as every CSV reader parses it. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** The spellings of NaN and the infinities that numpy and pandas write and read. */
const SPECIAL: ReadonlyMap<string, number> = new Map([
  ['nan', NaN], ['+nan', NaN], ['-nan', NaN],
  ['inf', Infinity], ['+inf', Infinity], ['-inf', -Infinity],
  ['infinity', Infinity], ['+infinity', Infinity], ['-infinity', -Infinity],
]);

/**
 * What a cell holds: a number (its value), a number-like token (NaN, an infinity, or nothing) that
 * says nothing about whether its row is a header, or text.
 */
type Cell = { kind: 'number'; value: number } | { kind: 'special'; value: number } | { kind: 'empty' } | { kind: 'text' };

function classify(raw: string): Cell {
  const cell = unquote(raw);
  if (cell === '') return { kind: 'empty' };
  if (DECIMAL.test(cell)) return { kind: 'number', value: Number(cell) };
  const special = SPECIAL.get(cell.toLowerCase());
  return special === undefined ? { kind: 'text' } : { kind: 'special', value: special };
}

/**
 * Whether the first row is a header, under `header: 'auto'`: yes when a cell is text and none is a
 * number; no when no cell is text; otherwise the row is ambiguous (a header with a numeric name, or
 * a data row with a typo) and the caller must say.
 */
function detectHeader(cells: string[], rowNumber: number): boolean {
  const kinds = cells.map(classify);
  const text = kinds.findIndex((cell) => cell.kind === 'text');
  if (text < 0) return false;
  const number = kinds.findIndex((cell) => cell.kind === 'number');
  if (number < 0) return true;
  throw new Error(
    `readCsv: cannot tell whether row ${rowNumber} is a header: it mixes text (column ${text + 1}: ${JSON.stringify(unquote(cells[text]!))}) ` +
      `and numbers (column ${number + 1}: ${JSON.stringify(unquote(cells[number]!))}); pass { header: true } if it is a header, { header: false } if it is data`,
  );
}

/**
 * Reads CSV text whose data cells are all numbers: decimals, and NaN, nan, inf, -inf, Infinity (in
 * any case) for NaN and the infinities; a decimal too large for a float64 (1e400) is an infinity.
 * Lines end in \n, \r\n or \r; blank lines are skipped. An empty cell, a cell that is not a number,
 * or a row with another number of cells is an error naming its row and column (1-based, as an
 * editor shows them). `header` says whether the first row names the columns (see ReadCsvOptions);
 * the result's `header` is null when no header row was read.
 */
export function readCsv(text: string, opts: ReadCsvOptions = {}): CsvTable {
  checkOptions('readCsv', opts, ['header', 'delimiter', 'dtype']);
  if (typeof text !== 'string') throw new Error(`readCsv: expected the CSV text as a string, got ${describeValue(text)}`);
  const delimiter = opts.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter === '') throw new Error(`readCsv: delimiter must be a non-empty string, got ${describeValue(delimiter)}`);
  const headerOption = opts.header ?? 'auto';
  if (headerOption !== true && headerOption !== false && headerOption !== 'auto') {
    throw new Error(`readCsv: header must be true, false or 'auto', got ${describeValue(headerOption)}`);
  }
  const lines = text.split(/\r\n|\r|\n/).map((line, i) => ({ line, number: i + 1 })).filter(({ line }) => line.trim() !== '');
  if (lines.length === 0) throw new Error('readCsv: the text has no rows');
  const first = lines[0]!;
  const firstCells = first.line.split(delimiter);
  const hasHeader = headerOption === 'auto' ? detectHeader(firstCells, first.number) : headerOption;
  const header = hasHeader ? firstCells.map(unquote) : null;
  const dataLines = hasHeader ? lines.slice(1) : lines;
  const columns = firstCells.length;
  const values = new Float64Array(dataLines.length * columns);
  dataLines.forEach(({ line, number }, r) => {
    const cells = line.split(delimiter);
    if (cells.length !== columns) {
      throw new Error(`readCsv: row ${number} has ${cells.length} cells, expected ${columns} (as in row ${first.number})`);
    }
    cells.forEach((raw, c) => {
      const cell = classify(raw);
      if (cell.kind === 'number' || cell.kind === 'special') {
        values[r * columns + c] = cell.value;
        return;
      }
      const where = `readCsv: row ${number}, column ${c + 1}${header === null ? '' : ` (${header[c]})`}`;
      if (cell.kind === 'empty') throw new Error(`${where}: the cell is empty (write NaN for a missing value)`);
      throw new Error(`${where}: ${JSON.stringify(unquote(raw))} is not a number`);
    });
  });
  return { header, data: tensor(values, { shape: [dataLines.length, columns], dtype: opts.dtype ?? getDefaultDtype() }) };
}
