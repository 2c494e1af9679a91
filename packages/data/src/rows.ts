/** Picking rows (the first axis) of tensors, the one data movement datasets and splits need. */
import { tensor, type Storage, type Tensor } from '@nn/autograd';

/** The elements of `t` in row-major order and the size of one row (the product of the other axes). */
export function rowLayout(t: Tensor): { values: Storage; rowSize: number; rows: number } {
  if (t.ndim === 0) throw new Error('rows: a rank-0 tensor has no rows');
  const rows = t.shape[0]!;
  return { values: t.data(), rowSize: rows === 0 ? 0 : t.size / rows, rows };
}

/** A new tensor holding the rows of `layout` at `indices`, in that order, in the dtype of its values. */
export function takeRows(
  layout: { values: Storage; rowSize: number },
  shape: readonly number[],
  indices: ArrayLike<number>,
): Tensor {
  const { values, rowSize } = layout;
  const size = indices.length * rowSize;
  const out = values instanceof Float64Array ? new Float64Array(size) : values instanceof Int32Array ? new Int32Array(size) : new Float32Array(size);
  for (let i = 0; i < indices.length; i++) {
    const start = indices[i]! * rowSize;
    out.set(values.subarray(start, start + rowSize), i * rowSize);
  }
  return tensor(out, { shape: [indices.length, ...shape.slice(1)] });
}

/** The number of rows of each tensor, checked to agree; `what` names the caller in the error. */
export function commonRowCount(tensors: readonly Tensor[], names: readonly string[], what: string): number {
  tensors.forEach((t, i) => {
    if (t.ndim === 0) throw new Error(`${what}: ${names[i]} is rank 0; it needs a first axis of samples`);
  });
  const counts = tensors.map((t) => t.shape[0]!);
  if (counts.some((count) => count !== counts[0])) {
    throw new Error(`${what}: ${counts.map((count, i) => `${names[i]} has ${count} rows`).join(', ')}; they must agree`);
  }
  return counts[0]!;
}
