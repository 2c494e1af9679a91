/**
 * The bundled datasets: small classic sets stored inside the package (no file system, no network),
 * so they work in browsers too. Each is parsed on its first use and cached; every call returns fresh
 * tensors. No module here runs code when imported (the caches start empty, the parsing happens in the
 * loader), so a bundler drops every dataset a program does not load. Source and licence: UCI Machine Learning Repository, CC BY 4.0 (see README.md).
 */
import { getDefaultDtype, tensor, type DType, type Tensor } from '@nn/autograd';

/** A labelled dataset: features, class labels (0..k-1, int32) and the class names. */
export interface LabelledData {
  /** Features, one row per sample. */
  x: Tensor;
  /** Class labels 0..k-1, one per sample: an int32 tensor of shape [N]. */
  y: Tensor;
  /** The name of each class, by label. */
  classNames: string[];
}

export interface LoadOptions {
  /** The dtype of `x` (default: the default dtype); `y` is always int32. */
  dtype?: DType;
}

/** The keys of `LoadOptions`, for `checkOptions`. */
export const LOAD_OPTIONS = ['dtype'];

/** Parsed values, cached after the first load. */
export interface ParsedSet {
  features: Float64Array;
  labels: Float64Array;
  rows: number;
  columns: number;
  classNames: string[];
}

/** Fresh tensors from parsed values. */
export function toLabelledData(set: ParsedSet, opts: LoadOptions): LabelledData {
  return {
    x: tensor(set.features, { shape: [set.rows, set.columns], dtype: opts.dtype ?? getDefaultDtype() }),
    y: tensor(set.labels, { dtype: 'int32' }),
    classNames: [...set.classNames],
  };
}

/**
 * Parses the bundled CSV form: a header line `rows,features,class names...`, then per row the
 * features and the class label.
 */
export function parseLabelledCsv(text: string): ParsedSet {
  const lines = text.trim().split('\n');
  const header = lines[0]!.split(',');
  const rows = Number(header[0]);
  const columns = Number(header[1]);
  const features = new Float64Array(rows * columns);
  const labels = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1]!.split(',').map(Number);
    features.set(cells.slice(0, columns), r * columns);
    labels[r] = cells[columns]!;
  }
  return { features, labels, rows, columns, classNames: header.slice(2) };
}
