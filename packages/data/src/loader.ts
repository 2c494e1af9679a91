/**
 * DataLoader: batches from a dataset, in order or shuffled (seeded, a new order each pass), as
 * PyTorch's DataLoader. Iterate it once per epoch.
 */
import { globalGenerator, type Generator } from '@nn/autograd';
import type { BatchDataset, Dataset } from './dataset.js';
import { range, shuffleInPlace } from './shuffle.js';

export interface DataLoaderOptions {
  /** Samples per batch (a positive integer). */
  batchSize: number;
  /** Shuffle the samples at the start of every pass (default false). */
  shuffle?: boolean;
  /** Leave out a last, smaller batch (default false). */
  dropLast?: boolean;
  /** The generator to shuffle with (default: the global one, seeded by manualSeed). */
  rng?: Generator;
}

const KNOWN_OPTIONS = ['batchSize', 'shuffle', 'dropLast', 'rng'];

/**
 * Iterates over batches of a dataset that assembles batches: a TensorDataset yields `Tensor[]`
 * batches. Wrap any other dataset with `sampleBatches` to get arrays of samples.
 */
export class DataLoader<B> implements Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly rng: Generator;

  constructor(private readonly dataset: BatchDataset<B>, opts: DataLoaderOptions) {
    if (dataset === null || typeof dataset !== 'object' || typeof dataset.getBatch !== 'function') {
      throw new Error('DataLoader: expected a dataset with getBatch (a TensorDataset, or any dataset wrapped with sampleBatches)');
    }
    for (const key of Object.keys(opts)) {
      if (!KNOWN_OPTIONS.includes(key)) throw new Error(`DataLoader: unknown option '${key}' (known: ${KNOWN_OPTIONS.join(', ')})`);
    }
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
      throw new Error(`DataLoader: batchSize must be a positive integer, got ${opts.batchSize}`);
    }
    this.batchSize = opts.batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.rng = opts.rng ?? globalGenerator;
  }

  /** The number of batches in one pass. */
  get length(): number {
    const full = Math.floor(this.dataset.length / this.batchSize);
    return this.dropLast || this.dataset.length % this.batchSize === 0 ? full : full + 1;
  }

  *[Symbol.iterator](): Iterator<B> {
    const order = this.shuffle ? shuffleInPlace(range(this.dataset.length), this.rng) : range(this.dataset.length);
    for (let batch = 0; batch < this.length; batch++) {
      yield this.dataset.getBatch(order.slice(batch * this.batchSize, (batch + 1) * this.batchSize));
    }
  }
}

/** A dataset of single samples seen as one whose batches are arrays of samples. */
export function sampleBatches<T>(dataset: Dataset<T>): BatchDataset<T[]> {
  return { length: dataset.length, getBatch: (indices) => indices.map((i) => dataset.get(i)) };
}
