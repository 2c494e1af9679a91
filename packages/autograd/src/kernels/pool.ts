/**
 * The loops of the pooling ops. Every pool works on planes: the input is contiguous, laid out as
 * `planes` planes of H x W (batch and channels folded together), and every window is described per
 * axis by tables computed once per call (ops/pool-windows.ts), so the loops allocate nothing per
 * window and test no bounds per element: a window's rows and columns are ranges known in advance.
 *
 * Loop order everywhere: plane, output row, output column, then the window's rows and columns in
 * row-major order. The output is written in order, and a window's elements are read row by row,
 * each row contiguous (or strided by the dilation) in the input.
 */
import type { Storage } from '../dtype.js';

/**
 * The windows of a max pool along one axis: window o reads `counts[o]` input positions, from
 * `firsts[o]` on, every `dilation` (the positions in the padding are already left out).
 */
export interface MaxWindows {
  readonly inputSize: number;
  readonly dilation: number;
  readonly firsts: Int32Array;
  readonly counts: Int32Array;
}

/**
 * The windows of an average along one axis: window o sums the input positions [starts[o], ends[o])
 * and its factor of the divisor is `sizes[o]` (a window's divisor is its row factor times its column
 * factor: with or without the padding, PyTorch's divisors are such products).
 */
export interface MeanWindows {
  readonly inputSize: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly sizes: Float64Array;
}

/**
 * out[p, i, j] = the position h * W + w (in its plane) of the maximum of window (i, j) of plane p:
 * the first maximum in row-major order, and a NaN counts as the maximum (the last NaN is taken, as
 * PyTorch's `val > max || isnan(val)` does). A window of -Infinity only gives its first position.
 * `xs` holds the planes from `offset` on; out is int32, planes x rows x cols.
 */
export function maxPoolIndicesKernel(out: Int32Array, xs: Storage, offset: number, planes: number, rows: MaxWindows, cols: MaxWindows): void {
  const width = cols.inputSize;
  const planeSize = rows.inputSize * width;
  const outRows = rows.firsts.length;
  const outCols = cols.firsts.length;
  const rowStep = rows.dilation * width;
  const colStep = cols.dilation;
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const base = offset + p * planeSize;
    for (let i = 0; i < outRows; i++) {
      const rowFirst = rows.firsts[i]! * width;
      const rowCount = rows.counts[i]!;
      for (let j = 0; j < outCols; j++) {
        const colFirst = cols.firsts[j]!;
        const colCount = cols.counts[j]!;
        let best = rowFirst + colFirst;
        let max = -Infinity;
        for (let a = 0, rowAt = rowFirst; a < rowCount; a++, rowAt += rowStep) {
          for (let b = 0, at = rowAt + colFirst; b < colCount; b++, at += colStep) {
            const v = xs[base + at]!;
            if (v > max || v !== v) {
              max = v;
              best = at;
            }
          }
        }
        out[k++] = best;
      }
    }
  }
}

/**
 * out[p, i, j] = (sum of window (i, j) of plane p) / (rows.sizes[i] * cols.sizes[j]): the sum in
 * row-major order, then one division, as PyTorch's avg_pool2d. `xs` holds the planes from `offset` on.
 */
export function meanPoolKernel(out: Storage, xs: Storage, offset: number, planes: number, rows: MeanWindows, cols: MeanWindows): void {
  const width = cols.inputSize;
  const planeSize = rows.inputSize * width;
  const outRows = rows.starts.length;
  const outCols = cols.starts.length;
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const base = offset + p * planeSize;
    for (let i = 0; i < outRows; i++) {
      const rowStart = rows.starts[i]!;
      const rowEnd = rows.ends[i]!;
      const rowSize = rows.sizes[i]!;
      for (let j = 0; j < outCols; j++) {
        const colStart = cols.starts[j]!;
        const colEnd = cols.ends[j]!;
        let sum = 0;
        for (let h = rowStart; h < rowEnd; h++) {
          const rowAt = base + h * width;
          for (let w = colStart; w < colEnd; w++) sum += xs[rowAt + w]!;
        }
        out[k++] = sum / (rowSize * cols.sizes[j]!);
      }
    }
  }
}

/**
 * The transpose of `meanPoolKernel`: out (zeros, planes x H x W) gets g[p, i, j] / divisor added at
 * every position of window (i, j). Overlapping windows add up, in the order of the loops (the same
 * every run). `gs` holds the planes of the gradient from `offset` on.
 */
export function meanPoolTransposeKernel(out: Storage, gs: Storage, offset: number, planes: number, rows: MeanWindows, cols: MeanWindows): void {
  const width = cols.inputSize;
  const planeSize = rows.inputSize * width;
  const outRows = rows.starts.length;
  const outCols = cols.starts.length;
  let k = offset;
  for (let p = 0; p < planes; p++) {
    const base = p * planeSize;
    for (let i = 0; i < outRows; i++) {
      const rowStart = rows.starts[i]!;
      const rowEnd = rows.ends[i]!;
      const rowSize = rows.sizes[i]!;
      for (let j = 0; j < outCols; j++) {
        const colStart = cols.starts[j]!;
        const colEnd = cols.ends[j]!;
        const share = gs[k++]! / (rowSize * cols.sizes[j]!);
        for (let h = rowStart; h < rowEnd; h++) {
          const rowAt = base + h * width;
          for (let w = colStart; w < colEnd; w++) out[rowAt + w]! += share;
        }
      }
    }
  }
}
