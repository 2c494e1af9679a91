/**
 * The element loops of encoding and decoding. Decoding: safetensors bytes (little-endian) to float32 /
 * float64 / int32 storage, for the cases that cannot be a view of the bytes (another dtype, an
 * unaligned offset, a big-endian machine). The conversions to a wider type are exact: F16 and BF16
 * widen exactly to float32, the integers up to 2^53 are exact in float64, BOOL to I32 in int32; an
 * I64 beyond what the target holds exactly is refused (reported per element, the caller says why).
 */
import { LITTLE_ENDIAN, type SafetensorsDtype } from '../dtypes.js';

/** Float32Array, Float64Array or Int32Array: what the conversions write into. */
export type FloatStorage = Float32Array | Float64Array | Int32Array;

/** IEEE half precision bits to their value (exact in float32 and float64). */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/**
 * Fills `out` with the `out.length` elements of `dtype` starting at byte `begin` of `view`.
 * Returns the index of the first I64 element that `out` cannot hold exactly, or -1: outside the
 * safe integers (|v| > 2^53 - 1) for float storage, outside [-2^31, 2^31 - 1] for int32.
 * Only integer dtypes are given with an Int32Array `out` (the caller refuses floats to int32).
 */
export function convertInto(out: FloatStorage, view: DataView, begin: number, dtype: SafetensorsDtype): number {
  const n = out.length;
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(begin + 4 * i, true);
      return -1;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(begin + 8 * i, true);
      return -1;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToNumber(view.getUint16(begin + 2 * i, true));
      return -1;
    case 'BF16': {
      // bfloat16 is the top half of a float32: shifted into place, it reads as one exactly (NaN too).
      const word = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        word.setUint32(0, view.getUint16(begin + 2 * i, true) << 16);
        out[i] = word.getFloat32(0);
      }
      return -1;
    }
    case 'BOOL':
    case 'U8':
      for (let i = 0; i < n; i++) out[i] = view.getUint8(begin + i);
      return -1;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(begin + i);
      return -1;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(begin + 2 * i, true);
      return -1;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(begin + 4 * i, true);
      return -1;
    case 'I64': {
      const int32 = out instanceof Int32Array;
      for (let i = 0; i < n; i++) {
        const high = view.getInt32(begin + 8 * i + 4, true);
        const value = high * 2 ** 32 + view.getUint32(begin + 8 * i, true);
        // |high| < 2^21 keeps the sum exact; the safe-integer test then cuts at ±(2^53 - 1).
        if (high >= 2 ** 21 || high < -(2 ** 21) || !Number.isSafeInteger(value)) return i;
        if (int32 && (value > 2147483647 || value < -2147483648)) return i;
        out[i] = value;
      }
      return -1;
    }
  }
}

/** The first BOOL element that is neither 0 nor 1, or -1. */
export function findBadBool(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 1) return i;
  return -1;
}

/** Writes `data` at byte `at` of `out` (whose DataView is `view`), little-endian whatever the machine. */
export function writeLittleEndian(out: Uint8Array, view: DataView, at: number, data: FloatStorage): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
  } else if (data instanceof Float32Array) {
    for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i]!, true);
  } else if (data instanceof Int32Array) {
    for (let i = 0; i < data.length; i++) view.setInt32(at + 4 * i, data[i]!, true);
  } else {
    for (let i = 0; i < data.length; i++) view.setFloat64(at + 8 * i, data[i]!, true);
  }
}
