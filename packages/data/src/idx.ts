/**
 * The IDX format of MNIST (and Fashion-MNIST): a 4-byte magic number (0, 0, element type, number of
 * dimensions), each dimension as a big-endian 32-bit integer, then the elements. Only unsigned bytes
 * (type 0x08) occur in MNIST, and only those are read.
 */

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses IDX bytes; `name` (the file) and `expectedRank` make the errors precise. */
export function parseIdx(bytes: Uint8Array, name: string, expectedRank: number): IdxArray {
  const expectedMagic = 0x0800 + expectedRank;
  if (bytes.length < 4) throw new Error(`loadMnist: ${name} is ${bytes.length} bytes long, too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
    throw new Error(`loadMnist: ${name} has magic number ${hex(magic)}, expected ${hex(expectedMagic)} (unsigned bytes, ${expectedRank} dimension${expectedRank === 1 ? '' : 's'})`);
  }
  const headerLength = 4 + 4 * expectedRank;
  if (bytes.length < headerLength) throw new Error(`loadMnist: ${name} is truncated inside its header (${bytes.length} bytes)`);
  const dims = Array.from({ length: expectedRank }, (_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const available = bytes.length - headerLength;
  if (available < size) {
    throw new Error(`loadMnist: ${name} is truncated: its header promises ${dims.join(' x ')} = ${size} values, but ${available} bytes follow`);
  }
  if (available > size) throw new Error(`loadMnist: ${name} has ${available - size} bytes after its ${size} values`);
  return { dims, data: bytes.subarray(headerLength) };
}
