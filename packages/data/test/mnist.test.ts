/** loadMnist on small IDX files written here, gzipped and not, and on broken ones. */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { loadMnist } from '../src/node.js';

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
    test(`reads the four IDX files${gzip ? ' (gzipped)' : ''}: flattened images scaled to 0..1`, () => {
      const { train, test: testPart } = loadMnist(writeSet(`ok-${gzip}`, { gzip }));
      expect(train.x.shape).toEqual([4, 6]);
      expect(testPart.y.toArray()).toEqual([0, 1, 2, 3]);
      expect(Array.from(train.x.data()).slice(0, 3)).toEqual([0, 17, 34].map((v) => Math.fround(v / 255)));
    });
  }

  test('a wrong magic number', () => {
    const dir = writeSet('magic', { edit: (files) => files['train-labels-idx1-ubyte']!.writeUInt32BE(0x0803, 0) });
    expect(() => loadMnist(dir)).toThrow('loadMnist: train-labels-idx1-ubyte has magic number 0x00000803, expected 0x00000801 (unsigned bytes, 1 dimension)');
  });

  test('truncated data', () => {
    const dir = writeSet('truncated', { edit: (files) => { files['t10k-images-idx3-ubyte'] = files['t10k-images-idx3-ubyte']!.subarray(0, 20); } });
    expect(() => loadMnist(dir)).toThrow('loadMnist: t10k-images-idx3-ubyte is truncated: its header promises 4 x 2 x 3 = 24 values, but 4 bytes follow');
  });

  test('image and label counts that differ', () => {
    expect(() => loadMnist(writeSet('counts', { labels: 3 }))).toThrow('loadMnist: train-images-idx3-ubyte holds 4 images but train-labels-idx1-ubyte holds 3 labels');
  });

  test('a missing file or directory', () => {
    const dir = writeSet('missing');
    rmSync(join(dir, 't10k-labels-idx1-ubyte'));
    expect(() => loadMnist(dir)).toThrow(`loadMnist: found neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz in ${dir}`);
    expect(() => loadMnist(join(root, 'nowhere'))).toThrow(/loadMnist: directory .*nowhere does not exist/);
  });
});

describe('the main entry is browser-safe', () => {
  test('no module reachable from dist/index.js imports a node: module', () => {
    const dist = new URL('../dist/', import.meta.url);
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(new URL(file, dist), 'utf8');
      expect(source, file).not.toMatch(/from ['"]node:/);
      for (const [, spec] of source.matchAll(/from ['"](\.[^'"]+)['"]/g)) visit(new URL(spec!, new URL(file, dist)).href.slice(dist.href.length));
    };
    visit('index.js');
    expect(seen.size).toBeGreaterThan(5);
    expect(readdirSync(dist)).toContain('node.js');
  });
});
