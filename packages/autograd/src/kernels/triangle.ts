/**
 * The triangle mask of tril and triu: a copy of `x` (any strides) into a contiguous `out` of the same
 * shape, keeping the elements on one side of a diagonal of the last two axes and writing 0 elsewhere.
 * Element [.., i, j] is kept when j - i <= diagonal (lower) or j - i >= diagonal (upper).
 *
 * Each row is written as its runs: zeros, the kept run, zeros. Where x's rows are contiguous the
 * kept run is one native copy (from a few dozen elements: below that the subarray costs more than
 * the loop), so a mask costs about what a copy costs.
 */
import type { Storage } from '../dtype.js';
import type { View } from './elementwise.js';
import { lastAxis, rowStarts } from './strided.js';

/** The kept run from which a native copy beats the element loop. */
const NATIVE_COPY_FROM = 32;

export function triangleKernel(out: Storage, x: View, upper: boolean, diagonal: number): void {
  const rank = x.shape.length;
  const rows = x.shape[rank - 2]!;
  const starts = rowStarts(x.shape, x.strides, x.offset);
  const { length, stride } = lastAxis(x.shape, x.strides);
  const data = x.storage;
  for (let row = 0, o = 0; row < starts.length; row++, o += length) {
    // Row i of its matrix keeps columns [0, i + diagonal] (lower) or [i + diagonal, length) (upper).
    const edge = (row % rows) + diagonal;
    const keepFrom = upper ? Math.max(0, Math.min(length, edge)) : 0;
    const keepTo = upper ? length : Math.max(0, Math.min(length, edge + 1));
    const start = starts[row]!;
    out.fill(0, o, o + keepFrom);
    if (stride === 1 && keepTo - keepFrom >= NATIVE_COPY_FROM) {
      out.set(data.subarray(start + keepFrom, start + keepTo), o + keepFrom);
    } else {
      for (let j = keepFrom, p = start + keepFrom * stride; j < keepTo; j++, p += stride) out[o + j] = data[p]!;
    }
    out.fill(0, o + keepTo, o + length);
  }
}
