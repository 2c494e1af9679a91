/**
 * Matrix product with NumPy's rules: 1-D operands are promoted to a row (left) or a column (right)
 * and the added axis removed afterwards; operands of rank > 2 are stacks of matrices whose batch axes
 * broadcast. The primitive works on rank >= 2 and reads transposed or broadcast operands through
 * their strides, without copies.
 */
import type { OpDoc, OpRecord } from '../op.js';
import type { OpTestSpec } from '../check/spec.js';
import { apply } from '../op.js';
import { allocate, promoteDtypes } from '../dtype.js';
import { broadcastShapes, broadcastStrides, formatShape, sizeOf } from '../shape.js';
import type { MatrixOperand } from '../kernels/matmul.js';
import { matmulKernelFor } from '../kernels/matrix-product.js';
import type { Draw } from '../check/spec.js';
import { drawBroadcastPair, drawShape, drawTensor } from '../check/sampling.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { fromStorage } from './creation.js';
import { operands } from './pointwise.js';

/** Operand `t` (rank >= 2) seen by the kernel, its batch axes broadcast to `batchShape`. */
function operand(t: Tensor, batchShape: readonly number[]): MatrixOperand {
  const rank = t.ndim;
  const batchStrides = broadcastStrides(t.shape.slice(0, rank - 2), t.strides.slice(0, rank - 2), batchShape);
  return { data: t.storage, offset: t.offset, rowStride: t.strides[rank - 2]!, colStride: t.strides[rank - 1]!, batchStrides };
}

/** True when the matrix axes of `t` step through memory column by column: a transpose of a dense matrix. */
function storedTransposed(t: Tensor): boolean {
  const rank = t.ndim;
  return t.strides[rank - 2] === 1 && t.strides[rank - 1]! > 1 && t.shape[rank - 2]! > 1;
}

export const matmulOp: OpRecord = {
  name: 'matmul',
  forward([a, b]) {
    const m = a!.shape[a!.ndim - 2]!;
    const k = a!.shape[a!.ndim - 1]!;
    const n = b!.shape[b!.ndim - 1]!;
    const batchShape = broadcastShapes(a!.shape.slice(0, -2), b!.shape.slice(0, -2), 'matmul');
    const shape = [...batchShape, m, n];
    const out = allocate(promoteDtypes(a!.dtype, b!.dtype), sizeOf(shape));
    matmulKernelFor(m, k, n)(out, operand(a!, batchShape), operand(b!, batchShape), batchShape, m, k, n);
    return fromStorage(out, shape);
  },
  // dA = dC B^T and dB = A^T dC; the engine sums broadcast batch axes back. An operand stored
  // transposed (as Dense's weight is, read as W^T) gets its gradient computed transposed too,
  // dB = (dC^T A)^T, so that the gradient lands in the operand's own layout: the same product, but the
  // copy of a transposed gradient into the leaf's .grad becomes a plain one.
  backward: (grad, { inputs: [a, b], needsInputGrad }) => [
    needsInputGrad[0] ? (storedTransposed(a!) ? b!.matmul(grad.transpose(-1, -2)).transpose(-1, -2) : grad.matmul(b!.transpose(-1, -2))) : null,
    needsInputGrad[1] ? (storedTransposed(b!) ? grad.transpose(-1, -2).matmul(a!).transpose(-1, -2) : a!.transpose(-1, -2).matmul(grad)) : null,
  ],
};

/** What docs/ops.md says of matmul (apart from the record, so that bundles leave it out). */
export const matmulDoc: OpDoc = {
  torch: 'torch.matmul',
  method: 'matmul',
  notes: '1-D and 2-D as in NumPy; batch axes broadcast; rank-0 operands are an error (use mul).',
};

/** How the property suite draws the op's inputs (apart from the record, so that bundles leave it out; ops/registry.ts joins it). */
export const matmulSpec: OpTestSpec<undefined> = { sample: drawMatmulPair };

/** Two stacks of matrices that multiply: batch axes broadcast (on one side or both), inner sizes agree, sometimes transposed. */
function drawMatmulPair(draw: Draw): { inputs: Tensor[]; attrs: undefined } {
  const [m, k, n] = draw.integers(3, 1, 4) as [number, number, number];
  const [batchA, batchB] = drawBroadcastPair(draw, drawShape(draw, 0, 2));
  // A transposed operand is stored [.., k, m] and read through swapped strides.
  const a = draw.integer(0, 1) === 1 ? drawTensor(draw, [...batchA, k, m]).transpose(-1, -2) : drawTensor(draw, [...batchA, m, k]);
  const b = draw.integer(0, 1) === 1 ? drawTensor(draw, [...batchB, n, k]).transpose(-1, -2) : drawTensor(draw, [...batchB, k, n]);
  return { inputs: [a, b], attrs: undefined };
}

/**
 * The matrix product of `a` and `b`: 1-D and 2-D as in NumPy, batched with broadcasting for
 * rank > 2. Rank-0 operands are rejected, as in NumPy (use `mul`).
 */
export function matmul(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = operands(a, b, 'matmul');
  if (ta.ndim === 0 || tb.ndim === 0) {
    throw new Error(`matmul: operands must have at least one axis, got shapes ${formatShape(ta.shape)} and ${formatShape(tb.shape)} (use mul for scalars)`);
  }
  const k = ta.shape[ta.ndim - 1]!;
  const kb = tb.shape[tb.ndim === 1 ? 0 : tb.ndim - 2]!;
  if (k !== kb) {
    throw new Error(`matmul: shapes ${formatShape(ta.shape)} and ${formatShape(tb.shape)} do not align (${k} != ${kb})`);
  }
  const left = ta.ndim === 1 ? ta.unsqueeze(0) : ta;
  const right = tb.ndim === 1 ? tb.unsqueeze(1) : tb;
  broadcastShapes(left.shape.slice(0, -2), right.shape.slice(0, -2), `matmul: batch axes of ${formatShape(ta.shape)} and ${formatShape(tb.shape)}`);
  let product = right.ndim === 2 && left.ndim > 2 ? foldedProduct(left, right) : apply(matmulOp, [left, right], undefined);
  if (ta.ndim === 1) product = product.squeeze(-2);
  if (tb.ndim === 1) product = product.squeeze(-1);
  return product;
}

/**
 * A stack of matrices times one matrix ([..., m, k] @ [k, n], as Dense's input times its weight) as
 * one product of [(...) * m, k] rows, as PyTorch folds it: one large product instead of one per
 * matrix of the stack, and the gradient of the right operand is then one product too, A^T dC over all
 * rows, instead of a stack of products that the engine must sum over the broadcast batch axes.
 */
function foldedProduct(left: Tensor, right: Tensor): Tensor {
  const rows = left.shape.slice(0, -1);
  const k = left.shape[left.ndim - 1]!;
  const flat = apply(matmulOp, [left.reshape([sizeOf(rows), k]), right], undefined);
  return flat.reshape([...rows, right.shape[1]!]);
}

/** The method form: `a.matmul(b)` is `matmul(a, b)`. (A function: see ops/methods.ts.) */
export function matmulMethods() {
  return {
    /** The matrix product: 1-D and 2-D as in NumPy, batched with broadcasting for rank > 2. */
    matmul(other: TensorLike): Tensor { return matmul(this, other); },
  } satisfies ThisType<Tensor>;
}
