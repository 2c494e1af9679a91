/**
 * @nn/data/node: readers that need Node's file system. The main entry stays browser-safe.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkOptions, getDefaultDtype, tensor } from '@nn/autograd';
import { LOAD_OPTIONS, type LabelledData, type LoadOptions } from './datasets/bundled.js';
import type { IdxArray } from './idx.js';
import { readIdxFile } from './idx-file.js';

export interface Mnist {
  train: LabelledData;
  test: LabelledData;
}

/** Reads the IDX file `name` or `name.gz` from `dir`, whichever exists. */
function readIdx(dir: string, name: string, rank: number): Promise<IdxArray> {
  const path = [name, `${name}.gz`].map((file) => join(dir, file)).find((candidate) => existsSync(candidate));
  if (path === undefined) throw new Error(`loadMnist: found neither ${name} nor ${name}.gz in ${dir}`);
  return readIdxFile(path, name, rank);
}

async function readPart(dir: string, prefix: 'train' | 't10k', opts: LoadOptions): Promise<LabelledData> {
  const imagesName = `${prefix}-images-idx3-ubyte`;
  const labelsName = `${prefix}-labels-idx1-ubyte`;
  const images = await readIdx(dir, imagesName, 3);
  const labels = await readIdx(dir, labelsName, 1);
  const [count, rows, columns] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new Error(`loadMnist: ${imagesName} holds ${count} images but ${labelsName} holds ${labels.dims[0]} labels`);
  }
  const pixels = new Float64Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! / 255;
  const dtype = opts.dtype ?? getDefaultDtype();
  return {
    x: tensor(pixels, { shape: [count, rows * columns], dtype }),
    y: tensor(Int32Array.from(labels.data), { dtype: 'int32' }),
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  };
}

/**
 * Reads MNIST from `dir`: the four standard IDX files (`train-images-idx3-ubyte`,
 * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`), each gzipped
 * (`.gz`) or not. Images come flattened, `x` of shape [N, 784] with pixels scaled to 0..1, and
 * `y` of shape [N] holds the digits. Async: each file is read (and inflated) as a stream, its header
 * checked first, and reading stops at the size the header promises, so a broken or hostile file
 * costs no more memory than a good one. A wrong magic number, truncated data, bytes after the
 * promised values, a corrupt or cut-short gzip file and image and label counts that differ are
 * errors naming the file.
 */
export async function loadMnist(dir: string, opts: LoadOptions = {}): Promise<Mnist> {
  checkOptions('loadMnist', opts, LOAD_OPTIONS);
  if (typeof dir !== 'string' || !existsSync(dir)) throw new Error(`loadMnist: directory ${String(dir)} does not exist`);
  return { train: await readPart(dir, 'train', opts), test: await readPart(dir, 't10k', opts) };
}
