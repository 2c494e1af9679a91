/**
 * Small helpers shared by every layer and loss: the checks that turn bad input into an error naming
 * the layer (or loss) and the offending shape, option or value.
 */
import { describeValue, Tensor, zeros } from '@nn/autograd';
import { runsOnWasm } from '@nn/autograd/wasm';

/** Writes a shape the way @nn's error messages show it: `[2,3]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** The number of elements of a tensor of `shape`. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Throws unless `value` is a Tensor; `what` names it (e.g. `Dense(4 -> 3): input`). */
export function expectTensor(value: unknown, what: string): Tensor {
  if (!(value instanceof Tensor)) throw new Error(`${what} must be a Tensor, got ${describeValue(value)}`);
  return value;
}

/** Throws unless `value` is an integer (>= `min` when given). */
export function expectInteger(value: unknown, what: string, min?: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || (min !== undefined && value < min)) {
    throw new Error(`${what} must be ${min === undefined ? 'an integer' : `an integer >= ${min}`}, got ${describeValue(value)}`);
  }
  return value;
}

/** Throws unless `value` is a finite number satisfying `ok`; `range` says what was expected. */
export function expectNumber(value: unknown, what: string, ok: (v: number) => boolean, range: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new Error(`${what} must be ${range}, got ${describeValue(value)}`);
  }
  return value;
}

/** Throws unless `value` is a boolean. */
export function expectBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new Error(`${what} must be true or false, got ${describeValue(value)}`);
  return value;
}

/** Throws unless `shape` is an array of non-negative integers; returns a copy. */
export function expectShape(shape: unknown, what: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new Error(`${what} must be an array of non-negative integers, got ${describeValue(shape)}`);
  }
  return [...(shape as number[])];
}

/** The elements of `t` in row-major order, without a copy when it is contiguous (for the fused ops' kernels). */
export function elements(t: Tensor): Tensor['storage'] {
  return t.isContiguous ? t.storage.subarray(t.offset, t.offset + t.size) : t.data();
}

/**
 * A tensor of `like`'s shape and dtype written by `fill(out, rows, length)` (for the fused ops): its
 * rows are the runs of its last `axes` axes, `length` values each.
 */
export function rowwise(like: Tensor, axes: number, fill: (out: Tensor['storage'], rows: number, length: number) => void): Tensor {
  const out = zeros(like.shape, { dtype: like.dtype });
  const length = like.shape.slice(like.ndim - axes).reduce((a, b) => a * b, 1);
  fill(out.storage, length === 0 ? 0 : like.size / length, length);
  return out;
}

/** Below this many elements a fused op's JavaScript loop is as fast as a round trip through WebAssembly memory. */
export const WASM_MIN = 1024;

/**
 * Runs a fused op's kernel: `wasm()` where the backend setting lets `size` elements go to
 * WebAssembly, and `js()` when it does not or `wasm()` declines (returns false).
 */
export function runKernel(size: number, wasm: () => boolean, js: () => void): void {
  if (!(runsOnWasm(size >= WASM_MIN) && wasm())) js();
}
