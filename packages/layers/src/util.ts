/**
 * Small helpers shared by every layer and loss: the checks that turn bad input into an error naming
 * the layer (or loss) and the offending shape, option or value.
 */
import { describeValue, Tensor } from '@nn/autograd';

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
