/** Joining tensors: concat along an existing axis (a primitive), stack along a new one (built on it). */
import type { BuiltinOp, OpDoc } from '../op.js';
import { apply } from '../op.js';
import { allocate, promoteDtypes } from '../dtype.js';
import { contiguousStrides, formatShape, normalizeAxis, sizeOf } from '../shape.js';
import { assignKernel } from '../kernels/elementwise.js';
import { drawShape, drawTensor } from '../check/sampling.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { describeValue } from '../describe-value.js';
import { dtypeAmong, fromStorage, toTensor } from './creation.js';
import { unsqueeze } from './view.js';

export const concatOp: BuiltinOp<number> = {
  name: 'concat',
  forward(inputs, axis) {
    const first = inputs[0]!;
    const shape = [...first.shape];
    shape[axis] = inputs.reduce((total, t) => total + t.shape[axis]!, 0);
    const dtype = inputs.reduce((d, t) => promoteDtypes(d, t.dtype), first.dtype);
    const out = allocate(dtype, sizeOf(shape));
    const strides = contiguousStrides(shape);
    let offset = 0;
    for (const t of inputs) {
      assignKernel({ storage: out, shape: t.shape, strides, offset }, t);
      offset += t.shape[axis]! * strides[axis]!;
    }
    return fromStorage(out, shape);
  },
  backward(grad, { inputs, attrs: axis, needsInputGrad }) {
    let position = 0;
    return inputs.map((t, i) => {
      const start = t.shape.map((_, a) => (a === axis ? position : 0));
      const end = t.shape.map((dim, a) => (a === axis ? position + dim : grad.shape[a]!));
      position += t.shape[axis]!;
      return needsInputGrad[i] ? grad.slice(start, end) : null;
    });
  },
  spec: {
    sample(draw) {
      const shape = drawShape(draw, 1);
      const axis = draw.integer(0, shape.length - 1);
      const count = draw.integer(1, 3);
      const inputs = Array.from({ length: count }, () => {
        const own = [...shape];
        own[axis] = draw.integer(1, 3);
        return drawTensor(draw, own);
      });
      return { inputs, attrs: axis };
    },
  },
};

/** What docs/ops.md says of concat (apart from the record, so that bundles leave it out). */
export const concatDoc: OpDoc = { torch: 'torch.cat', notes: 'Dtypes promote; one tensor alone is returned as it is.' };

/** A non-empty list of operands as tensors: each number takes the dtype of the tensors among them. */
function operandList(operands: readonly TensorLike[], op: string): Tensor[] {
  if (!Array.isArray(operands as unknown) || operands.length === 0) {
    throw new Error(`${op}: expected a non-empty array of tensors, got ${describeValue(operands)}`);
  }
  const dtype = dtypeAmong(operands);
  return operands.map((operand, i) => toTensor(operand, `${op}: element ${i}`, dtype));
}

/** Joins tensors along an existing axis; all other axes must agree. */
export function concat(operands: readonly TensorLike[], axis = 0): Tensor {
  const tensors = operandList(operands, 'concat');
  const first = tensors[0]!;
  const normalized = normalizeAxis(axis, first.ndim, 'concat');
  tensors.forEach((t, i) => {
    const agrees = t.ndim === first.ndim && t.shape.every((dim, a) => a === normalized || dim === first.shape[a]);
    if (!agrees) {
      throw new Error(
        `concat: tensor ${i} has shape ${formatShape(t.shape)}, which does not match ${formatShape(first.shape)} outside axis ${axis}`,
      );
    }
  });
  if (tensors.length === 1) return first;
  return apply(concatOp, tensors, normalized);
}

/** Joins tensors of one shape along a new axis. */
export function stack(operands: readonly TensorLike[], axis = 0): Tensor {
  const tensors = operandList(operands, 'stack');
  const first = tensors[0]!;
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || !t.shape.every((dim: number, a: number) => dim === first.shape[a])) {
      throw new Error(`stack: tensor ${i} has shape ${formatShape(t.shape)}, expected ${formatShape(first.shape)} like tensor 0`);
    }
  });
  const position = normalizeAxis(axis, first.ndim + 1, 'stack');
  return apply(concatOp, tensors.map((t) => unsqueeze(t, position)), position);
}
