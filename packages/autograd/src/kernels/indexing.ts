/**
 * The loops of gather, scatterAdd and indexSelect (embedding lookups and their gradients). Each
 * reads its operands through their strides, so views need no copy, and checks every index as it
 * reads it: an index outside [0, size) throws with the op, the axis, the value and its position,
 * and nothing wraps or clamps (negative indices included, as torch.gather rejects them).
 */
import type { Storage } from '../dtype.js';
import { formatShape } from '../shape.js';
import type { View } from './elementwise.js';

/** The error of an index outside its axis: `gather: index 7 at [1, 2] is out of range for axis 1 of size 5`. */
function outOfRange(op: string, value: number, position: readonly number[], axis: number, size: number): Error {
  return new Error(`${op}: index ${value} at ${formatShape(position)} is out of range for axis ${axis} of size ${size}`);
}

/** The coordinates of row-major position `flat` in `shape` (only for error messages). */
function coordinates(flat: number, shape: readonly number[]): number[] {
  const coords = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    coords[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return coords;
}

/**
 * Visits every position of `index` in row-major order, with the storage offsets of that position in
 * `index` and in each of `others` (views at least as large as `index` on every axis). An odometer
 * over the coordinates carries the offsets, so each step is a few additions.
 */
function walkIndex(index: View, others: readonly View[], visit: (flat: number, indexAt: number, otherAt: Float64Array) => void): void {
  const { shape } = index;
  const rank = shape.length;
  let count = 1;
  for (const dim of shape) count *= dim;
  if (count === 0) return;
  const coords = new Array<number>(rank).fill(0);
  const at = Float64Array.from(others, (v) => v.offset);
  let indexAt = index.offset;
  for (let flat = 0; flat < count; flat++) {
    visit(flat, indexAt, at);
    for (let d = rank - 1; d >= 0; d--) {
      coords[d]!++;
      indexAt += index.strides[d]!;
      for (let k = 0; k < others.length; k++) at[k]! += others[k]!.strides[d]!;
      if (coords[d]! < shape[d]!) break;
      indexAt -= index.strides[d]! * shape[d]!;
      for (let k = 0; k < others.length; k++) at[k]! -= others[k]!.strides[d]! * shape[d]!;
      coords[d] = 0;
    }
  }
}

/**
 * out[p] = x[p with p[axis] replaced by index[p]], for every position p of `index` (out is contiguous,
 * of index's shape). Loop order: row-major over index, so out is written in order and x is read
 * wherever the indices point.
 */
export function gatherKernel(out: Storage, x: View, axis: number, index: View, op = 'gather'): void {
  const size = x.shape[axis]!;
  const axisStride = x.strides[axis]!;
  const indices = index.storage;
  const xs = x.storage;
  // x's offset moves with the odometer on every axis; along `axis` the index replaces the coordinate,
  // so the walk uses x with stride 0 there and adds index * stride.
  const base: View = { ...x, strides: x.strides.map((s, d) => (d === axis ? 0 : s)) };
  walkIndex(index, [base], (flat, indexAt, at) => {
    const i = indices[indexAt]!;
    if (i < 0 || i >= size) throw outOfRange(op, i, coordinates(flat, index.shape), axis, size);
    out[flat] = xs[at[0]! + i * axisStride]!;
  });
}

/**
 * out[p with p[axis] replaced by index[p]] += src[p], for every position p of `index`; out (contiguous,
 * of x's shape) already holds x. Loop order: row-major over index, so repeated indices add up in that
 * order (the same order every run).
 */
export function scatterAddKernel(out: Storage, outShape: readonly number[], axis: number, index: View, src: View): void {
  const size = outShape[axis]!;
  const strides = new Array<number>(outShape.length);
  let step = 1;
  for (let d = outShape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= outShape[d]!;
  }
  const axisStride = strides[axis]!;
  const target: View = { storage: out, shape: outShape, strides: strides.map((s, d) => (d === axis ? 0 : s)), offset: 0 };
  const indices = index.storage;
  const values = src.storage;
  walkIndex(index, [target, src], (flat, indexAt, at) => {
    const i = indices[indexAt]!;
    if (i < 0 || i >= size) throw outOfRange('scatterAdd', i, coordinates(flat, index.shape), axis, size);
    out[at[0]! + i * axisStride]! += values[at[1]!]!;
  });
}

/**
 * out = x with its `axis` replaced by the entries `index` lists (index 1-D; out contiguous). Loop
 * order: the axes before `axis`, then the index, then the axes after it, so that out is written in
 * order and each selected slice of x is read as one block.
 */
export function indexSelectKernel(out: Storage, x: View, axis: number, index: View): void {
  const size = x.shape[axis]!;
  const count = index.shape[0]!;
  for (let j = 0; j < count; j++) {
    const i = index.storage[index.offset + j * index.strides[0]!]!;
    if (i < 0 || i >= size) throw outOfRange('indexSelect', i, [j], axis, size);
  }
  // The outer axes (before `axis`) and the inner ones (after it) walk x as two strided blocks.
  const outer: View = { ...x, shape: x.shape.slice(0, axis), strides: x.strides.slice(0, axis) };
  const innerShape = x.shape.slice(axis + 1);
  const innerStrides = x.strides.slice(axis + 1);
  let innerSize = 1;
  for (const dim of innerShape) innerSize *= dim;
  const innerOffsets = new Float64Array(innerSize);
  walkIndex({ storage: out, shape: innerShape, strides: innerShape.map(() => 0), offset: 0 },
    [{ storage: x.storage, shape: innerShape, strides: innerStrides, offset: 0 }],
    (flat, _, at) => { innerOffsets[flat] = at[0]!; });
  const xs = x.storage;
  const axisStride = x.strides[axis]!;
  let k = 0;
  const visitOuter = (start: number): void => {
    for (let j = 0; j < count; j++) {
      const slice = start + index.storage[index.offset + j * index.strides[0]!]! * axisStride;
      for (let e = 0; e < innerSize; e++) out[k++] = xs[slice + innerOffsets[e]!]!;
    }
  };
  if (axis === 0) visitOuter(x.offset);
  else walkIndex({ storage: out, shape: outer.shape, strides: outer.shape.map(() => 0), offset: 0 }, [outer], (_, __, at) => visitOuter(at[0]!));
}
