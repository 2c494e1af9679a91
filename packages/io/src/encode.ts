/**
 * encodeSafetensors: tensors to a safetensors file, byte for byte as the reference writer (the Rust
 * `safetensors` crate, behind `safetensors.torch.save_file`) lays it out: the header's length as a
 * little-endian u64, the JSON header (`__metadata__` first, then the tensors in data order) padded
 * with spaces to a multiple of 8 bytes, then the data, tensors sorted by dtype (larger elements
 * first) and then by name, so each starts aligned to its element size.
 */
import { describeValue, Tensor } from '@nn/autograd';
import { DTYPES, type SafetensorsDtype } from './dtypes.js';
import { writeLittleEndian } from './kernels/convert.js';

interface Planned {
  name: string;
  /** The name's UTF-8 bytes: the reference writer sorts names byte-wise. */
  key: Uint8Array;
  dtype: SafetensorsDtype;
  shape: readonly number[];
  data: Float32Array | Float64Array | Int32Array;
  begin: number;
}

/** The safetensors dtype written for a tensor. */
function fileDtype(name: string, t: Tensor): SafetensorsDtype {
  const dtype: string = t.dtype;
  if (dtype === 'float32') return 'F32';
  if (dtype === 'float64') return 'F64';
  if (dtype === 'int32') return 'I32';
  throw new Error(`encodeSafetensors: tensor '${name}' has dtype ${describeValue(dtype)}; float32 (F32), float64 (F64) and int32 (I32) are written`);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Encodes tensors (by name) and optional string metadata as a safetensors file, which PyTorch reads
 * with `safetensors.torch.load_file`. Writes float32 as F32, float64 as F64 and int32 as I32. The name
 * `__metadata__` is reserved; metadata values must be strings.
 */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors)) {
    throw new Error(`encodeSafetensors: expected an object mapping names to tensors, got ${describeValue(tensors)}`);
  }
  if (metadata !== undefined && (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))) {
    throw new Error(`encodeSafetensors: metadata must be an object of strings, got ${describeValue(metadata)}`);
  }
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (typeof value !== 'string') throw new Error(`encodeSafetensors: metadata '${key}' must be a string, got ${describeValue(value)}`);
  }
  const encoder = new TextEncoder();
  const planned: Planned[] = Object.entries(tensors).map(([name, t]) => {
    if (name === '__metadata__') throw new Error(`encodeSafetensors: '__metadata__' is reserved for the metadata and cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new Error(`encodeSafetensors: tensor '${name}': expected a Tensor, got ${describeValue(t)}`);
    const dtype = fileDtype(name, t);
    return { name, key: encoder.encode(name), dtype, shape: t.shape, data: t.data(), begin: 0 };
  });
  planned.sort((a, b) => DTYPES[b.dtype].rank - DTYPES[a.dtype].rank || compareBytes(a.key, b.key));
  let dataLength = 0;
  for (const p of planned) {
    p.begin = dataLength;
    dataLength += p.data.byteLength;
  }
  // Written by hand rather than with JSON.stringify of an object, which would put integer-like names first.
  const fields = planned.map(
    (p) => `${JSON.stringify(p.name)}:{"dtype":"${p.dtype}","shape":${JSON.stringify(p.shape)},"data_offsets":[${p.begin},${p.begin + p.data.byteLength}]}`,
  );
  if (metadata !== undefined) fields.unshift(`"__metadata__":${JSON.stringify(metadata)}`);
  const json = encoder.encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + dataLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  const dataStart = 8 + headerLength;
  for (const p of planned) writeLittleEndian(out, view, dataStart + p.begin, p.data);
  return out;
}
