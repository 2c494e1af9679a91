/**
 * Attention's softmax along contiguous rows, with the mask added, and its gradient, in float64
 * arithmetic (each result rounded once to the storage's dtype):
 *
 *   y = softmax(x + mask)                 shifted by the row's maximum (a NaN wins, as in PyTorch)
 *   dx = y (g - sum(g y))
 *
 * for rows of `length` values; row r takes mask row r mod maskRows (the mask's rows repeat over the
 * batch and head axes). Loop order: row by row, in passes along the row (the maximum, the exponentials
 * and their sum, the quotients). ./softmax-wasm-module.ts computes the same in float32 on four lanes.
 */
import type { Storage } from './cross-entropy.js';

/** out = softmax(x + mask) along each of `rows` rows of `length` (a null mask adds nothing). */
export function maskedSoftmaxRows(out: Storage, x: Storage, mask: Storage | null, rows: number, length: number, maskRows: number): void {
  for (let r = 0, start = 0; r < rows; r++, start += length) {
    const maskStart = (r % maskRows) * length - start;
    let shift = -Infinity;
    for (let i = start; i < start + length; i++) {
      out[i] = mask === null ? x[i]! : x[i]! + mask[maskStart + i]!;
      if (out[i]! > shift || out[i] !== out[i]) shift = out[i]!;
    }
    let sum = 0;
    for (let i = start; i < start + length; i++) {
      out[i] = Math.exp(out[i]! - shift);
      sum += out[i]!;
    }
    for (let i = start; i < start + length; i++) out[i] = out[i]! / sum;
  }
}

/** out = y (g - sum(g y)) along each row: the gradient of `maskedSoftmaxRows` with respect to x (and the mask). */
export function softmaxRowsGradient(out: Storage, g: Storage, y: Storage, rows: number, length: number): void {
  for (let start = 0; start < rows * length; start += length) {
    let dot = 0;
    for (let i = start; i < start + length; i++) dot += g[i]! * y[i]!;
    for (let i = start; i < start + length; i++) out[i] = y[i]! * (g[i]! - dot);
  }
}
