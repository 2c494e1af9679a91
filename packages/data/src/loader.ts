/**
 * DataLoader: batches from a dataset, in order or shuffled (seeded, a new order each pass), as
 * PyTorch's DataLoader. Iterate it once per epoch.
 */
import { checkGenerator, checkOptions, describeValue, type Generator } from '@nn/autograd';
import type { BatchDataset, Dataset } from './dataset.js';
import { range, shuffleInPlace } from './shuffle.js';

export interface DataLoaderOptions {
  /**
   * Samples per batch (a positive integer). Required, as API.md writes it: PyTorch's default of 1 is
   * rarely what a training loop wants, and Keras's 32 is not PyTorch's, so no default is guessed.
   */
  batchSize: number;
  /** Shuffle the samples at the start of every pass (default false). */
  shuffle?: boolean;
  /** Leave out a last, smaller batch (default false). */
  dropLast?: boolean;
  /** The generator to shuffle with (default: the global one, seeded by manualSeed). */
  rng?: Generator;
}

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
    checkOptions('DataLoader', opts, ['batchSize', 'shuffle', 'dropLast', 'rng']);
    if (opts?.batchSize === undefined) {
      throw new Error('DataLoader: the option batchSize is required, e.g. new DataLoader(dataset, { batchSize: 32 })');
    }
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
      throw new Error(`DataLoader: batchSize must be a positive integer, got ${describeValue(opts.batchSize)}`);
    }
    this.batchSize = opts.batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.rng = checkGenerator('DataLoader', opts.rng);
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
