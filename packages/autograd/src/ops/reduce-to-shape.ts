/**
 * What the engine needs to fit a gradient to its input: summing a broadcast gradient back to the
 * input's shape, and casting it to the input's dtype. Both are recorded ops, so that with
 * `createGraph` the fitting itself is differentiable.
 */
import type { BuiltinOp, OpDoc } from '../op.js';
import { apply } from '../op.js';
import type { DType } from '../dtype.js';
import { allocate, checkDtype } from '../dtype.js';
import type { Shape } from '../shape.js';
import { copyKernel } from '../kernels/elementwise.js';
import { drawShape, drawTensor } from '../check/sampling.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { fromStorage, toTensor } from './creation.js';
import { sum } from './reduce.js';

export const castOp: BuiltinOp<DType> = {
  name: 'cast',
  forward([x], dtype) {
    const out = allocate(dtype, x!.size);
    copyKernel(out, x!, x!.isContiguous);
    return fromStorage(out, x!.shape);
  },
  // The engine casts the gradient back to the input's dtype.
  backward: (grad) => [grad],
  // float64 to float32 or to float64: gradcheck perturbs the float64 side. A step of 2^-20 stays
  // exact through the rounding to float32 (x +- 2^-20 is x's float32 neighbour plus or minus 2^-20
  // for |x| < 4, except within 2^-20 of a power of two), in the second order too.
  spec: {
    sample: (draw) => ({ inputs: [drawTensor(draw, drawShape(draw))], attrs: draw.integer(0, 1) === 0 ? 'float64' : 'float32' }),
    eps: 2 ** -20,
  },
};

/** What docs/ops.md says of cast (apart from the record, so that bundles leave it out). */
export const castDoc: OpDoc = { torch: 'Tensor.to(dtype)', method: 'cast', notes: "The gradient is cast back to the input's dtype." };

/** The same values in `dtype`. */
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
