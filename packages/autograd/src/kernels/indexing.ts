/**
 * The loops of gather, scatterAdd and indexSelect (embedding lookups and their gradients). Each
 * reads its operands through their strides, so views need no copy, and checks every index as it
 * reads it: an index outside [0, size) throws with the op, the axis, the value and its position,
 * and nothing wraps or clamps (negative indices included, as torch.gather rejects them).
 *
 * gather and scatterAdd walk the index row by row (`rowStarts`, as the element-wise kernels do):
 * the operands' offsets are computed once per row, and the last axis is a plain loop, of one of
 * three kinds: indices along the last axis itself (each picks within the row), an index that is the
 * same along the row (a broadcast one, as indexSelect's gradient scatters through: one check and a
 * row copied or added), or the general strided loop. All three visit positions in the same order;
 * the first two index with int32 offsets (see offsets.ts).
 */
import type { Storage } from '../dtype.js';
import { contiguousStrides, formatShape, isContiguous } from '../shape.js';
import type { View } from './elementwise.js';
import { lastAxis, rowStarts } from './strided.js';
import { offsetsFitInt32 } from './offsets.js';

/** The error of an index outside its axis: `gather: index 7 at [1,2] is out of range for axis 1 of size 5`. */
function outOfRange(op: string, value: number, flat: number, shape: readonly number[], axis: number, size: number): Error {
  // The coordinates of row-major position `flat`, computed only for the message.
  const position = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    position[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return new Error(`${op}: index ${value} at ${formatShape(position)} is out of range for axis ${axis} of size ${size}`);
}

/** `strides` with 0 on `axis`: walking the index's positions, the index value replaces that coordinate. */
function withoutAxis(strides: readonly number[], axis: number): number[] {
  return strides.map((stride, d) => (d === axis ? 0 : stride));
}

/**
 * out[p] = x[p with p[axis] replaced by index[p]], for every position p of `index` (out is contiguous,
 * of index's shape; index fits x off the axis). Loop order: row-major over index, so out is written
 * in order and x is read wherever the indices point.
 */
export function gatherKernel(out: Storage, x: View, axis: number, index: View): void {
  const { shape } = index;
  const size = x.shape[axis]!;
  const axisStride = x.strides[axis]!;
  const xStrides = withoutAxis(x.strides, axis);
  const indexRows = rowStarts(shape, index.strides, index.offset);
  const xRows = rowStarts(shape, xStrides, x.offset);
  const { length, stride: indexStep } = lastAxis(shape, index.strides);
  const xStep = lastAxis(shape, xStrides).stride;
  const indices = index.storage;
  const xs = x.storage;
  const fast = offsetsFitInt32(out, xs, indices);
  let k = 0;
  for (let row = 0; row < indexRows.length; row++) {
    const indexAt = indexRows[row]!;
    const xAt = xRows[row]!;
    if (fast && xStep === 0) {
      // Along the last axis (or x is the same along it, stride 0): each index picks within the row.
      const start = xAt | 0;
      for (let c = 0, p = indexAt | 0; c < length; c++, k++, p += indexStep) {
        const i = indices[p]!;
        if (i < 0 || i >= size) throw outOfRange('gather', i, k, shape, axis, size);
        out[k] = xs[start + i * axisStride]!;
      }
    } else if (fast && indexStep === 0 && length > 0) {
      // The index is the same along the row (broadcast): one check, then a strided copy.
      const i = indices[indexAt]!;
      if (i < 0 || i >= size) throw outOfRange('gather', i, k, shape, axis, size);
      for (let c = 0, q = (xAt + i * axisStride) | 0; c < length; c++, k++, q += xStep) out[k] = xs[q]!;
    } else {
      for (let c = 0; c < length; c++, k++) {
        const i = indices[indexAt + c * indexStep]!;
        if (i < 0 || i >= size) throw outOfRange('gather', i, k, shape, axis, size);
        out[k] = xs[xAt + c * xStep + i * axisStride]!;
      }
    }
  }
}

/**
 * out[p with p[axis] replaced by index[p]] += src[p], for every position p of `index`; out (contiguous,
 * of x's shape) already holds x, and src has index's shape. Loop order: row-major over index, so
 * repeated indices add up in that order (the same order every run).
 */
export function scatterAddKernel(out: Storage, outShape: readonly number[], axis: number, index: View, src: View): void {
  const { shape } = index;
  const size = outShape[axis]!;
  const outStrides = contiguousStrides(outShape);
  const axisStride = outStrides[axis]!;
  const targetStrides = withoutAxis(outStrides, axis);
  const indexRows = rowStarts(shape, index.strides, index.offset);
  const targetRows = rowStarts(shape, targetStrides, 0);
  const srcRows = rowStarts(shape, src.strides, src.offset);
  const { length, stride: indexStep } = lastAxis(shape, index.strides);
  const targetStep = lastAxis(shape, targetStrides).stride;
  const srcStep = lastAxis(shape, src.strides).stride;
  const indices = index.storage;
  const values = src.storage;
  const fast = offsetsFitInt32(out, values, indices);
  let k = 0;
  for (let row = 0; row < indexRows.length; row++) {
    const indexAt = indexRows[row]!;
    const targetAt = targetRows[row]!;
    const srcAt = srcRows[row]!;
    if (fast && indexStep === 0 && length > 0) {
      // The index is the same along the row, as in indexSelect's gradient (an index [n] expanded to
      // [n, d]): one check, then a row of src added to one row of out.
      const i = indices[indexAt]!;
      if (i < 0 || i >= size) throw outOfRange('scatterAdd', i, k, shape, axis, size);
      let q = (targetAt + i * axisStride) | 0;
      for (let c = 0, p = srcAt | 0; c < length; c++, p += srcStep, q += targetStep) out[q]! += values[p]!;
      k += length;
    } else if (fast && targetStep === 0) {
      // Along the last axis: each index picks within one row of out.
      const start = targetAt | 0;
      for (let c = 0, p = indexAt | 0, q = srcAt | 0; c < length; c++, k++, p += indexStep, q += srcStep) {
        const i = indices[p]!;
        if (i < 0 || i >= size) throw outOfRange('scatterAdd', i, k, shape, axis, size);
        out[start + i * axisStride]! += values[q]!;
      }
    } else {
      for (let c = 0; c < length; c++, k++) {
        const i = indices[indexAt + c * indexStep]!;
        if (i < 0 || i >= size) throw outOfRange('scatterAdd', i, k, shape, axis, size);
        out[targetAt + c * targetStep + i * axisStride]! += values[srcAt + c * srcStep]!;
      }
    }
  }
}

/**
 * out = x with its `axis` replaced by the entries `index` lists (index 1-D; out contiguous). Every
 * index is checked first, so a bad one throws before any work. Loop order: the axes before `axis`,
 * then the index, then the axes after it, so that out is written in order and each selected slice
 * of x is read as one block (one native copy when the block is contiguous, as in an embedding).
 */
export function indexSelectKernel(out: Storage, x: View, axis: number, index: View): void {
  const size = x.shape[axis]!;
  const count = index.shape[0]!;
  const selected = new Float64Array(count); // each selected slice's offset along the axis
  for (let j = 0; j < count; j++) {
    const i = index.storage[index.offset + j * index.strides[0]!]!;
    if (i < 0 || i >= size) throw outOfRange('indexSelect', i, j, index.shape, axis, size);
    selected[j] = i * x.strides[axis]!;
  }
  // A block is the axes after `axis`: its rows (rowStarts of the block with a leading axis of 1).
  const innerShape = x.shape.slice(axis + 1);
  const innerStrides = x.strides.slice(axis + 1);
  const blockRows = rowStarts([1, ...innerShape], [0, ...innerStrides], 0);
  const { length, stride } = lastAxis(innerShape, innerStrides);
  const blockSize = blockRows.length * length;
  // A native copy costs a subarray object: worth it from a few dozen elements.
  const dense = isContiguous(innerShape, innerStrides) && blockSize >= 32;
  const outer = rowStarts([...x.shape.slice(0, axis), 1], [...x.strides.slice(0, axis), 0], x.offset);
  const xs = x.storage;
  let k = 0;
  for (let o = 0; o < outer.length; o++) {
    for (let j = 0; j < count; j++) {
      const slice = outer[o]! + selected[j]!;
      if (dense) {
        out.set(xs.subarray(slice, slice + blockSize), k);
        k += blockSize;
        continue;
      }
      for (let r = 0; r < blockRows.length; r++) {
        const start = slice + blockRows[r]!;
        for (let c = 0; c < length; c++) out[k++] = xs[start + c * stride]!;
      }
    }
  }
}
