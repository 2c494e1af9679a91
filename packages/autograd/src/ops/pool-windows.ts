/**
 * The arguments of the pooling ops, checked, and the windows they describe, per axis. PyTorch's
 * rules: the output length (`pooling_output_shape`, with ceilMode's rule that the last window must
 * start inside the input or the left padding), padding at most half the kernel, and the divisors of
 * an average (`countIncludePad`, and windows that run past the padded edge counting only up to it).
 * Every pool is separable along its axes, so a window of a 2-D pool is a row window times a column
 * window, and the tables here (one entry per output position) are all the kernels need.
 */
import { describeValue } from '../describe-value.js';
import { formatShape } from '../shape.js';
import type { MaxWindows, MeanWindows } from '../kernels/pool.js';

/** A size given once for every spatial axis, or per axis ([height, width]). */
export type PoolSize = number | readonly [number, number];

/** One spatial axis of a pooling call. */
export interface AxisPlan {
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
}

/** The axis an error is about, and the input it belongs to, for messages. */
export interface AxisName {
  readonly op: string;
  /** 'H', 'W' or 'L'. */
  readonly axis: string;
  readonly shape: readonly number[];
}

/** The 1-D axis that turns a 1-D pool into a 2-D one on an input of height 1 (an exact identity). */
export const UNIT_AXIS: AxisPlan = { kernel: 1, stride: 1, padding: 0, dilation: 1 };

/**
 * `value` (a number, or one per axis: a pair for 2-D, a single-element list for 1-D) as one integer
 * per axis, each at least `min`; `fallback` when undefined. An error names the op and the argument.
 */
export function perAxis(op: string, name: string, value: unknown, axes: 1 | 2, min: 0 | 1, fallback?: readonly number[]): number[] {
  if (value === undefined && fallback !== undefined) return [...fallback];
  const list = typeof value === 'number' ? new Array<number>(axes).fill(value) : Array.isArray(value) ? (value as unknown[]) : null;
  const what = `${min === 0 ? 'a non-negative' : 'a positive'} integer${axes === 2 ? ' or a pair [height, width] of them' : ''}`;
  if (list === null || list.length !== axes || !list.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= min)) {
    throw new Error(`${op}: ${name} must be ${what}, got ${describeValue(value)}`);
  }
  return list as number[];
}

/** A boolean option, `fallback` when undefined. */
export function flag(op: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new Error(`${op}: ${name} must be a boolean, got ${describeValue(value)}`);
  return value;
}

/**
 * The number of windows along an axis of `size` (PyTorch's pooling_output_shape), after checking the
 * axis: padding at most half the kernel, and a kernel that fits the padded input.
 */
export function pooledLength(where: AxisName, size: number, plan: AxisPlan, ceilMode: boolean): number {
  const { kernel, stride, padding, dilation } = plan;
  const { op, axis, shape } = where;
  if (padding > Math.floor(kernel / 2)) {
    throw new Error(
      `${op}: padding ${padding} is more than half the kernel size ${kernel} on axis ${axis} (PyTorch's limit: padding <= kernelSize / 2)`,
    );
  }
  const span = dilation * (kernel - 1) + 1;
  if (span > size + 2 * padding) {
    const dilated = dilation === 1 ? '' : ` (dilation ${dilation} makes it span ${span})`;
    throw new Error(
      `${op}: kernel size ${kernel}${dilated} is larger than the padded input on axis ${axis}: ` +
        `${size} + 2 * padding ${padding} = ${size + 2 * padding}, for x of shape ${formatShape(shape)}`,
    );
  }
  let length = Math.floor((size + 2 * padding - span + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  // ceilMode: a last window that would start in the right padding is dropped.
  if (ceilMode && (length - 1) * stride >= size + padding) length--;
  return length;
}

/** The max-pool windows along an axis: each one's first input position and count, padding left out. */
export function maxWindows(where: AxisName, size: number, plan: AxisPlan, ceilMode: boolean): MaxWindows {
  const length = pooledLength(where, size, plan, ceilMode);
  const { kernel, stride, padding, dilation } = plan;
  const firsts = new Int32Array(length);
  const counts = new Int32Array(length);
  for (let o = 0; o < length; o++) {
    const start = o * stride - padding;
    const low = start < 0 ? Math.ceil(-start / dilation) : 0; // the first tap inside the input
    const high = Math.min(kernel, Math.floor((size - 1 - start) / dilation) + 1); // one past the last
    if (high <= low) {
      // Only possible with a dilation: PyTorch reads outside the input here.
      throw new Error(
        `${where.op}: window ${o} on axis ${where.axis} lies wholly in the padding (kernel size ${kernel}, dilation ${dilation}, ` +
          `padding ${padding}, input size ${size})`,
      );
    }
    firsts[o] = start + low * dilation;
    counts[o] = high - low;
  }
  return { inputSize: size, dilation, firsts, counts };
}

/**
 * The average-pool windows along an axis (dilation 1): each window clamped to the input, and its
 * divisor factor: the window's length up to the padded edge when `countIncludePad`, else its length
 * inside the input (PyTorch's avg_pool2d divisors).
 */
export function meanWindows(where: AxisName, size: number, plan: AxisPlan, ceilMode: boolean, countIncludePad: boolean): MeanWindows {
  const length = pooledLength(where, size, plan, ceilMode);
  const { kernel, stride, padding } = plan;
  const starts = new Int32Array(length);
  const ends = new Int32Array(length);
  const sizes = new Float64Array(length);
  for (let o = 0; o < length; o++) {
    const start = o * stride - padding;
    const end = Math.min(start + kernel, size + padding);
    starts[o] = Math.max(start, 0);
    ends[o] = Math.min(end, size);
    sizes[o] = countIncludePad ? end - start : ends[o]! - starts[o]!;
  }
  return { inputSize: size, starts, ends, sizes };
}

/** The adaptive-average windows: window o is [floor(o * size / length), ceil((o + 1) * size / length)). */
export function adaptiveWindows(size: number, length: number): MeanWindows {
  const starts = new Int32Array(length);
  const ends = new Int32Array(length);
  const sizes = new Float64Array(length);
  for (let o = 0; o < length; o++) {
    starts[o] = Math.floor((o * size) / length);
    ends[o] = Math.ceil(((o + 1) * size) / length);
    sizes[o] = ends[o]! - starts[o]!;
  }
  return { inputSize: size, starts, ends, sizes };
}
