/**
 * decodeSafetensors: the tensors of a safetensors file, read straight from its bytes. The header is
 * checked whole first (header.ts); then each tensor is a view of the bytes where that is possible (the
 * dtype is kept, the machine is little-endian and the offset is a multiple of the element size), and a
 * converted copy of just that tensor otherwise. The file is never copied whole.
 */
import { checkOptions, describeValue, Tensor, type DType } from '@nn/autograd';
import { DTYPES, LITTLE_ENDIAN, type SafetensorsDtype } from './dtypes.js';
import { readHeader, type HeaderEntry } from './header.js';
import { convertInto, findBadBool, type FloatStorage } from './kernels/convert.js';

/** Options of `decodeSafetensors`. */
export interface DecodeOptions {
  /**
   * The dtype of every decoded tensor. By default F16, BF16 and F32 give float32, F64 gives float64,
   * and the integer dtypes (I8, I16, I32, I64, U8, BOOL) give int32 (an I64 value outside int32's
   * range is an error). With `'float32'` or `'float64'` every tensor is converted as a cast would
   * (F64 and the wide integers round to float32; I64 up to ±(2^53 - 1) is exact in float64); with
   * `'int32'` only integer tensors are accepted (a float tensor is an error, not a truncation).
   */
  dtype?: DType;
}

/** What `decodeSafetensors` returns: the tensors by name (in the header's order) and the metadata. */
export interface DecodedSafetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

const DEFAULT_DTYPE: Readonly<Record<SafetensorsDtype, DType>> = {
  F16: 'float32',
  BF16: 'float32',
  F32: 'float32',
  F64: 'float64',
  // PyTorch's integer tensors (labels, indices, counters) stay integers; I64 must fit int32.
  BOOL: 'int32',
  U8: 'int32',
  I8: 'int32',
  I16: 'int32',
  I32: 'int32',
  I64: 'int32',
};

const INTEGER_DTYPES: readonly SafetensorsDtype[] = ['BOOL', 'U8', 'I8', 'I16', 'I32', 'I64'];

/**
 * Decodes a safetensors file (Hugging Face's format, what `safetensors.torch.save_file` writes).
 * Everything is checked before a tensor is made; a hostile or broken file gives an Error that names
 * the tensor and what is wrong, e.g.
 * `decodeSafetensors: tensor 'fc.weight': data_offsets [0,24] hold 6 F32 values, but shape [2,4] needs 8`.
 *
 * Read: F16, BF16, F32, F64 (to float32 / float64, exactly), I8, I16, I32, I64, U8, BOOL (to int32,
 * exactly; an I64 value outside int32's range is an error, not a wrap). `opts.dtype` sets every
 * tensor's dtype (see `DecodeOptions`).
 *
 * A tensor that keeps its dtype and is aligned in the file is a view of `bytes`, not a copy: it
 * keeps the file's buffer alive, and writing into `bytes` afterwards changes it.
 */
export function decodeSafetensors(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedSafetensors {
  checkOptions('decodeSafetensors', opts, ['dtype']);
  if (!(bytes instanceof Uint8Array)) throw new Error(`decodeSafetensors: expected a Uint8Array, got ${describeValue(bytes)}`);
  const wanted = opts.dtype;
  if (wanted !== undefined && wanted !== 'float32' && wanted !== 'float64' && wanted !== 'int32') {
    throw new Error(`decodeSafetensors: dtype must be 'float32', 'float64' or 'int32', got ${describeValue(wanted)}`);
  }
  const { dataStart, entries, metadata } = readHeader(bytes);
  if (wanted === 'int32') {
    const float = entries.find((entry) => !INTEGER_DTYPES.includes(entry.dtype));
    if (float !== undefined) {
      throw new Error(`decodeSafetensors: tensor '${float.name}' is ${float.dtype}; dtype 'int32' decodes only the integer dtypes (${INTEGER_DTYPES.join(', ')})`);
    }
  }
  for (const entry of entries) {
    if (entry.dtype !== 'BOOL') continue;
    const bad = findBadBool(bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
    if (bad >= 0) throw new Error(`decodeSafetensors: tensor '${entry.name}': BOOL element ${bad} is the byte ${bytes[dataStart + entry.begin + bad]}, not 0 or 1`);
  }
  const tensors: Record<string, Tensor> = {};
  for (const entry of entries) defineEntry(tensors, entry.name, decodeTensor(bytes, dataStart, entry, wanted ?? DEFAULT_DTYPE[entry.dtype]));
  return { tensors, metadata };
}

function decodeTensor(bytes: Uint8Array, dataStart: number, entry: HeaderEntry, dtype: DType): Tensor {
  const at = bytes.byteOffset + dataStart + entry.begin;
  const same = (entry.dtype === 'F32' && dtype === 'float32') || (entry.dtype === 'F64' && dtype === 'float64') || (entry.dtype === 'I32' && dtype === 'int32');
  const Storage = dtype === 'float32' ? Float32Array : dtype === 'int32' ? Int32Array : Float64Array;
  let storage: FloatStorage;
  if (same && LITTLE_ENDIAN && at % DTYPES[entry.dtype].bytes === 0) {
    storage = new Storage(bytes.buffer as ArrayBuffer, at, entry.size);
  } else if (same && LITTLE_ENDIAN) {
    // Unaligned: a copy of the bytes themselves, which keeps every bit (NaN payloads too).
    storage = new Storage(entry.size);
    new Uint8Array(storage.buffer).set(bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
  } else {
    storage = new Storage(entry.size);
    const outOfRange = convertInto(storage, new DataView(bytes.buffer, at, entry.end - entry.begin), 0, entry.dtype);
    if (outOfRange >= 0) {
      const value = new DataView(bytes.buffer, at + 8 * outOfRange, 8).getBigInt64(0, true);
      const range = dtype === 'int32' ? "outside int32's range [-2^31, 2^31 - 1] (decode with dtype 'float64' for up to ±(2^53 - 1))" : 'beyond ±(2^53 - 1), which float64 holds exactly';
      throw new Error(`decodeSafetensors: tensor '${entry.name}': I64 element ${outOfRange} is ${value}, ${range}`);
    }
  }
  return new Tensor(storage, entry.shape, contiguousStrides(entry.shape), 0);
}

/**
 * Sets `record[name]` as an own property, also for a name like `__proto__`, which a plain assignment
 * would take as the object's prototype.
 */
function defineEntry<T>(record: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
}

function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = step;
    step *= shape[axis]!;
  }
  return strides;
}
