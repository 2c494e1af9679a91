/**
 * @nn/data/node: readers that need Node's file system. The main entry stays browser-safe.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkOptions, getDefaultDtype, tensor } from '@nn/autograd';
import { LOAD_OPTIONS, type LabelledData, type LoadOptions } from './datasets/bundled.js';
import { parseIdx } from './idx.js';

export interface Mnist {
  train: LabelledData;
  test: LabelledData;
}

/** Reads a file, gunzipping it when it starts with gzip's magic bytes; tries `name` and `name.gz`. */
function readMaybeGzipped(dir: string, name: string): Uint8Array {
  const candidates = [name, `${name}.gz`].map((file) => join(dir, file));
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path === undefined) throw new Error(`loadMnist: found neither ${name} nor ${name}.gz in ${dir}`);
  const bytes = readFileSync(path);
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}

function readPart(dir: string, prefix: 'train' | 't10k', opts: LoadOptions): LabelledData {
  const imagesName = `${prefix}-images-idx3-ubyte`;
  const labelsName = `${prefix}-labels-idx1-ubyte`;
  const images = parseIdx(readMaybeGzipped(dir, imagesName), imagesName, 3);
  const labels = parseIdx(readMaybeGzipped(dir, labelsName), labelsName, 1);
  const [count, rows, columns] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new Error(`loadMnist: ${imagesName} holds ${count} images but ${labelsName} holds ${labels.dims[0]} labels`);
  }
  const pixels = new Float64Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! / 255;
  const dtype = opts.dtype ?? getDefaultDtype();
  return {
    x: tensor(pixels, { shape: [count, rows * columns], dtype }),
    y: tensor(Float64Array.from(labels.data), { dtype }),
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  };
}

/**
 * Reads MNIST from `dir`: the four standard IDX files (`train-images-idx3-ubyte`,
 * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`), each gzipped
 * (`.gz`) or not. Images come flattened, `x` of shape [N, 784] with pixels scaled to 0..1, and
 * `y` of shape [N] holds the digits.
 */
export function loadMnist(dir: string, opts: LoadOptions = {}): Mnist {
  checkOptions('loadMnist', opts, LOAD_OPTIONS);
  if (typeof dir !== 'string' || !existsSync(dir)) throw new Error(`loadMnist: directory ${String(dir)} does not exist`);
  return { train: readPart(dir, 'train', opts), test: readPart(dir, 't10k', opts) };
}
