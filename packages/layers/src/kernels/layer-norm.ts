/**
 * LayerNorm's normalization of contiguous rows, and its gradient, in float64 arithmetic (each result
 * rounded once to the storage's dtype), with PyTorch's formulas:
 *
 *   mean = sum(x) / D,  variance = sum((x - mean)^2) / D (biased),  rstd = 1 / sqrt(variance + eps)
 *   y = (x - mean) rstd
 *   dx = rstd ((g - mean(g)) - y mean(g y))       (y recomputed from x)
 *
 * for rows of D = `length` values. Loop order: row by row, each in passes along the row (two for
 * the statistics, then one for y, or two for dx). ./layer-norm-wasm-module.ts computes the same on
 * WebAssembly SIMD, two float64 lanes at a time.
 */
import type { Storage } from './cross-entropy.js';

/** The mean of x[start, start + length). */
function rowMean(x: Storage, start: number, length: number): number {
  let sum = 0;
  for (let i = start; i < start + length; i++) sum += x[i]!;
  return sum / length;
}

/** 1 / sqrt(variance + eps) of x[start, start + length) about its mean. */
function rowRstd(x: Storage, start: number, length: number, mean: number, eps: number): number {
  let squares = 0;
  for (let i = start; i < start + length; i++) squares += (x[i]! - mean) * (x[i]! - mean);
  return 1 / Math.sqrt(squares / length + eps);
}

/** out = (x - mean) rstd along each of `rows` rows of `length` (see the header). */
export function layerNormRows(out: Storage, x: Storage, rows: number, length: number, eps: number): void {
  for (let start = 0; start < rows * length; start += length) {
    const mean = rowMean(x, start, length);
    const rstd = rowRstd(x, start, length, mean, eps);
    for (let i = start; i < start + length; i++) out[i] = (x[i]! - mean) * rstd;
  }
}

/** out = the gradient of `layerNormRows` with respect to x, given the output's gradient g (see the header). */
export function layerNormRowsGradient(out: Storage, g: Storage, x: Storage, rows: number, length: number, eps: number): void {
  for (let start = 0; start < rows * length; start += length) {
    const mean = rowMean(x, start, length);
    const rstd = rowRstd(x, start, length, mean, eps);
    let sumG = 0;
    let sumGY = 0;
    for (let i = start; i < start + length; i++) {
      sumG += g[i]!;
      sumGY += g[i]! * ((x[i]! - mean) * rstd);
    }
    const [meanG, meanGY] = [sumG / length, sumGY / length];
    for (let i = start; i < start + length; i++) out[i] = rstd * ((g[i]! - meanG) - ((x[i]! - mean) * rstd) * meanGY);
  }
}
