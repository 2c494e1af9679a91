/**
 * Reading and checking a safetensors header. Everything about a file is checked here, before a single
 * tensor is allocated: the header length, that the header is UTF-8 JSON holding an object without
 * duplicate keys, each tensor's dtype, shape and data offsets, that the tensors tile the data region
 * exactly (no overlap, no gap, nothing past the end), and that `__metadata__` maps strings to strings.
 * So the tensors a file yields take at most as many elements as the file has bytes.
 */
import { describeValue } from '@nn/autograd';
import { DTYPES, isSafetensorsDtype, type SafetensorsDtype } from './dtypes.js';
import { findDuplicateKey } from './json-keys.js';

/** The largest header accepted, as the reference reader (100 MB): a larger one is a hostile file. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor of a checked header; `begin` and `end` are offsets into the data region. */
export interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  size: number;
  begin: number;
  end: number;
}

export interface Header {
  /** Where the data region starts in the file: 8 + the header length. */
  dataStart: number;
  /** The tensors in the header's order. */
  entries: HeaderEntry[];
  metadata: Record<string, string>;
}

const OWNER = 'decodeSafetensors';
const fail = (message: string): never => {
  throw new Error(`${OWNER}: ${message}`);
};
const list = (values: readonly unknown[]): string => `[${values.map(String).join(',')}]`;

/** Reads and checks the header of the safetensors file `bytes`. */
export function readHeader(bytes: Uint8Array): Header {
  if (bytes.length < 8) fail(`the file has ${bytes.length} bytes, fewer than the 8 of the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(4, true);
  const length = high * 2 ** 32 + view.getUint32(0, true);
  if (length > MAX_HEADER_BYTES) fail(`the header length ${length} is over the limit of ${MAX_HEADER_BYTES} bytes`);
  if (8 + length > bytes.length) fail(`the header length ${length} runs past the end of the file (${bytes.length} bytes)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + length));
  } catch {
    return fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(`the header does not start with '{' (a JSON object), it starts with ${describeValue(text.slice(0, 16))}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail(`the header is not valid JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) fail('the header is not a JSON object');
  const duplicate = findDuplicateKey(text);
  if (duplicate !== null) {
    const where = duplicate.path.filter((p) => p !== '');
    fail(`the header has the key '${duplicate.key}' twice${where.length === 0 ? '' : ` in '${where.join("' > '")}'`}`);
  }
  const header = parsed as Record<string, unknown>;
  const dataLength = bytes.length - 8 - length;
  const metadata = readMetadata(header['__metadata__']);
  const entries = Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, info]) => readEntry(name, info, dataLength));
  checkTiling(entries, dataLength);
  return { dataStart: 8 + length, entries, metadata };
}

function readMetadata(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`__metadata__ must be an object of strings, got ${describeValue(value)}`);
  const metadata: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`__metadata__ '${key}' must be a string, got ${describeValue(v)}`);
    // An own property even for the key `__proto__` (which JSON.parse makes an own property too).
    Object.defineProperty(metadata, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return metadata;
}

const ENTRY_FIELDS = ['dtype', 'shape', 'data_offsets'];

function readEntry(name: string, info: unknown, dataLength: number): HeaderEntry {
  const where = `tensor '${name}'`;
  if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`${where}: expected an object of dtype, shape and data_offsets, got ${describeValue(info)}`);
  const fields = info as Record<string, unknown>;
  const unknownField = Object.keys(fields).find((key) => !ENTRY_FIELDS.includes(key));
  if (unknownField !== undefined) fail(`${where}: unknown field '${unknownField}' (expected dtype, shape and data_offsets)`);
  const { dtype, shape, data_offsets: offsets } = fields;
  if (!isSafetensorsDtype(dtype)) fail(`${where}: unknown or unsupported dtype ${describeValue(dtype)} (read: ${Object.keys(DTYPES).join(', ')})`);
  const type = dtype as SafetensorsDtype;
  if (!Array.isArray(shape)) fail(`${where}: shape must be an array of non-negative integers, got ${describeValue(shape)}`);
  const dims = shape as unknown[];
  const badDim = dims.findIndex((d) => !Number.isSafeInteger(d) || (d as number) < 0);
  if (badDim >= 0) fail(`${where}: shape ${JSON.stringify(dims)} has ${describeValue(dims[badDim])} at axis ${badDim}, not a non-negative integer`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
    fail(`${where}: data_offsets must be two non-negative integers [begin, end], got ${describeValue(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`${where}: data_offsets ${list([begin, end])} end before they begin`);
  if (end > dataLength) fail(`${where}: data_offsets ${list([begin, end])} run past the end of the data (${dataLength} bytes)`);
  const { bytes } = DTYPES[type];
  const held = (end - begin) / bytes;
  // The product stops past 2^53 (where it would stop being exact): a shape of 2^1000 elements is
  // caught, never computed, and nothing is allocated for it.
  let size = (dims as number[]).includes(0) ? 0 : 1;
  for (const d of dims as number[]) {
    size *= d;
    if (size > Number.MAX_SAFE_INTEGER) break;
  }
  if (size !== held || !Number.isInteger(held)) {
    const holds = Number.isInteger(held) ? `hold ${held} ${type} values` : `hold ${end - begin} bytes, not a whole number of ${type} values (${bytes} bytes each)`;
    const needs = size > Number.MAX_SAFE_INTEGER ? 'more than 2^53' : `${size}`;
    fail(`${where}: data_offsets ${list([begin, end])} ${holds}, but shape ${list(dims)} needs ${needs}`);
  }
  return { name, dtype: type, shape: dims as number[], size, begin, end };
}

/** The tensors must cover the data region exactly: sorted by offset, each begins where the last ended. */
function checkTiling(entries: readonly HeaderEntry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  let previous: HeaderEntry | null = null;
  for (const entry of sorted) {
    const offsets = list([entry.begin, entry.end]);
    if (entry.begin < position) fail(`tensor '${entry.name}': data_offsets ${offsets} overlap those of '${previous!.name}' ${list([previous!.begin, previous!.end])}`);
    if (entry.begin > position) {
      const after = previous === null ? 'the start of the data' : `'${previous.name}' (which ends at ${position})`;
      fail(`tensor '${entry.name}': data_offsets ${offsets} leave a gap of ${entry.begin - position} bytes after ${after}`);
    }
    position = entry.end;
    previous = entry;
  }
  if (position !== dataLength) fail(`the tensors cover ${position} bytes of data, but the file holds ${dataLength} after the header`);
}
