/**
 * The triangle mask of tril and triu: a copy of `x` (any strides) into a contiguous `out` of the same
 * shape, keeping the elements on one side of a diagonal of the last two axes and writing 0 elsewhere.
 * Element [.., i, j] is kept when j - i <= diagonal (lower) or j - i >= diagonal (upper).
 */
import type { Storage } from '../dtype.js';
import type { View } from './elementwise.js';
import { lastAxis, rowStarts } from './strided.js';

export function triangleKernel(out: Storage, x: View, upper: boolean, diagonal: number): void {
  const rank = x.shape.length;
  const rows = x.shape[rank - 2]!;
  const starts = rowStarts(x.shape, x.strides, x.offset);
  const { length, stride } = lastAxis(x.shape, x.strides);
  const data = x.storage;
  for (let row = 0, o = 0; row < starts.length; row++) {
    // Row i of its matrix keeps columns [0, i + diagonal] (lower) or [i + diagonal, length) (upper).
    const edge = (row % rows) + diagonal;
    const keepFrom = upper ? Math.max(0, Math.min(length, edge)) : 0;
    const keepTo = upper ? length : Math.max(0, Math.min(length, edge + 1));
    let p = starts[row]!;
    for (let j = 0; j < length; j++, o++, p += stride) out[o] = j >= keepFrom && j < keepTo ? data[p]! : 0;
  }
}
