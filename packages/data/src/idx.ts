/**
 * The IDX format of MNIST (and Fashion-MNIST): a 4-byte magic number (0, 0, element type, number of
 * dimensions), each dimension as a big-endian 32-bit integer, then the elements. Only unsigned bytes
 * (type 0x08) occur in MNIST, and only those are read.
 */

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** What an IDX header says: the dimensions, the header's length in bytes, and the number of values that follow. */
export interface IdxHeader {
  dims: number[];
  headerLength: number;
  size: number;
}

/** The header's length in bytes for an IDX array of `rank` dimensions. */
export const idxHeaderLength = (rank: number): number => 4 + 4 * rank;

/**
 * Reads and checks an IDX header from the first bytes of a file (at least `idxHeaderLength(rank)` of
 * them, unless the file is shorter); `name` (the file) and `expectedRank` make the errors precise.
 */
export function parseIdxHeader(bytes: Uint8Array, name: string, expectedRank: number): IdxHeader {
  const expectedMagic = 0x0800 + expectedRank;
  if (bytes.length < 4) throw new Error(`loadMnist: ${name} is ${bytes.length} bytes long, too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
    throw new Error(`loadMnist: ${name} has magic number ${hex(magic)}, expected ${hex(expectedMagic)} (unsigned bytes, ${expectedRank} dimension${expectedRank === 1 ? '' : 's'})`);
  }
  const headerLength = idxHeaderLength(expectedRank);
  if (bytes.length < headerLength) throw new Error(`loadMnist: ${name} is truncated inside its header (${bytes.length} bytes)`);
  const dims = Array.from({ length: expectedRank }, (_, i) => view.getUint32(4 + 4 * i));
  return { dims, headerLength, size: dims.reduce((a, b) => a * b, 1) };
}

/** The error for a file whose values stop short of what its header promises. */
export function truncatedError(name: string, header: IdxHeader, what: string): Error {
  return new Error(`loadMnist: ${name} is truncated: its header promises ${header.dims.join(' x ')} = ${header.size} values, but ${what}`);
}

/** The error for a file with bytes after the values its header promises. */
export function trailingDataError(name: string, header: IdxHeader): Error {
  return new Error(`loadMnist: ${name} holds more than the ${header.size} values its header promises (${header.dims.join(' x ')})`);
}

/** Parses IDX bytes held in memory; `name` (the file) and `expectedRank` make the errors precise. */
export function parseIdx(bytes: Uint8Array, name: string, expectedRank: number): IdxArray {
  const header = parseIdxHeader(bytes, name, expectedRank);
  const available = bytes.length - header.headerLength;
  if (available < header.size) throw truncatedError(name, header, `${available} bytes follow`);
  if (available > header.size) throw trailingDataError(name, header);
  return { dims: header.dims, data: bytes.subarray(header.headerLength) };
}
