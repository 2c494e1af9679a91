/**
 * The safetensors dtypes that @nn reads, with their element size and the rank the reference writer
 * (the Rust `safetensors` crate) sorts them by: it lays tensors out by dtype, larger rank first, then
 * by name, so that every tensor starts at an offset that is a multiple of its element size.
 */

/** A safetensors dtype that @nn reads. */
export type SafetensorsDtype = 'BOOL' | 'U8' | 'I8' | 'I16' | 'F16' | 'BF16' | 'I32' | 'F32' | 'F64' | 'I64';

interface DtypeInfo {
  /** Bytes per element. */
  bytes: number;
  /** The position of the dtype in the reference crate's `Dtype` enum, which its writer sorts by. */
  rank: number;
}

// The ranks follow the order of the reference crate's enum (BOOL, U8, I8, ..., I16, U16, F16, BF16,
// I32, U32, F32, F64, I64, U64); the dtypes @nn does not read are left out, the order is what counts.
export const DTYPES: Readonly<Record<SafetensorsDtype, DtypeInfo>> = {
  BOOL: { bytes: 1, rank: 0 },
  U8: { bytes: 1, rank: 1 },
  I8: { bytes: 1, rank: 2 },
  I16: { bytes: 2, rank: 3 },
  F16: { bytes: 2, rank: 5 },
  BF16: { bytes: 2, rank: 6 },
  I32: { bytes: 4, rank: 7 },
  F32: { bytes: 4, rank: 9 },
  F64: { bytes: 8, rank: 10 },
  I64: { bytes: 8, rank: 11 },
};

/** Whether `name` is one of the dtypes the decoder reads (a header's `dtype` field is untrusted). */
export function isSafetensorsDtype(name: unknown): name is SafetensorsDtype {
  return typeof name === 'string' && Object.hasOwn(DTYPES, name);
}

/** Whether this machine stores numbers little-endian (as safetensors does), so typed arrays can view the bytes. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
