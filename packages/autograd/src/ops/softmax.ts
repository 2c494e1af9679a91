/**
 * softmax and logSoftmax: primitives with a fused kernel (../kernels/softmax.ts), whose values are
 * those of the chain x - max(x), exp, sum, log (or divide), bit for bit in float64 and within a
 * float32 ulp in float32 (a polynomial exp there), in one node of the graph instead of five. Shifting by the maximum keeps exp from overflowing at logits of +-1e4, and working
 * on the shifted values, not on x - logSumExp(x), keeps float32 precision when the logits are large.
 * The shift is the maximum even when it is infinite, as in PyTorch: a line holding NaN or +Infinity,
 * or only -Infinity, gives NaN all along it (logSumExp, as PyTorch's, shifts by 0 there instead).
 *
 * Their rules are PyTorch's, written with tensor ops so that they differentiate again:
 *   logSoftmax: dx = g - exp(y) * sum(g)        softmax: dx = y * (g - sum(g * y))
 * with y the output and the sums along the axis.
 */
import type { Tensor, TensorLike } from '../tensor.js';
import type { OpDocs, OpRecord, OpSpecs } from '../op.js';
import { apply } from '../op.js';
import { allocate } from '../dtype.js';
import { formatShape, normalizeAxis, sizeOf } from '../shape.js';
import { softmaxKernel } from '../kernels/softmax.js';
import { drawShape, drawTensor } from '../check/sampling.js';
import type { Draw } from '../check/spec.js';
import { contiguousData, fromStorage, toTensor } from './creation.js';

/** The axis, normalized (0 <= axis < rank). */
export interface SoftmaxAttrs {
  axis: number;
}

function softmaxForward(x: Tensor, { axis }: SoftmaxAttrs, log: boolean): Tensor {
  const data = x.isContiguous ? x.storage.subarray(x.offset, x.offset + x.size) : contiguousData(x);
  const out = allocate(x.dtype, x.size);
  softmaxKernel(out, data, sizeOf(x.shape.slice(0, axis)), x.shape[axis]!, sizeOf(x.shape.slice(axis + 1)), log);
  return fromStorage(out, x.shape);
}

function drawSoftmax(draw: Draw): { inputs: Tensor[]; attrs: SoftmaxAttrs } {
  const x = drawTensor(draw, drawShape(draw, 1));
  return { inputs: [x], attrs: { axis: draw.integer(0, x.ndim - 1) } };
}

export const softmaxOps = {
  softmax: {
    name: 'softmax',
    forward: ([x], attrs) => softmaxForward(x!, attrs, false),
    backward: (grad, { output, attrs: { axis } }) => [output.mul(grad.sub(grad.mul(output).sum(axis, true)))],
  } satisfies OpRecord<SoftmaxAttrs>,
  logSoftmax: {
    name: 'logSoftmax',
    forward: ([x], attrs) => softmaxForward(x!, attrs, true),
    backward: (grad, { output, attrs: { axis } }) => [grad.sub(output.exp().mul(grad.sum(axis, true)))],
  } satisfies OpRecord<SoftmaxAttrs>,
};

/** What docs/ops.md says of softmax and logSoftmax (apart from the records, so that bundles leave it out). */
export const softmaxDocs = {
  softmax: {
    torch: 'torch.softmax',
    method: 'softmax',
    dtypes: ['float32', 'float64'],
    notes: 'Shifted by the maximum: no overflow at logits of +-1e4. A line holding NaN or +Infinity, or only -Infinity, is NaN all along ' +
      "(the shift is the maximum, as PyTorch's).",
  },
  logSoftmax: {
    torch: 'torch.log_softmax',
    method: 'logSoftmax',
    dtypes: ['float32', 'float64'],
    notes: 'Computed without forming softmax. A line holding NaN or +Infinity, or only -Infinity, is NaN all along ' +
      "(the shift is the maximum, as PyTorch's).",
  },
} satisfies OpDocs<typeof softmaxOps>;

/** How the property suite draws each op's inputs (a table apart from the records, so that bundles leave it out; ops/registry.ts joins them). */
export const softmaxSpecs = {
  softmax: { sample: drawSoftmax },
  logSoftmax: { sample: drawSoftmax },
} satisfies OpSpecs<typeof softmaxOps>;

/** softmax and logSoftmax take float tensors only, as PyTorch's (which has no int32 kernel). */
function floatOperand(operand: TensorLike, op: string): Tensor {
  const x = toTensor(operand, op);
  if (x.dtype === 'int32') throw new Error(`${op}: takes a float tensor, got an int32 tensor of shape ${formatShape(x.shape)}; cast it first`);
  return x;
}

/** exp(x) / sum(exp(x)) along `axis` (default the last). */
export function softmax(operand: TensorLike, axis = -1): Tensor {
  const x = floatOperand(operand, 'softmax');
  return apply(softmaxOps.softmax, [x], { axis: normalizeAxis(axis, x.ndim, 'softmax') });
}

/** log(softmax(x)) along `axis` (default the last), computed without forming softmax. */
export function logSoftmax(operand: TensorLike, axis = -1): Tensor {
  const x = floatOperand(operand, 'logSoftmax');
  return apply(softmaxOps.logSoftmax, [x], { axis: normalizeAxis(axis, x.ndim, 'logSoftmax') });
}

/** The method forms: `x.softmax(axis)` is `softmax(x, axis)`. (A function: see ops/methods.ts.) */
export function softmaxMethods() {
  return {
    /** exp(x) / sum(exp(x)) along `axis` (default the last). */
    softmax(axis = -1): Tensor { return softmax(this, axis); },
    /** log(softmax(x)) along `axis` (default the last), computed without forming softmax. */
    logSoftmax(axis = -1): Tensor { return logSoftmax(this, axis); },
  } satisfies ThisType<Tensor>;
}
