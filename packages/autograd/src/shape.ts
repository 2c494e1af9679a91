/**
 * Shape arithmetic: sizes, strides, broadcasting and axis normalisation.
 * Every function that can reject its input takes the name of the op asking, so the error names it.
 */

import { describeValue } from './describe-value.js';

export type Shape = readonly number[];

/** The shape of a rank-0 tensor; shared so that scalars allocate no shape array. */
export const SCALAR_SHAPE: Shape = Object.freeze([]) as Shape;

/** Writes a shape the way error messages show it: `[2,3]`. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** The number of elements of a tensor of this shape (1 for rank 0). */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (let i = 0; i < shape.length; i++) size *= shape[i]!;
  return size;
}

/** Row-major (C order) strides: the last axis moves fastest. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Checks that every dimension is a non-negative integer. */
export function checkShape(shape: unknown, op: string): Shape {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape must be an array of integers, got ${describeValue(shape)}`);
  for (const dim of shape) {
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 0) {
      throw new Error(`${op}: invalid shape ${JSON.stringify(shape)} (dimensions must be non-negative integers, got ${describeValue(dim)})`);
    }
  }
  return shape as Shape;
}

/**
 * NumPy broadcasting: shapes are aligned at their last axis; two dimensions agree when equal or when
 * one of them is 1.
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): Shape {
  if (shapesEqual(a, b)) return a;
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together ` +
          `(axis ${i - rank}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * The strides that read a tensor of `shape`/`strides` as if it had the larger `target` shape:
 * broadcast dimensions get stride 0, so nothing is copied.
 */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const shift = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[i + shift] = shape[i] === 1 && target[i + shift] !== 1 ? 0 : strides[i]!;
  }
  return out;
}

/** Turns a possibly negative axis into an index in `[0, rank)`, or throws naming the op. */
export function normalizeAxis(axis: number, rank: number, op: string): number {
  if (!Number.isInteger(axis)) throw new Error(`${op}: axis must be an integer, got ${describeValue(axis)}`);
  if (axis < -rank || axis >= rank) {
    const range = rank === 0 ? 'a rank-0 tensor has no axes' : `expected an integer in [${-rank}, ${rank - 1}]`;
    throw new Error(`${op}: axis ${axis} is out of range for rank ${rank} (${range})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Normalises an `axis` argument of a reduction: undefined means every axis; duplicates are an error.
 * Returns the axes sorted ascending.
 */
export function normalizeAxes(axis: number | readonly number[] | undefined, rank: number, op: string): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  if (typeof axis !== 'number' && !Array.isArray(axis)) {
    throw new Error(`${op}: axis must be an integer or an array of integers, got ${describeValue(axis)}`);
  }
  const list = typeof axis === 'number' ? [axis] : axis;
  const seen = new Set<number>();
  for (const a of list) {
    const n = normalizeAxis(a, rank, op);
    if (seen.has(n)) throw new Error(`${op}: axis ${a} is repeated in ${JSON.stringify(list)}`);
    seen.add(n);
  }
  return [...seen].sort((x, y) => x - y);
}

/** True when a tensor with these strides is laid out row-major without gaps. */
export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const dim = shape[i]!;
    if (dim !== 1 && strides[i] !== expected) return false;
    expected *= dim;
  }
  return true;
}
