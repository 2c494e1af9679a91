/**
 * Batches of matrices as the kernels see them: the leading axes flattened into a count, each matrix
 * a contiguous row-major block of a Float64Array. The kernels compute in float64 whatever the input
 * dtype; `toTensor` rounds the result back to the input's dtype (so float32 results are float64
 * results rounded once, never float32 arithmetic).
 */
import { Tensor, tensor, type DType } from '@nn/autograd';

/** A batch of `count` matrices of `rows` x `cols`, stored one after another in `data`. */
export interface MatrixBatch {
  readonly data: Float64Array;
  /** The leading (batch) axes. */
  readonly batchShape: readonly number[];
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
}

/** The product of a shape's extents. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/**
 * The matrices of `a` (rank >= 2) as a float64 batch, contiguous. With `batchShape`, `a`'s batch axes
 * are first broadcast to it (the caller has checked that they broadcast).
 */
export function readBatch(a: Tensor, batchShape?: readonly number[]): MatrixBatch {
  const rows = a.shape[a.ndim - 2]!;
  const cols = a.shape[a.ndim - 1]!;
  const own = a.shape.slice(0, -2);
  const target = batchShape ?? own;
  const source = sameShape(own, target) ? a : a.expand([...target, rows, cols]);
  // data() is a fresh contiguous copy already: a float64 one is the kernels' own to overwrite.
  const values = source.data();
  const data = values instanceof Float64Array ? values : Float64Array.from(values);
  return { data, batchShape: target, count: sizeOf(target), rows, cols };
}

/**
 * A tensor holding `data` (float64) in `shape`, of `dtype` (a float dtype: the callers have checked
 * their inputs' dtypes): float32 rounds each value once. A float64 `data` of exactly the shape's size
 * becomes the tensor's storage without a copy (as @nn/layers' sequence views do, through the
 * constructor that `tensor()` wraps): the callers pass arrays they made for the result and drop
 * them, and a copy of an n x n result was about 5% of a 256 Cholesky.
 */
export function toTensor(data: Float64Array, shape: readonly number[], dtype: DType): Tensor {
  if (dtype !== 'float64') return tensor(Float32Array.from(data), { dtype: 'float32', shape });
  if (data.length !== sizeOf(shape) || shape.length === 0) return tensor(data, { dtype, shape });
  const strides: number[] = [];
  for (let axis = shape.length - 1, step = 1; axis >= 0; step *= shape[axis]!, axis--) strides[axis] = step;
  return new Tensor(data, [...shape], strides, 0);
}

/** The matrix at batch index `index` of a batch, as a subarray view (no copy). */
export function matrixAt(batch: MatrixBatch, index: number): Float64Array {
  const size = batch.rows * batch.cols;
  return batch.data.subarray(index * size, (index + 1) * size);
}

/** 'linalg.solve: (Batch element 3): ' for batched inputs, 'linalg.solve: ' for one matrix. */
export function batchPrefix(op: string, batchShape: readonly number[], index: number): string {
  return batchShape.length === 0 ? `${op}: ` : `${op}: (Batch element ${index}): `;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * For each matrix index of the broadcast batch `target`, the index of the matrix it reads in the
 * batch `own` (which broadcasts to `target`): so that a broadcast operand is factored once, not once
 * per copy.
 */
export function broadcastSources(own: readonly number[], target: readonly number[]): Int32Array {
  const count = sizeOf(target);
  const sources = new Int32Array(count);
  const rank = target.length;
  // The step in `own` of each target axis: 0 where `own` has 1 (or lacks the axis).
  const steps = new Array<number>(rank).fill(0);
  let step = 1;
  for (let axis = rank - 1; axis >= 0; axis--) {
    const ownAxis = axis - (rank - own.length);
    const d = ownAxis >= 0 ? own[ownAxis]! : 1;
    steps[axis] = d === 1 ? 0 : step;
    step *= d;
  }
  for (let i = 0; i < count; i++) {
    let rest = i;
    let source = 0;
    for (let axis = rank - 1; axis >= 0; axis--) {
      const d = target[axis]!;
      source += (rest % d) * steps[axis]!;
      rest = Math.floor(rest / d);
    }
    sources[i] = source;
  }
  return sources;
}
