/** readCsv: numeric CSV text to a tensor, with an optional header row. */
import { checkOptions, describeValue, getDefaultDtype, tensor, type DType, type Tensor } from '@nn/autograd';

export interface ReadCsvOptions {
  /** true: the first row is a header; false: it is data; 'auto' (default): a header when any of its cells is not a number. */
  header?: boolean | 'auto';
  /** The cell separator (default ','). */
  delimiter?: string;
  /** The dtype of the result (default: the default dtype). */
  dtype?: DType;
}

export interface CsvTable {
  /** The column names, or null when the text has no header row. */
  header: string[] | null;
  /** The values, shape [rows, columns]. */
  data: Tensor;
}

const unquote = (cell: string): string => cell.trim().replace(/^"(.*)"$/, '$1');
const isNumber = (cell: string): boolean => cell.trim() !== '' && Number.isFinite(Number(cell));

/**
 * Reads CSV text whose data cells are all numbers. Blank lines are skipped. A cell that is not a
 * number, or a row with another number of cells, is an error naming its row and column (1-based, as
 * an editor shows them).
 */
export function readCsv(text: string, opts: ReadCsvOptions = {}): CsvTable {
  checkOptions('readCsv', opts, ['header', 'delimiter', 'dtype']);
  if (typeof text !== 'string') throw new Error(`readCsv: expected the CSV text as a string, got ${describeValue(text)}`);
  const delimiter = opts.delimiter ?? ',';
  const lines = text.split(/\r?\n/).map((line, i) => ({ line, number: i + 1 })).filter(({ line }) => line.trim() !== '');
  if (lines.length === 0) throw new Error('readCsv: the text has no rows');
  const firstCells = lines[0]!.line.split(delimiter);
  const hasHeader = opts.header === 'auto' || opts.header === undefined ? !firstCells.every(isNumber) : opts.header;
  const header = hasHeader ? firstCells.map(unquote) : null;
  const dataLines = hasHeader ? lines.slice(1) : lines;
  const columns = firstCells.length;
  const values = new Float64Array(dataLines.length * columns);
  dataLines.forEach(({ line, number }, r) => {
    const cells = line.split(delimiter);
    if (cells.length !== columns) {
      throw new Error(`readCsv: row ${number} has ${cells.length} cells, expected ${columns} (as in row ${lines[0]!.number})`);
    }
    cells.forEach((cell, c) => {
      if (!isNumber(cell)) {
        const name = header === null ? '' : ` (${header[c]})`;
        throw new Error(`readCsv: row ${number}, column ${c + 1}${name}: ${JSON.stringify(cell.trim())} is not a number`);
      }
      values[r * columns + c] = Number(cell);
    });
  });
  return { header, data: tensor(values, { shape: [dataLines.length, columns], dtype: opts.dtype ?? getDefaultDtype() }) };
}
