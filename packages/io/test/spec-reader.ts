/**
 * A safetensors reader written from the format's specification alone, independent of @nn/io's
 * decoder, for the tests: it reads a file into plain numbers (or says why the file is invalid), and
 * `checkWriterConventions` checks what the reference writer does beyond the format (header padding,
 * tensor order, alignment, compact JSON with `__metadata__` first).
 */
export interface SpecTensor {
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
  values: number[];
}

export interface SpecFile {
  headerLength: number;
  headerText: string;
  names: string[];
  tensors: Record<string, SpecTensor>;
  metadata: Record<string, string> | undefined;
}

const SIZES: Record<string, number> = { F16: 2, BF16: 2, F32: 4, F64: 8, I8: 1, I16: 2, I32: 4, I64: 8, U8: 1, BOOL: 1 };

function element(view: DataView, at: number, dtype: string): number {
  switch (dtype) {
    case 'F32': return view.getFloat32(at, true);
    case 'F64': return view.getFloat64(at, true);
    case 'I8': return view.getInt8(at);
    case 'U8': case 'BOOL': return view.getUint8(at);
    case 'I16': return view.getInt16(at, true);
    case 'I32': return view.getInt32(at, true);
    case 'I64': return Number(view.getBigInt64(at, true));
    case 'BF16': {
      const word = new DataView(new ArrayBuffer(4));
      word.setUint16(0, view.getUint16(at, true));
      return word.getFloat32(0);
    }
    case 'F16': {
      // Through Math: sign * 2^(e - 15) * (1 + m / 1024), or the subnormal 2^-14 * m / 1024.
      const h = view.getUint16(at, true);
      const s = h >> 15 ? -1 : 1;
      const e = (h >> 10) & 31;
      const m = h & 1023;
      if (e === 31) return m ? NaN : s * Infinity;
      return e === 0 ? s * 2 ** -14 * (m / 1024) : s * 2 ** (e - 15) * (1 + m / 1024);
    }
  }
  throw new Error(`spec reader: dtype ${dtype}`);
}

/**
 * The keys of the JSON object `text` at its top level, in the text's order, or null when an object
 * in it has a key twice (the specification's JSON has unique keys; JSON.parse would keep the last).
 */
function topLevelKeys(text: string): string[] | null {
  const objects: (string[] | null)[] = [];
  let top: string[] = [];
  let previous = '';
  for (const [token] of text.matchAll(/"(?:[^"\\]|\\.)*"|[{}[\]:,]|[^"{}[\]:,]+/g)) {
    if (token === '{' || token === '[') objects.push(token === '{' ? [] : null);
    else if (token === '}' || token === ']') {
      const closed = objects.pop();
      if (objects.length === 0 && closed) top = closed;
    } else if (token.startsWith('"') && (previous === '{' || previous === ',')) {
      const keys = objects.at(-1);
      if (keys) {
        const key = JSON.parse(token) as string;
        if (keys.includes(key)) return null;
        keys.push(key);
      }
    }
    if (token.trim() !== '') previous = token;
  }
  return top;
}

/** Reads `bytes` as the specification describes, or returns the reason the file is invalid. */
export function readSpec(bytes: Uint8Array): SpecFile | string {
  if (bytes.length < 8) return 'short';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > 100_000_000n || 8n + n > BigInt(bytes.length)) return 'header length';
  const headerLength = Number(n);
  let headerText: string;
  let header: Record<string, unknown>;
  try {
    headerText = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
    header = JSON.parse(headerText) as Record<string, unknown>;
  } catch {
    return 'not JSON';
  }
  if (!headerText.startsWith('{') || typeof header !== 'object' || header === null || Array.isArray(header)) return 'not an object';
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors: Record<string, SpecTensor> = {};
  // In the text's order: JSON.parse puts integer-like keys first, whatever the file says.
  const keys = topLevelKeys(headerText);
  if (keys === null) return 'duplicate key';
  const names = keys.filter((k) => k !== '__metadata__');
  for (const name of names) {
    const info = header[name] as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== 'object' || info === null || Array.isArray(info)) return `${name}: entry`;
    if (Object.keys(info).some((k) => !['dtype', 'shape', 'data_offsets'].includes(k))) return `${name}: field`;
    const size = typeof info.dtype === 'string' && Object.hasOwn(SIZES, info.dtype) ? SIZES[info.dtype]! : 0;
    if (size === 0) return `${name}: dtype`;
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return `${name}: shape`;
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) return `${name}: offsets`;
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) return `${name}: offsets range`;
    const count = shape.reduce((p: number, d: number) => p * d, 1);
    if (count * size !== end - begin) return `${name}: count`;
    const values: number[] = [];
    for (let i = 0; i < count; i++) values.push(element(view, dataStart + begin + i * size, info.dtype as string));
    if (info.dtype === 'BOOL' && values.some((v) => v > 1)) return `${name}: bool`;
    if (info.dtype === 'I64' && values.some((v) => !Number.isSafeInteger(v))) return `${name}: i64`;
    tensors[name] = { dtype: info.dtype as string, shape: shape as number[], begin, end, values };
  }
  // The tensors tile the data region: sorted by offset, no gap, no overlap, to the end.
  const sorted = Object.values(tensors).sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  for (const t of sorted) {
    if (t.begin !== position) return 'tiling';
    position = t.end;
  }
  if (position !== dataLength) return 'tiling end';
  const meta = header['__metadata__'];
  if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta) || !Object.values(meta).every((v) => typeof v === 'string'))) {
    return 'metadata';
  }
  return { headerLength, headerText, names, tensors, metadata: meta as Record<string, string> | undefined };
}

/** The dtype order of the reference writer: larger rank first (its enum's order). */
const WRITER_RANK: Record<string, number> = { BOOL: 0, U8: 1, I8: 2, I16: 3, F16: 4, BF16: 5, I32: 6, F32: 7, F64: 8, I64: 9 };

/** The problems with `file` against the reference writer's conventions (empty when there are none). */
export function checkWriterConventions(file: SpecFile): string[] {
  const problems: string[] = [];
  const trimmed = file.headerText.replace(/ +$/, '');
  if (file.headerLength % 8 !== 0) problems.push(`header length ${file.headerLength} is not a multiple of 8`);
  if (file.headerLength - new TextEncoder().encode(trimmed).length >= 8) problems.push('more padding than needed');
  if (/\s/.test(trimmed.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) problems.push('the JSON is not compact');
  if (Object.hasOwn(JSON.parse(trimmed) as object, '__metadata__') && !trimmed.startsWith('{"__metadata__":')) problems.push('__metadata__ is not first');
  const bytes = (s: string): number[] => [...new TextEncoder().encode(s)];
  const order = [...file.names].sort((a, b) => {
    const rank = WRITER_RANK[file.tensors[b]!.dtype]! - WRITER_RANK[file.tensors[a]!.dtype]!;
    if (rank !== 0) return rank;
    const x = bytes(a);
    const y = bytes(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  });
  if (order.join('\n') !== file.names.join('\n')) problems.push(`tensor order ${JSON.stringify(file.names)}, expected ${JSON.stringify(order)}`);
  let position = 0;
  for (const name of file.names) {
    const t = file.tensors[name]!;
    if (t.begin !== position) problems.push(`'${name}' does not follow the previous tensor in the header's order`);
    if ((8 + file.headerLength + t.begin) % SIZES[t.dtype]! !== 0) problems.push(`'${name}' is not aligned`);
    position = t.end;
  }
  return problems;
}
