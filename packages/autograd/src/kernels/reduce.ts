/**
 * Reductions along any set of axes. The input is walked once in row-major order; each element is
 * combined into the output slot reached through `outStrides`, which are the output's strides with 0
 * on the reduced axes (so every element of a reduced group lands in the same slot). Sums accumulate
 * in float64 whatever the float dtype, then are rounded once into `out`; int32 sums wrap at each step.
 */
import type { Storage } from '../dtype.js';
import { lastAxis, rowStarts } from './strided.js';
import type { View } from './elementwise.js';

export type Reduction = 'sum' | 'max' | 'min';

export function reduceKernel(out: Storage, x: View, outStrides: readonly number[], reduction: Reduction): void {
  const acc = new Float64Array(out.length);
  if (reduction === 'max') acc.fill(-Infinity);
  if (reduction === 'min') acc.fill(Infinity);
  const data = x.storage;
  const integer = out instanceof Int32Array;
  const inStarts = rowStarts(x.shape, x.strides, x.offset);
  const outStarts = rowStarts(x.shape, outStrides, 0);
  const { length, stride } = lastAxis(x.shape, x.strides);
  const outStride = lastAxis(x.shape, outStrides).stride;
  for (let row = 0; row < inStarts.length; row++) {
    let p = inStarts[row]!;
    let q = outStarts[row]!;
    // A NaN wins a max or min, as in NumPy and PyTorch: `v !== v` takes it, and no later value
    // compares greater (or smaller) than it, so it stays.
    if (reduction === 'sum' && integer) {
      // int32 sums wrap as int32's do (PyTorch sums int32 into int64; @nn keeps int32).
      for (let j = 0; j < length; j++, p += stride, q += outStride) acc[q] = (acc[q]! + data[p]!) | 0;
    } else if (reduction === 'sum') {
      for (let j = 0; j < length; j++, p += stride, q += outStride) acc[q] += data[p]!;
    } else if (reduction === 'max') {
      for (let j = 0; j < length; j++, p += stride, q += outStride) {
        const v = data[p]!;
        if (v > acc[q]! || v !== v) acc[q] = v;
      }
    } else {
      for (let j = 0; j < length; j++, p += stride, q += outStride) {
        const v = data[p]!;
        if (v < acc[q]! || v !== v) acc[q] = v;
      }
    }
  }
  out.set(acc);
}
