/** Datasets: indexed collections of samples, and TensorDataset, whose samples are rows of tensors. */
import { Tensor } from '@nn/autograd';
import { commonRowCount, rowLayout, takeRows } from './rows.js';

/** Anything with a length and a way to get sample `index` (as PyTorch's map-style Dataset). */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
}

/** A dataset that can also assemble a whole batch at once (faster than one sample at a time). */
export interface BatchDataset<B> {
  readonly length: number;
  getBatch(indices: readonly number[]): B;
}

/**
 * Samples are the rows of one or more tensors with the same first axis (features, labels, ...);
 * a sample is the list of its rows, a batch the list of tensors of its rows.
 */
export class TensorDataset implements Dataset<Tensor[]>, BatchDataset<Tensor[]> {
  readonly tensors: readonly Tensor[];
  readonly length: number;
  private readonly layouts: ReturnType<typeof rowLayout>[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new Error('TensorDataset: expected at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new Error(`TensorDataset: argument ${i} is not a Tensor`);
    });
    this.length = commonRowCount(tensors, tensors.map((_, i) => `tensor ${i}`), 'TensorDataset');
    this.tensors = tensors;
    // One contiguous copy each, taken once, so that batches are plain row copies.
    this.layouts = tensors.map(rowLayout);
  }

  /** The rows at `index`, one per tensor (each without the first axis). */
  get(index: number): Tensor[] {
    this.checkIndex(index);
    return this.getBatch([index]).map((batch) => batch.reshape(batch.shape.slice(1)));
  }

  /** The rows at `indices`, stacked: one tensor per dataset tensor, first axis `indices.length`. */
  getBatch(indices: readonly number[]): Tensor[] {
    indices.forEach((index) => this.checkIndex(index));
    return this.layouts.map((layout, i) => takeRows(layout, this.tensors[i]!.shape, indices));
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new Error(`TensorDataset: index ${index} is out of range for ${this.length} samples`);
    }
  }
}
