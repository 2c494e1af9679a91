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
  if (isTwoByTwo(rows) && isTwoByTwo(cols)) return maxPoolTwoByTwo(out, xs, offset, planes, rows, cols);
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

/** True when every window along the axis reads two adjacent positions (a 2-wide kernel, dilation 1, none clipped). */
function isTwoByTwo(w: MaxWindows): boolean {
  if (w.dilation !== 1 && w.counts.length > 0) return false;
  for (let o = 0; o < w.counts.length; o++) if (w.counts[o] !== 2) return false;
  return true;
}

/**
 * maxPoolIndicesKernel for 2 x 2 windows (LeNet's pooling): the position of the first maximum
 * computed without a branch on the values. The window's values a, b (first row), c, d (second row)
 * give m = max(a, b, c, d); the first k whose value equals m is (1 - e0) (1 + (1 - e1) (1 + (1 - e2)))
 * with e_k = 1 when value k equals m, 0 otherwise. On random activations the comparisons of the
 * general loop mispredict often; here they only feed arithmetic. A window holding a NaN (m is NaN,
 * which equals nothing) takes the general rule, the last NaN, in a branch that is rarely taken.
 */
function maxPoolTwoByTwo(out: Int32Array, xs: Storage, offset: number, planes: number, rows: MaxWindows, cols: MaxWindows): void {
  const width = cols.inputSize;
  const planeSize = rows.inputSize * width;
  const outRows = rows.firsts.length;
  const outCols = cols.firsts.length;
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const base = offset + p * planeSize;
    for (let i = 0; i < outRows; i++) {
      const rowAt = rows.firsts[i]! * width;
      for (let j = 0; j < outCols; j++) {
        const at = rowAt + cols.firsts[j]!;
        const a = xs[base + at]!;
        const b = xs[base + at + 1]!;
        const c = xs[base + at + width]!;
        const d = xs[base + at + width + 1]!;
        const m = Math.max(a, b, c, d);
        if (m !== m) {
          // The last NaN of the window in row-major order, as the general loop.
          out[k++] = d !== d ? at + width + 1 : c !== c ? at + width : b !== b ? at + 1 : at;
          continue;
        }
        const first = (1 - +(a === m)) * (1 + (1 - +(b === m)) * (1 + (1 - +(c === m))));
        // first: 0 a, 1 b, 2 c, 3 d; the column is first & 1, the row first >> 1.
        out[k++] = at + (first & 1) + (first >> 1) * width;
      }
    }
  }
}

/**
 * out[p, i, j] = the maximum of window (i, j) of plane p: the value at maxPoolIndicesKernel's
 * position (so a window holding a NaN gives that NaN, and of -0 and +0 the first).
 */
export function maxPoolValuesKernel(out: Storage, xs: Storage, offset: number, planes: number, rows: MaxWindows, cols: MaxWindows): void {
  const positions = new Int32Array(out.length);
  maxPoolIndicesKernel(positions, xs, offset, planes, rows, cols);
  const planeSize = rows.inputSize * cols.inputSize;
  const windows = rows.firsts.length * cols.firsts.length;
  for (let p = 0, k = 0; p < planes; p++) {
    const base = offset + p * planeSize;
    for (let w = 0; w < windows; w++, k++) out[k] = xs[base + positions[k]!]!;
  }
}

/**
 * The gradient of maxPoolValuesKernel: out (planes of x's shape, zero-filled) gets grad[p, i, j]
 * (`grad` from `gradOffset` on) added at the position of window (i, j)'s maximum in plane p, windows
 * in order (overlapping windows may pick one position twice, whose gradients then add up).
 */
export function maxPoolGradientKernel(out: Storage, grad: Storage, gradOffset: number, xs: Storage, offset: number, planes: number, rows: MaxWindows, cols: MaxWindows): void {
  const windows = rows.firsts.length * cols.firsts.length;
  const positions = new Int32Array(planes * windows);
  maxPoolIndicesKernel(positions, xs, offset, planes, rows, cols);
  const planeSize = rows.inputSize * cols.inputSize;
  for (let p = 0, k = 0; p < planes; p++) {
    const base = p * planeSize;
    for (let w = 0; w < windows; w++, k++) out[base + positions[k]!] = out[base + positions[k]!]! + grad[gradOffset + k]!;
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
