/**
 * Reads one IDX file from disk, gzipped or not, as a stream: the header is read and checked from
 * the first bytes, the values go into one array of the size it promises, and reading stops at the
 * first byte past that size. Memory stays at the promised size plus one chunk, whatever the file
 * inflates to (a small .gz of zeros can inflate to gigabytes).
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { idxHeaderLength, parseIdxHeader, trailingDataError, truncatedError, type IdxArray, type IdxHeader } from './idx.js';

/**
 * Deflate's largest ratio of output to input (a 258-byte match coded in about 2 bits): a gzip file
 * of n bytes never inflates to more than 1032 n, so a header promising more is truncated for sure.
 */
const MAX_DEFLATE_RATIO = 1032;

export interface ReadIdxHooks {
  /** Called with the length of each chunk read (after inflation): lets a test count the bytes. */
  onChunk?(bytes: number): void;
}

function startsWithGzipMagic(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = new Uint8Array(2);
    return readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** zlib's errors carry a code such as Z_DATA_ERROR (corrupt) or Z_BUF_ERROR (cut short). */
function isZlibError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('Z_');
}

/**
 * Reads the IDX file at `path` (gunzipping it when it starts with gzip's magic bytes); `name` is the
 * IDX file's name for the errors, `rank` its expected number of dimensions.
 */
export async function readIdxFile(path: string, name: string, rank: number, hooks: ReadIdxHooks = {}): Promise<IdxArray> {
  const fileSize = statSync(path).size;
  const gzipped = startsWithGzipMagic(path);
  const source = createReadStream(path);
  const stream: Readable = gzipped ? source.pipe(createGunzip()) : source;
  if (gzipped) source.on('error', (error) => stream.destroy(error)); // pipe does not pass errors on
  const headerLength = idxHeaderLength(rank);
  const head = new Uint8Array(headerLength);
  let headFilled = 0;
  let header: IdxHeader | null = null;
  let values = new Uint8Array(0);
  let filled = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array>) {
      hooks.onChunk?.(chunk.length);
      let offset = 0;
      if (header === null) {
        offset = Math.min(headerLength - headFilled, chunk.length);
        head.set(chunk.subarray(0, offset), headFilled);
        headFilled += offset;
        if (headFilled < headerLength) continue;
        header = parseIdxHeader(head, name, rank);
        const most = gzipped ? fileSize * MAX_DEFLATE_RATIO : fileSize;
        if (headerLength + header.size > most) {
          throw truncatedError(name, header, gzipped ? `the gzip file of ${fileSize} bytes inflates to at most ${most}` : `${fileSize - headerLength} bytes follow`);
        }
        values = new Uint8Array(header.size);
      }
      const rest = chunk.length - offset;
      if (filled + rest > header.size) throw trailingDataError(name, header);
      values.set(chunk.subarray(offset), filled);
      filled += rest;
    }
  } catch (error) {
    if (isZlibError(error)) throw new Error(`loadMnist: ${basename(path)} is not a valid gzip file (${error.message})`);
    throw error;
  } finally {
    stream.destroy();
    source.destroy();
  }
  if (header === null) {
    parseIdxHeader(head.subarray(0, headFilled), name, rank); // throws the precise error: magic number or length
    throw new Error(`loadMnist: ${name} is truncated inside its header (${headFilled} bytes)`);
  }
  if (filled < header.size) throw truncatedError(name, header, `${filled} bytes follow`);
  return { dims: header.dims, data: values };
}
