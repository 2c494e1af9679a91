/** The element types a tensor can hold. float32 is the default, as in PyTorch and Keras. */
export type DType = 'float32' | 'float64';

/** The typed array behind a tensor: `Float32Array` exactly when the dtype is float32. */
export type Storage = Float32Array | Float64Array;

let defaultDtype: DType = 'float32';

/** The dtype given to new tensors when none is asked for. */
export function getDefaultDtype(): DType {
  return defaultDtype;
}

/**
 * Sets the dtype of tensors created without an explicit `dtype` (initially `'float32'`).
 * Use `'float64'` for gradient checks and numerically demanding work.
 */
export function setDefaultDtype(dtype: DType): void {
  defaultDtype = checkDtype(dtype, 'setDefaultDtype');
}

/** Returns `dtype` when it is a known dtype, else throws an error naming `op`. */
export function checkDtype(dtype: unknown, op: string): DType {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new Error(`${op}: unknown dtype ${JSON.stringify(dtype)} (expected 'float32' or 'float64')`);
  }
  return dtype;
}

/** float32 with float64 gives float64. */
export function promoteDtypes(a: DType, b: DType): DType {
  return a === 'float64' || b === 'float64' ? 'float64' : 'float32';
}

/**
 * A zero-filled typed array of `dtype` with `size` elements: the one place tensor storage is made.
 * `op` and `shape` name the request in the error thrown when it cannot be met (more elements than
 * a typed array holds, or more memory than the machine gives), which says how many bytes it needed.
 */
export function allocate(dtype: DType, size: number, op = 'allocate', shape?: readonly number[]): Storage {
  try {
    return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new AllocationError(op, dtype, size, shape, error);
  }
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
  return storage instanceof Float64Array ? 'float64' : 'float32';
}
