/**
 * What the engine needs to fit a gradient to its input: summing a broadcast gradient back to the
 * input's shape, and casting it to the input's dtype. Both are recorded ops, so that with
 * `createGraph` the fitting itself is differentiable.
 */
import type { OpDoc, OpRecord } from '../op.js';
import type { OpTestSpec } from '../check/spec.js';
import { apply } from '../op.js';
import type { DType } from '../dtype.js';
import { allocate, checkDtype, INT32_MAX, INT32_MIN } from '../dtype.js';
import { describeValue } from '../describe-value.js';
import type { Shape } from '../shape.js';
import { copyKernel } from '../kernels/elementwise.js';
import { drawShape, drawTensor } from '../check/sampling.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { fromStorage, toTensor } from './creation.js';
import { sum } from './reduce.js';

export const castOp: OpRecord<DType> = {
  name: 'cast',
  forward([x], dtype) {
    if (dtype === 'int32' && x!.dtype !== 'int32') return truncateToInt32(x!);
    const out = allocate(dtype, x!.size);
    copyKernel(out, x!, x!.isContiguous);
    return fromStorage(out, x!.shape);
  },
  // The engine casts the gradient back to the input's dtype.
  backward: (grad) => [grad],
};

/** What docs/ops.md says of cast (apart from the record, so that bundles leave it out). */
export const castDoc: OpDoc = { torch: 'Tensor.to(dtype)', method: 'cast', notes: "The gradient is cast back to the input's dtype." };

/** How the property suite draws the op's inputs (apart from the record, so that bundles leave it out; ops/registry.ts joins it). */
export const castSpec: OpTestSpec<DType> = {
  // float64 to float32 or to float64: gradcheck perturbs the float64 side. A step of 2^-20 stays
  // exact through the rounding to float32 (x +- 2^-20 is x's float32 neighbour plus or minus 2^-20
  // for |x| < 4, except within 2^-20 of a power of two), in the second order too.
  sample: (draw) => ({ inputs: [drawTensor(draw, drawShape(draw))], attrs: draw.integer(0, 1) === 0 ? 'float64' : 'float32' }),
  // 2^-20 exactly, written as a literal: bundlers keep a table that holds an expression (2 ** -20).
  eps: 9.5367431640625e-7,
};

/**
 * `x` truncated toward zero into int32, as PyTorch's `x.to(torch.int32)`. NaN, +-Infinity and values
 * outside the int32 range are undefined behaviour in PyTorch: here they throw, naming the value and
 * its index.
 */
function truncateToInt32(x: Tensor): Tensor {
  const values = x.data();
  const out = allocate('int32', values.length, 'cast', x.shape);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const truncated = Math.trunc(v);
    if (!(truncated >= INT32_MIN && truncated <= INT32_MAX)) {
      const why = Number.isFinite(v) ? `is outside the int32 range [${INT32_MIN}, ${INT32_MAX}]` : 'cannot be converted to int32';
      throw new Error(`cast: ${describeValue(v)} at index [${unravelIndex(i, x.shape).join(',')}] ${why}`);
    }
    out[i] = truncated;
  }
  return fromStorage(out, x.shape);
}

/** The multi-index of the `flat`-th element of `shape` in row-major order. */
function unravelIndex(flat: number, shape: Shape): number[] {
  const index = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = flat % shape[axis]!;
    flat = Math.floor(flat / shape[axis]!);
  }
  return index;
}

/**
 * The same values in `dtype`. To int32 it truncates toward zero, as PyTorch's `x.to(torch.int32)`;
 * NaN, +-Infinity and values out of the int32 range throw, naming the value and its index. The
 * result of a cast to int32 records no graph: an int32 tensor never requires grad.
 */
export function castTo(operand: TensorLike, dtype: DType): Tensor {
  const x = toTensor(operand, 'cast');
  return apply(castOp, [x], checkDtype(dtype, 'cast'));
}

/**
 * Sums `grad` over the axes along which a tensor of `shape` was broadcast to `grad.shape`: the
 * leading extra axes and the axes where `shape` has 1. `mismatch` makes the error for a gradient
 * that no broadcast of `shape` can have produced.
 */
export function sumToShape(grad: Tensor, shape: Shape, mismatch: () => Error): Tensor {
  const lead = grad.ndim - shape.length;
  if (lead < 0) throw mismatch();
  const axes: number[] = [];
  for (let axis = 0; axis < grad.ndim; axis++) {
    const target = axis < lead ? 1 : shape[axis - lead]!;
    const dim = grad.shape[axis]!;
    if (axis < lead || (target === 1 && dim !== 1)) axes.push(axis);
    else if (target !== dim) throw mismatch();
  }
  return sum(grad, axes, true).reshape(shape);
}
