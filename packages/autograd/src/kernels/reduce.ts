/**
 * Reductions along any set of axes. The input is walked once in row-major order; each element is
 * combined into the output slot reached through `outStrides`, which are the output's strides with 0
 * on the reduced axes (so every element of a reduced group lands in the same slot). Sums accumulate
 * in float64 whatever the float dtype, then are rounded once into `out`; int32 sums wrap at each step.
 */
import type { Storage } from '../dtype.js';
import { lastAxis, mergeAxes, rowStarts } from './strided.js';
import type { View } from './elementwise.js';
import { offsetsFitInt32 } from './offsets.js';

export type Reduction = 'sum' | 'max' | 'min';

export function reduceKernel(out: Storage, x: View, outStrides: readonly number[], reduction: Reduction): void {
  const acc = new Float64Array(out.length);
  if (reduction === 'max') acc.fill(-Infinity);
  if (reduction === 'min') acc.fill(Infinity);
  const data = x.storage;
  const integer = out instanceof Int32Array;
  // Merged axes: a bias gradient, [N, C, H, W] summed to [C], walks N C rows of H W.
  const walk = mergeAxes(x.shape, [x.strides, outStrides]);
  const [inStrides, slotStrides] = walk.strides as [number[], number[]];
  const inStarts = rowStarts(walk.shape, inStrides, x.offset);
  const outStarts = rowStarts(walk.shape, slotStrides, 0);
  const { length, stride } = lastAxis(walk.shape, inStrides);
  const outStride = lastAxis(walk.shape, slotStrides).stride;
  const fast = offsetsFitInt32(data, acc);
  for (let row = 0; row < inStarts.length; row++) {
    let p = inStarts[row]!;
    let q = outStarts[row]!;
    if (outStride === 0 && reduction === 'sum' && !integer) {
      // A row that lands in one slot (a layer norm's mean): summed in a local, in the same order
      // (the same float64 result), without a store and a load of the slot per element; with int32
      // offsets where they fit (see offsets.ts).
      let sum = acc[q]!;
      if (fast) for (let j = 0, at = p | 0; j < length; j++, at += stride) sum += data[at]!;
      else for (let j = 0; j < length; j++, p += stride) sum += data[p]!;
      acc[q] = sum;
      continue;
    }
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
