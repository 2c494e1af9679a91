/**
 * Making tensors: from JS data, filled, ranges, identity, random. Every function takes the common
 * options `dtype` (default: the default dtype) and `requiresGrad` (default false).
 */
import type { DType, Storage } from '../dtype.js';
import { allocate, checkDtype, dtypeOf, getDefaultDtype, int32Problem, promoteDtypes } from '../dtype.js';
import { describeValue } from '../describe-value.js';
import type { Shape } from '../shape.js';
import { checkShape, contiguousStrides, formatShape, SCALAR_SHAPE, sizeOf } from '../shape.js';
import { checkGenerator, type Generator } from '../random.js';
import { checkOptions } from '../options.js';
import { Tensor, type NestedArray, type TensorLike } from '../tensor.js';
import { copyKernel } from '../kernels/elementwise.js';

export interface CreationOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

const CREATION_OPTIONS = ['dtype', 'requiresGrad'] as const;
const RANDOM_OPTIONS = [...CREATION_OPTIONS, 'rng'] as const;

export interface RandomOptions extends CreationOptions {
  /** The generator to draw from; defaults to the global one that `manualSeed` seeds. */
  rng?: Generator;
}

/**
 * The dtype asked for in `opts` (the default dtype when none is), checked: an int32 tensor cannot
 * require grad.
 */
function resolveDtype(opts: CreationOptions, op: string): DType {
  const dtype = opts.dtype === undefined ? getDefaultDtype() : checkDtype(opts.dtype, op);
  if (dtype === 'int32' && opts.requiresGrad === true) throw new Error(`${op}: an int32 tensor cannot require grad; only float tensors have gradients`);
  return dtype;
}

/** Throws, naming `op`, the value and (for an element of `tensor`) its index, when int32 cannot hold `value`. */
function checkInt32(op: string, value: number, index?: readonly number[]): void {
  const problem = int32Problem(value);
  if (problem !== null) {
    const at = index === undefined ? '' : ` at index [${index.join(',')}]`;
    throw new Error(`${op}: ${describeValue(value)}${at} ${problem}; an int32 tensor holds integers only (nothing is truncated)`);
  }
}

/** Wraps a fresh contiguous typed array as a tensor of `shape` (internal: no copy, no checks). */
export function fromStorage(storage: Storage, shape: Shape, requiresGrad = false): Tensor {
  const t = new Tensor(storage, shape, shape.length === 0 ? SCALAR_SHAPE : contiguousStrides(shape), 0);
  t.requiresGrad = requiresGrad;
  return t;
}

/**
 * Rank-0 results are the whole of a micrograd-style graph, so they must be cheap. A typed array per
 * scalar costs far more in allocation and garbage collection than the arithmetic; instead scalars
 * take consecutive slots of a shared slab, each slot written once (tensors are immutable). A slab
 * stays alive while any scalar in it does: at most 4096 values, 32 KiB.
 */
const SLAB_SIZE = 4096;
let slab64 = new Float64Array(SLAB_SIZE);
let slab32 = new Float32Array(SLAB_SIZE);
let slabInt32 = new Int32Array(SLAB_SIZE);
let used64 = 0;
let used32 = 0;
let usedInt32 = 0;

/** A rank-0 tensor holding `value`, rounded to `dtype`. */
export function scalar(value: number, dtype: DType): Tensor {
  if (dtype === 'float64') {
    if (used64 === SLAB_SIZE) {
      slab64 = new Float64Array(SLAB_SIZE);
      used64 = 0;
    }
    slab64[used64] = value;
    return new Tensor(slab64, SCALAR_SHAPE, SCALAR_SHAPE, used64++);
  }
  if (dtype === 'int32') {
    if (usedInt32 === SLAB_SIZE) {
      slabInt32 = new Int32Array(SLAB_SIZE);
      usedInt32 = 0;
    }
    // Storing wraps modulo 2^32, as int32 arithmetic does (callers pass exact integer results).
    slabInt32[usedInt32] = value;
    return new Tensor(slabInt32, SCALAR_SHAPE, SCALAR_SHAPE, usedInt32++);
  }
  if (used32 === SLAB_SIZE) {
    slab32 = new Float32Array(SLAB_SIZE);
    used32 = 0;
  }
  slab32[used32] = value;
  return new Tensor(slab32, SCALAR_SHAPE, SCALAR_SHAPE, used32++);
}

/**
 * Constants from JS numbers recur (`y.mul(1.0001)` in a loop, `add(1)` in every neuron), and a
 * scalar graph makes millions of them. Tensors are immutable, so one tensor per value and dtype can
 * serve every use: a small cache, emptied when full, keeps the recent ones.
 */
const constants = { float32: new Map<number, Tensor>(), float64: new Map<number, Tensor>(), int32: new Map<number, Tensor>() };
const MAX_CONSTANTS = 1024;

function constant(value: number, dtype: DType): Tensor {
  // A Map takes -0 and 0 as one key; -0 is rare enough to skip the cache.
  if (Object.is(value, -0)) return scalar(value, dtype);
  const cache = constants[dtype];
  let t = cache.get(value);
  if (t === undefined) {
    if (cache.size >= MAX_CONSTANTS) cache.clear();
    t = scalar(value, dtype);
    cache.set(value, t);
  }
  return t;
}

