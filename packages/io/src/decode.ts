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
   * and the integer dtypes (I8, I16, I32, I64, U8, BOOL) give float64, which holds them exactly (they
   * will give int32 once @nn has the int32 dtype). With `'float32'`, F64 and the wide integers are
   * rounded to float32 as a cast would.
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
  // Exact in float64; they become int32 with the int32 dtype.
  BOOL: 'float64',
  U8: 'float64',
  I8: 'float64',
  I16: 'float64',
  I32: 'float64',
  I64: 'float64',
};

/**
 * Decodes a safetensors file (Hugging Face's format, what `safetensors.torch.save_file` writes).
 * Everything is checked before a tensor is made; a hostile or broken file gives an Error that names
 * the tensor and what is wrong, e.g.
 * `decodeSafetensors: tensor 'fc.weight': data_offsets [0,24] hold 6 F32 values, but shape [2,4] needs 8`.
 *
 * Read: F16, BF16, F32, F64 (to float32 / float64, exactly), I8, I16, I32, I64, U8, BOOL (to float64,
 * exactly; an I64 value beyond ±(2^53 - 1) is an error). `opts.dtype` sets every tensor's dtype.
 *
 * A tensor that keeps its dtype and is aligned in the file is a view of `bytes`, not a copy: it
 * keeps the file's buffer alive, and writing into `bytes` afterwards changes it.
 */
export function decodeSafetensors(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedSafetensors {
  checkOptions('decodeSafetensors', opts, ['dtype']);
  if (!(bytes instanceof Uint8Array)) throw new Error(`decodeSafetensors: expected a Uint8Array, got ${describeValue(bytes)}`);
  const wanted = opts.dtype;
  if (wanted !== undefined && wanted !== 'float32' && wanted !== 'float64') {
    throw new Error(`decodeSafetensors: dtype must be 'float32' or 'float64', got ${describeValue(wanted)}`);
  }
  const { dataStart, entries, metadata } = readHeader(bytes);
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
  const same = (entry.dtype === 'F32' && dtype === 'float32') || (entry.dtype === 'F64' && dtype === 'float64');
  const Storage = dtype === 'float32' ? Float32Array : Float64Array;
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
      throw new Error(
        `decodeSafetensors: tensor '${entry.name}': I64 element ${outOfRange} is ${value}, beyond ±(2^53 - 1), which float64 holds exactly`,
      );
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
