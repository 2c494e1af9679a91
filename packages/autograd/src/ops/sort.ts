/**
 * Sorting: sort, argsort and topk. Each sorts positions (a stable kernel, no gradient), then gathers
 * the values through them, so the values' gradient is gather's: a scatter back to the chosen
 * positions. None is a primitive; their lines are in ops/composites.ts.
 */
import { allocate } from '../dtype.js';
import { normalizeAxis } from '../shape.js';
import { argsortKernel } from '../kernels/sort.js';
import { checkOptions } from '../options.js';
import { describeValue } from '../describe-value.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { contiguousValues, fromStorage, toTensor } from './creation.js';
import { gather } from './indexing.js';

/** Options of sort and argsort. */
export interface SortOptions {
  /** The axis to sort along (default -1). */
  axis?: number;
  /** Largest first (default false). */
  descending?: boolean;
}

/** Options of topk. */
export interface TopkOptions {
  /** The axis to pick along (default -1). */
  axis?: number;
  /** The k largest (default true), else the k smallest. */
  largest?: boolean;
}

/** Values and their positions along the sorted axis (int32). */
export interface SortResult {
  values: Tensor;
  indices: Tensor;
}

function checkFlag(op: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new Error(`${op}: ${name} must be a boolean, got ${describeValue(value)}`);
  return value;
}

/** x as at least 1-D (a rank-0 tensor sorts as one element), with the normalised axis. */
function lines(op: string, operand: TensorLike, axis: number | undefined): { x: Tensor; axis: number; scalar: boolean } {
  const given = toTensor(operand, op);
  const scalar = given.ndim === 0;
  const x = scalar ? given.reshape([1]) : given;
  return { x, axis: normalizeAxis(axis ?? -1, x.ndim, op), scalar };
}

/** The int32 positions that sort each line of x along `axis`, stably. */
function sortedPositions(x: Tensor, axis: number, descending: boolean): Tensor {
  const out = allocate('int32', x.size) as Int32Array;
  argsortKernel(out, contiguousValues(x), x.shape, axis, descending);
  return fromStorage(out, x.shape);
}

function sortLines(op: string, operand: TensorLike, opts: SortOptions): { x: Tensor; axis: number; scalar: boolean; indices: Tensor } {
  checkOptions(op, opts, ['axis', 'descending']);
  const descending = checkFlag(op, 'descending', opts.descending, false);
  const { x, axis, scalar } = lines(op, operand, opts.axis);
  return { x, axis, scalar, indices: sortedPositions(x, axis, descending) };
}

/**
 * `x` sorted along `axis` (default -1), ascending unless `descending`, with the positions the values
 * came from (int32). Stable: equal values keep their order. NaN sorts as the largest value, as in
 * PyTorch. The gradient of `values` goes back to the positions they came from.
 */
export function sort(x: TensorLike, opts: SortOptions = {}): SortResult {
  const { x: input, axis, scalar, indices } = sortLines('sort', x, opts);
  const values = gather(input, axis, indices);
  return scalar ? { values: values.reshape([]), indices: indices.reshape([]) } : { values, indices };
}

/** The int32 positions that sort `x` along `axis` (default -1): `sort(x, opts).indices`. */
export function argsort(x: TensorLike, opts: SortOptions = {}): Tensor {
  const { scalar, indices } = sortLines('argsort', x, opts);
  return scalar ? indices.reshape([]) : indices;
}

/**
 * The `k` largest values along `axis` (default -1; the smallest when `largest` is false), sorted,
 * with their positions (int32). Ties come in the order of their positions; NaN counts as the largest
 * value. The gradient of `values` goes back to the chosen positions.
 */
export function topk(x: TensorLike, k: number, opts: TopkOptions = {}): SortResult {
  checkOptions('topk', opts, ['axis', 'largest']);
  const largest = checkFlag('topk', 'largest', opts.largest, true);
  const { x: input, axis, scalar } = lines('topk', x, opts.axis);
  const length = input.shape[axis]!;
  if (!Number.isInteger(k) || k < 0 || k > length) {
    throw new Error(`topk: k must be an integer in [0, ${length}] (the size of axis ${axis}), got ${describeValue(k)}`);
  }
  // A rank-0 result holds one element, so k = 0 has no rank-0 answer (PyTorch returns the element anyway).
  if (scalar && k !== 1) throw new Error(`topk: k must be 1 for a rank-0 tensor, got ${k}`);
  const order = sortedPositions(input, axis, largest);
  const indices = order.slice(input.shape.map(() => 0), input.shape.map((dim, d) => (d === axis ? k : dim)));
  const values = gather(input, axis, indices);
  return scalar ? { values: values.reshape([]), indices: indices.reshape([]) } : { values, indices };
}
