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

/** A zero-filled typed array of `dtype` with `size` elements. */
export function allocate(dtype: DType, size: number): Storage {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/** The dtype a typed array stores. */
export function dtypeOf(storage: Storage): DType {
  return storage instanceof Float64Array ? 'float64' : 'float32';
}
