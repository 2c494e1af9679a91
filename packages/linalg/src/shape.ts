/**
 * Shape checks shared by the linalg functions, with torch.linalg's wording so that an error reads as
 * PyTorch's does and names the function and the shapes.
 */
import { Tensor, describeValue, type FloatDType } from '@nn/autograd';

/** `[2, 3]` as `[2, 3]`, for error messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Checks that `a` is a float tensor of rank >= 2 (a batch of matrices) and returns its dtype.
 * `name` is the argument's name in the message ('A', 'B').
 */
export function checkMatrices(op: string, a: unknown, name = 'A'): FloatDType {
  if (!(a instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor, got ${describeValue(a)}`);
  if (a.dtype !== 'float32' && a.dtype !== 'float64') {
    throw new Error(`${op}: Expected a floating point tensor as input. Got ${a.dtype} (${name} of shape ${formatShape(a.shape)})`);
  }
  if (a.ndim < 2) {
    throw new Error(`${op}: The input tensor ${name} must have at least 2 dimensions (got shape ${formatShape(a.shape)})`);
  }
  return a.dtype;
}

/** Checks that `a` is a batch of square float matrices (as `checkMatrices`), returning its order n. */
export function checkSquare(op: string, a: unknown, name = 'A'): number {
  checkMatrices(op, a, name);
  const shape = (a as Tensor).shape;
  const rows = shape[shape.length - 2]!;
  const cols = shape[shape.length - 1]!;
  if (rows !== cols) {
    throw new Error(`${op}: ${name} must be batches of square matrices, but they are ${rows} by ${cols} matrices (shape ${formatShape(shape)})`);
  }
  return rows;
}

/** Both operands must share a dtype, as torch.linalg requires (no promotion). */
export function checkSameDtype(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new Error(`${op}: Expected A and B to have the same dtype, but got A.dtype = ${a.dtype} and B.dtype = ${b.dtype}`);
  }
}

/**
 * The broadcast of two batch shapes (the axes before the matrix axes), as NumPy broadcasting;
 * an error naming `op` and both full shapes when they do not broadcast.
 */
export function broadcastBatch(op: string, a: readonly number[], b: readonly number[], fullA: readonly number[], fullB: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = new Array(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: the batch dimensions of A ${formatShape(fullA)} and B ${formatShape(fullB)} do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}
