/**
 * Walking a strided view. Every element-wise and reduction kernel walks its operands the same way:
 * the outer axes by an odometer, computed once per row, and the last axis by a plain loop, which is
 * where the time goes. `rowStarts` lists the storage offset where each row (run along the last axis)
 * begins, so that kernels are two flat loops.
 */
import type { Shape } from '../shape.js';

/**
 * The storage offsets at which each row of a view begins, in row-major order of the outer axes.
 * A rank-0 or rank-1 view has one row.
 */
export function rowStarts(shape: Shape, strides: readonly number[], offset: number): Float64Array {
  const outerRank = shape.length - 1;
  let rows = 1;
  for (let axis = 0; axis < outerRank; axis++) rows *= shape[axis]!;
  const starts = new Float64Array(rows);
  if (rows === 0) return starts;
  const index = new Array<number>(Math.max(outerRank, 0)).fill(0);
  let position = offset;
  for (let row = 0; row < rows; row++) {
    starts[row] = position;
    // Advance the odometer: bump the last outer axis, carrying into earlier ones.
    for (let axis = outerRank - 1; axis >= 0; axis--) {
      index[axis]!++;
      position += strides[axis]!;
      if (index[axis]! < shape[axis]!) break;
      position -= strides[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
  return starts;
}

/** The length and stride of the last axis (1 and 0 for a rank-0 view). */
export function lastAxis(shape: Shape, strides: readonly number[]): { length: number; stride: number } {
  const rank = shape.length;
  return rank === 0 ? { length: 1, stride: 0 } : { length: shape[rank - 1]!, stride: strides[rank - 1]! };
}

/**
 * The same walk over fewer, longer rows: adjacent axes merged wherever every operand steps through
 * them as through one axis (stride of the outer = stride of the inner times its extent), so that a
 * bias [C, 1, 1] added to [N, C, H, W] walks N C rows of H W, not N C H rows of W, and contiguous or
 * broadcast-scalar operands walk one row. Axes of extent 1 are dropped first (their stride is never
 * used). The element order, row-major over the shape, is unchanged; returns the merged shape and each
 * operand's merged strides.
 */
export function mergeAxes(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const merged: number[] = [];
  const mergedStrides: number[][] = strides.map(() => []);
  for (let axis = 0; axis < shape.length; axis++) {
    const extent = shape[axis]!;
    if (extent === 1) continue;
    const last = merged.length - 1;
    // The previous kept axis merges with this one when each operand's stride there is this one's times its extent.
    if (last >= 0 && strides.every((s, k) => mergedStrides[k]![last] === s[axis]! * extent)) {
      merged[last]! *= extent;
      strides.forEach((s, k) => { mergedStrides[k]![last] = s[axis]!; });
      continue;
    }
    merged.push(extent);
    strides.forEach((s, k) => mergedStrides[k]!.push(s[axis]!));
  }
  return { shape: merged, strides: mergedStrides };
}
