/** loadMnist on small IDX files written here, gzipped and not, on broken ones, and on a gzip bomb. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { loadMnist } from '../src/node.js';
import { readIdxFile } from '../src/idx-file.js';

const root = mkdtempSync(join(tmpdir(), 'nn-mnist-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function idx(dims: number[], values: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x0800 + dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(values)]);
}

/** A directory with an MNIST-shaped set of `count` 2x3 images per part. */
function writeSet(name: string, { gzip = false, count = 4, labels = count, edit }: { gzip?: boolean; count?: number; labels?: number; edit?: (files: Record<string, Buffer>) => void } = {}): string {
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: Record<string, Buffer> = {};
  for (const prefix of ['train', 't10k']) {
    files[`${prefix}-images-idx3-ubyte`] = idx([count, 2, 3], Array.from({ length: count * 6 }, (_, i) => (i * 17) % 256));
    files[`${prefix}-labels-idx1-ubyte`] = idx([labels], Array.from({ length: labels }, (_, i) => i % 10));
  }
  edit?.(files);
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dir, gzip ? `${file}.gz` : file), gzip ? gzipSync(bytes) : bytes);
  return dir;
}

describe('loadMnist', () => {
  for (const gzip of [false, true]) {
    test(`reads the four IDX files${gzip ? ' (gzipped)' : ''}: flattened images scaled to 0..1`, async () => {
      const { train, test: testPart } = await loadMnist(writeSet(`ok-${gzip}`, { gzip }));
      expect(train.x.shape).toEqual([4, 6]);
      expect(testPart.y.toArray()).toEqual([0, 1, 2, 3]);
      expect(testPart.y.dtype).toBe('int32');
      expect(train.y.data()).toBeInstanceOf(Int32Array);
      expect(Array.from(train.x.data()).slice(0, 3)).toEqual([0, 17, 34].map((v) => Math.fround(v / 255)));
    });
  }

  test('a wrong magic number', async () => {
    const dir = writeSet('magic', { edit: (files) => files['train-labels-idx1-ubyte']!.writeUInt32BE(0x0803, 0) });
    await expect(loadMnist(dir)).rejects.toThrow('loadMnist: train-labels-idx1-ubyte has magic number 0x00000803, expected 0x00000801 (unsigned bytes, 1 dimension)');
  });

  for (const gzip of [false, true]) {
    test(`truncated data${gzip ? ' (gzipped)' : ''}`, async () => {
      const dir = writeSet(`truncated-${gzip}`, { gzip, edit: (files) => { files['t10k-images-idx3-ubyte'] = files['t10k-images-idx3-ubyte']!.subarray(0, 20); } });
      await expect(loadMnist(dir)).rejects.toThrow('loadMnist: t10k-images-idx3-ubyte is truncated: its header promises 4 x 2 x 3 = 24 values, but 4 bytes follow');
    });

    test(`data after the values the header promises${gzip ? ' (gzipped)' : ''}`, async () => {
      const dir = writeSet(`trailing-${gzip}`, { gzip, edit: (files) => { files['train-labels-idx1-ubyte'] = Buffer.concat([files['train-labels-idx1-ubyte']!, Buffer.from([1, 2])]); } });
      await expect(loadMnist(dir)).rejects.toThrow('loadMnist: train-labels-idx1-ubyte holds more than the 4 values its header promises (4)');
    });

    test(`a header cut short${gzip ? ' (gzipped)' : ''}`, async () => {
      const dir = writeSet(`short-header-${gzip}`, { gzip, edit: (files) => { files['train-images-idx3-ubyte'] = files['train-images-idx3-ubyte']!.subarray(0, 10); } });
      await expect(loadMnist(dir)).rejects.toThrow('loadMnist: train-images-idx3-ubyte is truncated inside its header (10 bytes)');
    });
  }

  test('corrupt and truncated gzip files are errors naming the file', async () => {
    const corrupt = writeSet('corrupt-gzip', { gzip: true });
    const path = join(corrupt, 'train-images-idx3-ubyte.gz');
    const bytes = readFileSync(path);
    bytes.fill(0xff, 10, 20); // the deflate stream right after the gzip header
    writeFileSync(path, bytes);
    await expect(loadMnist(corrupt)).rejects.toThrow(/^loadMnist: train-images-idx3-ubyte\.gz is not a valid gzip file \(.+\)$/);
    const cut = writeSet('cut-gzip', { gzip: true });
    const labels = join(cut, 'train-labels-idx1-ubyte.gz');
    writeFileSync(labels, readFileSync(labels).subarray(0, 15));
    await expect(loadMnist(cut)).rejects.toThrow('loadMnist: train-labels-idx1-ubyte.gz is not a valid gzip file (unexpected end of file)');
  });

  test('a header that promises more than the file can hold is an error before anything is allocated', async () => {
    const dir = writeSet('huge-promise', { gzip: true, edit: (files) => files['train-images-idx3-ubyte']!.writeUInt32BE(60000, 4) });
    await expect(loadMnist(dir)).rejects.toThrow(
      /^loadMnist: train-images-idx3-ubyte is truncated: its header promises 60000 x 2 x 3 = 360000 values, but the gzip file of \d+ bytes inflates to at most \d+$/,
    );
  });

  test('a gzip bomb: a header promising 4 labels, then 64 MB of zeros, is stopped after the promised size', async () => {
    // 64 gzip members of 1 MB of zeros each (gunzip reads a file of several members as one stream).
    const zeros = gzipSync(Buffer.alloc(1 << 20));
    const bomb = Buffer.concat([gzipSync(idx([4], [1, 2, 3, 4])), ...Array.from({ length: 64 }, () => zeros)]);
    expect(bomb.length).toBeLessThan(200_000);
    const dir = join(root, 'bomb');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'labels.gz');
    writeFileSync(path, bomb);
    let inflated = 0;
    await expect(readIdxFile(path, 'labels', 1, { onChunk: (bytes) => void (inflated += bytes) })).rejects.toThrow(
      'loadMnist: labels holds more than the 4 values its header promises (4)',
    );
    // At most one chunk of zlib's output past the 12 bytes the header promises, not 64 MB.
    expect(inflated).toBeGreaterThan(12);
    expect(inflated).toBeLessThanOrEqual(12 + 64 * 1024);
    // The same file without the bomb reads.
    writeFileSync(path, gzipSync(idx([4], [1, 2, 3, 4])));
    expect(Array.from((await readIdxFile(path, 'labels', 1)).data)).toEqual([1, 2, 3, 4]);
  });

  test('image and label counts that differ', async () => {
    await expect(loadMnist(writeSet('counts', { labels: 3 }))).rejects.toThrow('loadMnist: train-images-idx3-ubyte holds 4 images but train-labels-idx1-ubyte holds 3 labels');
  });

  test('a missing file or directory', async () => {
    const dir = writeSet('missing');
    rmSync(join(dir, 't10k-labels-idx1-ubyte'));
    await expect(loadMnist(dir)).rejects.toThrow(`loadMnist: found neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz in ${dir}`);
    await expect(loadMnist(join(root, 'nowhere'))).rejects.toThrow(/loadMnist: directory .*nowhere does not exist/);
  });
});