/**
 * Turns an operand into a tensor: the one conversion every op's free function applies to each of
 * its operands, so that a JS number is accepted wherever a tensor is. A number becomes a rank-0
 * tensor of dtype `like` (the other operands' dtype; the default dtype when there are none), as
 * PyTorch promotes a Python number: with int32 operands an integer stays int32 (one outside the
 * int32 range is an error: it would wrap) and any other number (2.5, NaN, Infinity) takes the
 * default float dtype.
 */
export function toTensor(value: TensorLike, op: string, like: DType = getDefaultDtype()): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value === 'number') {
    if (like !== 'int32') return constant(value, like);
    if (!Number.isInteger(value)) return constant(value, getDefaultDtype());
    checkInt32(op, value);
    return constant(value, 'int32');
  }
  const hint = Array.isArray(value) ? ' (wrap an array with tensor())' : '';
  throw new Error(`${op}: expected a Tensor or a number, got ${describeValue(value)}${hint}`);
}

/** The dtype a number among `values` takes: the promoted dtype of the tensors, else the default. */
export function dtypeAmong(values: readonly TensorLike[]): DType {
  let dtype: DType | undefined;
  for (const v of values) if (v instanceof Tensor) dtype = dtype === undefined ? v.dtype : promoteDtypes(dtype, v.dtype);
  return dtype ?? getDefaultDtype();
}

/** Reads a nested array's shape, checking that it is rectangular and holds only numbers. */
function nestedShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0]!;
  }
  return shape;
}

function flattenInto(data: NestedArray, shape: Shape, axis: number, out: Storage, start: number, path: number[]): number {
  if (axis === shape.length) {
    if (typeof data !== 'number') {
      throw new Error(`tensor: expected a number at index [${path.join(',')}], got ${describeValue(data)} (ragged nested array?)`);
    }
    if (out instanceof Int32Array) checkInt32('tensor', data, path);
    out[start] = data;
    return start + 1;
  }
  if (!Array.isArray(data) || data.length !== shape[axis]) {
    const got = Array.isArray(data) ? `length ${data.length}` : describeValue(data);
    throw new Error(
      `tensor: ragged nested array: the entry at index [${path.join(',')}] has ${got}, ` +
        `expected length ${shape[axis]} (shape ${formatShape(shape)} from the first entries)`,
    );
  }
  let position = start;
  for (let i = 0; i < data.length; i++) {
    path.push(i);
    position = flattenInto(data[i]!, shape, axis + 1, out, position, path);
    path.pop();
  }
  return position;
}

/**
 * A tensor from a number, a nested array or a typed array (copied). With a flat array or typed
 * array, `shape` lays it out; a typed array keeps its own dtype unless `dtype` says otherwise. An
 * int32 tensor takes integers in the int32 range only: any other value throws, naming it and its
 * index (nothing is truncated).
 */
export function tensor(
  data: NestedArray | Float32Array | Float64Array | Int32Array,
  opts: CreationOptions & { shape?: readonly number[] } = {},
): Tensor {
  checkOptions('tensor', opts, [...CREATION_OPTIONS, 'shape']);
  let dtype: DType;
  let storage: Storage;
  let shape: Shape;
  if (data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array) {
    dtype = resolveDtype({ dtype: opts.dtype ?? dtypeOf(data), requiresGrad: opts.requiresGrad }, 'tensor');
    if (dtype === 'int32' && !(data instanceof Int32Array)) data.forEach((v, i) => checkInt32('tensor', v, [i]));
    storage = allocate(dtype, data.length, 'tensor', [data.length]);
    storage.set(data);
    shape = [data.length];
  } else {
    dtype = resolveDtype(opts, 'tensor');
    shape = nestedShape(data);
    storage = allocate(dtype, sizeOf(shape), 'tensor', shape);
    flattenInto(data, shape, 0, storage, 0, []);
  }
  if (opts.shape !== undefined) {
    const target = checkShape(opts.shape, 'tensor');
    if (sizeOf(target) !== storage.length) {
      throw new Error(`tensor: ${storage.length} values do not fill shape ${formatShape(target)} (${sizeOf(target)} elements)`);
    }
    shape = target.slice();
  }
  return fromStorage(storage, shape.length === 0 ? SCALAR_SHAPE : shape, opts.requiresGrad ?? false);
}

/**
 * A tensor of `shape` with every element `value`, made for the creation function `op` (named in
 * its errors) from its options, already checked.
 */
function filled(op: string, shape: readonly number[], value: number, opts: CreationOptions): Tensor {
  checkShape(shape, op);
  const dtype = resolveDtype(opts, op);
  if (dtype === 'int32') checkInt32(op, value);
  const storage = allocate(dtype, sizeOf(shape), op, shape);
  if (value !== 0) storage.fill(value);
  return fromStorage(storage, shape.slice(), opts.requiresGrad ?? false);
}

