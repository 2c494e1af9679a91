/**
 * The element types a tensor can hold. float32 is the default, as in PyTorch and Keras; int32 holds
 * indices and class labels, and never requires grad.
 */
export type DType = 'float32' | 'float64' | 'int32';

/** The floating-point dtypes: the ones gradients flow through, and the default dtype's choices. */
export type FloatDType = 'float32' | 'float64';

/**
 * The typed array behind a tensor: `Float32Array` exactly when the dtype is float32, `Int32Array`
 * exactly when it is int32.
 */
export type Storage = Float32Array | Float64Array | Int32Array;

/** The smallest and largest int32 values. */
export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;

let defaultDtype: FloatDType = 'float32';

/** The dtype given to new tensors when none is asked for (always a float dtype). */
export function getDefaultDtype(): FloatDType {
  return defaultDtype;
}

/**
 * Sets the dtype of tensors created without an explicit `dtype` (initially `'float32'`).
 * Use `'float64'` for gradient checks and numerically demanding work.
 */
export function setDefaultDtype(dtype: DType): void {
  if (dtype === 'int32') throw new Error("setDefaultDtype: the default dtype must be 'float32' or 'float64', got 'int32'");
  defaultDtype = checkDtype(dtype, 'setDefaultDtype') as FloatDType;
}

/** Returns `dtype` when it is a known dtype, else throws an error naming `op`. */
export function checkDtype(dtype: unknown, op: string): DType {
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') {
    throw new Error(`${op}: unknown dtype ${JSON.stringify(dtype)} (expected 'float32', 'float64' or 'int32')`);
  }
  return dtype;
}

/**
 * The dtype of a result of operands of dtypes `a` and `b`, as PyTorch promotes: int32 with int32
 * gives int32, int32 with a float dtype gives that float dtype, float32 with float64 gives float64.
 */
export function promoteDtypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === 'float64' || b === 'float64') return 'float64';
  return 'float32';
}

/** `dtype`, or the default float dtype when it is int32: the dtype of a float-only op's result. */
export function floatDtype(dtype: DType): FloatDType {
  return dtype === 'int32' ? defaultDtype : dtype;
}

/**
 * Why `value` cannot be stored exactly in an int32 tensor (`'is not an integer'`, `'is outside the
 * int32 range'`), or null when it can.
 */
export function int32Problem(value: number): string | null {
  if (!Number.isInteger(value)) return 'is not an integer';
  if (value < INT32_MIN || value > INT32_MAX) return `is outside the int32 range [${INT32_MIN}, ${INT32_MAX}]`;
  return null;
}

/**
 * A zero-filled typed array of `dtype` with `size` elements: the one place tensor storage is made.
 * `op` and `shape` name the request in the error thrown when it cannot be met (more elements than
 * a typed array holds, or more memory than the machine gives), which says how many bytes it needed.
 */
export function allocate(dtype: DType, size: number, op = 'allocate', shape?: readonly number[]): Storage {
  let storage: Storage;
  try {
    storage = dtype === 'float64' ? new Float64Array(size) : dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new AllocationError(op, dtype, size, shape, error);
  }
  freshStorages?.add(storage);
  return storage;
}

/**
 * The storages `allocate` made during the backward pass now running, which the pass may give to a
 * leaf as its `.grad` without copying them (engine.ts, `accumulateIntoLeaf`): nothing that existed
 * before the pass can hold one. A storage that code other than the built-in rules has seen (a hook's
 * gradient and what it returns, a custom op's incoming gradient and what its rule returns) leaves
 * the set, since that code could keep it. Null outside a pass and in a pass that records
 * (createGraph). A WeakSet, so it keeps nothing alive.
 */
let freshStorages: WeakSet<Storage> | null = null;

/** Starts (a new set) or ends (null) the tracking of fresh storages; returns what was there, to restore. */
export function trackFreshStorages(set: WeakSet<Storage> | null): WeakSet<Storage> | null {
  const previous = freshStorages;
  freshStorages = set;
  return previous;
}

/** Whether `storage` was made in this pass and not given away or seen by foreign code; if so, it is now given (once only). */
export function takeFreshStorage(storage: Storage): boolean {
  return freshStorages !== null && freshStorages.delete(storage);
}

/** Foreign code has seen these tensors (see `freshStorages`): their storages are never given away. */
export function forgetFreshStorages(tensors: readonly ({ readonly storage: Storage } | null)[]): void {
  if (freshStorages === null) return;
  for (const t of tensors) if (t !== null) freshStorages.delete(t.storage);
}

/**
 * A tensor's storage could not be made: more elements than a typed array holds, or more memory than
 * the machine gives. The message names the op, the dtype, the shape (when known) and the bytes
 * needed; `relabel` puts another name in front, for a caller that knows better what asked (the op
 * that ran, the layer whose parameter it was).
 */
export class AllocationError extends Error {
  constructor(
    /** Who asked: an op or function name ('allocate' when the caller gave none). */
    readonly op: string,
    readonly dtype: DType,
    /** The number of elements asked for. */
    readonly size: number,
    readonly shape: readonly number[] | undefined,
    cause: RangeError,
  ) {
    const bytes = size * (dtype === 'float64' ? 8 : 4);
    const what = shape === undefined ? `${size} ${dtype} elements` : `a ${dtype} tensor of shape [${shape.join(',')}]`;
    const need = `${shape === undefined ? '' : `${size} elements, `}${bytes} bytes = ${formatBytes(bytes)}`;
    super(`${op}: cannot allocate ${what} (${need}): ${cause.message}`, { cause });
    this.name = 'AllocationError';
  }

  /** The same error, named after `op` (kept when it already names a caller other than 'allocate'). */
  relabel(op: string): AllocationError {
    return this.op !== 'allocate' ? this : new AllocationError(op, this.dtype, this.size, this.shape, this.cause as RangeError);
  }
}

/** `4e12` bytes as `4 TB`: three significant digits and a decimal unit. */
function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let unit = 0;
  while (bytes >= 1000 && unit < units.length - 1) [bytes, unit] = [bytes / 1000, unit + 1];
  return `${Number(bytes.toPrecision(3))} ${units[unit]}`;
}

/** The dtype a typed array stores. */
export function dtypeOf(storage: Storage): DType {
  return storage instanceof Float64Array ? 'float64' : storage instanceof Int32Array ? 'int32' : 'float32';
}