/** A tensor of `shape` with every element `value`. */
export function full(shape: readonly number[], value: number, opts: CreationOptions = {}): Tensor {
  checkOptions('full', opts, CREATION_OPTIONS);
  if (typeof value !== 'number') throw new Error(`full: value must be a number, got ${describeValue(value)}`);
  return filled('full', shape, value, opts);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], opts: CreationOptions = {}): Tensor {
  checkOptions('zeros', opts, CREATION_OPTIONS);
  return filled('zeros', shape, 0, opts);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], opts: CreationOptions = {}): Tensor {
  checkOptions('ones', opts, CREATION_OPTIONS);
  return filled('ones', shape, 1, opts);
}

/** Ones with the shape and dtype of `t`. */
export function onesLike(t: TensorLike): Tensor {
  const x = toTensor(t, 'onesLike');
  return filled('onesLike', x.shape, 1, { dtype: x.dtype });
}

/** Zeros with the shape and dtype of `t`. */
export function zerosLike(t: TensorLike): Tensor {
  const x = toTensor(t, 'zerosLike');
  return filled('zerosLike', x.shape, 0, { dtype: x.dtype });
}

/** The n x n identity matrix. */
export function eye(n: number, opts: CreationOptions = {}): Tensor {
  checkOptions('eye', opts, CREATION_OPTIONS);
  if (!Number.isInteger(n) || n < 0) throw new Error(`eye: n must be a non-negative integer, got ${describeValue(n)}`);
  const storage = allocate(resolveDtype(opts, 'eye'), n * n, 'eye', [n, n]);
  for (let i = 0; i < n; i++) storage[i * n + i] = 1;
  return fromStorage(storage, [n, n], opts.requiresGrad ?? false);
}

/**
 * Evenly spaced values in [start, stop): `arange(5)` is 0..4, `arange(2, 8, 2)` is 2, 4, 6,
 * as NumPy and PyTorch define it. In int32, `start` and `step` must be integers and every value
 * must fit int32.
 */
export function arange(start: number, stop?: number, step = 1, opts: CreationOptions = {}): Tensor {
  checkOptions('arange', opts, CREATION_OPTIONS);
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (![from, to, step].every(Number.isFinite)) throw new Error(`arange: start, stop and step must be finite numbers, got ${[from, to, step].map(describeValue).join(', ')}`);
  if (step === 0) throw new Error('arange: step must not be 0');
  const count = Math.max(0, Math.ceil((to - from) / step));
  const dtype = resolveDtype(opts, 'arange');
  if (dtype === 'int32') {
    for (const [name, v] of [['start', from], ['step', step]] as const) {
      if (!Number.isInteger(v)) throw new Error(`arange: ${name} ${describeValue(v)} is not an integer, which an int32 range needs`);
    }
    if (count > 0) [from, from + (count - 1) * step].forEach((v) => checkInt32('arange', v));
  }
  const storage = allocate(dtype, count, 'arange', [count]);
  for (let i = 0; i < count; i++) storage[i] = from + i * step;
  return fromStorage(storage, [count], opts.requiresGrad ?? false);
}

/** A tensor of `shape` filled by calling `sample` on the generator once per element, in order. */
function sampled(op: string, shape: readonly number[], opts: RandomOptions, sample: (rng: Generator) => number): Tensor {
  checkOptions(op, opts, RANDOM_OPTIONS);
  if (opts.dtype === 'int32') throw new Error(`${op}: draws floats, it cannot make an int32 tensor (cast the result, or use a float dtype)`);
  const rng = checkGenerator(op, opts.rng);
  const t = filled(op, shape, 0, opts);
  const storage = t.storage;
  for (let i = 0; i < storage.length; i++) storage[i] = sample(rng);
  return t;
}

/** Uniform samples in [0, 1), drawn from `opts.rng` or the global generator. */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return sampled('rand', shape, opts, (rng) => rng.uniform());
}

/** Standard normal samples, drawn from `opts.rng` or the global generator. */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return sampled('randn', shape, opts, (rng) => rng.normal());
}

/** A contiguous copy of a tensor's elements in its own dtype. */
export function contiguousData(t: Tensor): Storage {
  if (t.isContiguous) return t.storage.slice(t.offset, t.offset + t.size); // one native copy
  const out = allocate(t.dtype, t.size);
  copyKernel(out, t, false);
  return out;
}

/**
 * A tensor's elements in row-major order, to READ only: a window on its storage when it is
 * contiguous (no copy), else a contiguous copy. For kernels that read their input once.
 */
export function contiguousValues(t: Tensor): Storage {
  return t.isContiguous ? t.storage.subarray(t.offset, t.offset + t.size) : contiguousData(t);
}

/** A contiguous tensor with the same values (the tensor itself when already contiguous and unshifted). */
export function contiguous(t: Tensor, dtype: DType = t.dtype): Tensor {
  if (dtype === t.dtype && t.isContiguous && t.offset === 0 && t.storage.length === t.size) return t;
  const out = allocate(dtype, t.size);
  copyKernel(out, t, t.isContiguous);
  return fromStorage(out, t.shape);
}
