/**
 * Reductions over any set of axes (`axis` undefined means all), with `keepDims`. sum, max and min
 * are primitives; mean and logSumExp are built from them.
 */
import type { OpDocs, OpRecord, OpSpecs } from '../op.js';
import { apply } from '../op.js';
import { allocate, floatDtype } from '../dtype.js';
import type { Shape } from '../shape.js';
import { contiguousStrides, formatShape, normalizeAxes, sizeOf } from '../shape.js';
import type { Reduction } from '../kernels/reduce.js';
import { reduceKernel } from '../kernels/reduce.js';
import { sumWasm } from '../kernels/wasm/elementwise.js';
import { runsOnWasm } from '../backend.js';
import type { Draw } from '../check/spec.js';
import { drawAxes, drawShape, drawTensor } from '../check/sampling.js';
import type { Domain } from '../check/sampling.js';
import type { Axis, Tensor, TensorLike } from '../tensor.js';
import { fromStorage, toTensor } from './creation.js';
import { mapUnary } from './pointwise.js';
import { eq, ne } from './compare.js';

/** The normalised arguments of a reduction. */
export interface ReduceAttrs {
  /** Sorted, non-negative axes to reduce. */
  axes: number[];
  keepDims: boolean;
}

/** The input's shape with each reduced axis set to 1. */
export function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((dim, axis) => (axes.includes(axis) ? 1 : dim));
}

function outputShape(shape: Shape, { axes, keepDims }: ReduceAttrs): number[] {
  return keepDims ? keptShape(shape, axes) : shape.filter((_, axis) => !axes.includes(axis));
}

/**
 * From this many elements a sum runs on WebAssembly under the 'auto' backend (see `sumWasm`).
 * Measured (float32, Node 20; JS kernel / WebAssembly): [8, 64] over axis 0 6.3 / 3.5 us, [128, 10]
 * over axis 1 20.6 / 9.8, [128, 256] over axis 0 197 / 33; a full sum of 4096 17.4 / 18.2 (a single
 * sum runs in sequence either way).
 */
const WASM_SUM_MIN = 256;

function reduceForward(x: Tensor, attrs: ReduceAttrs, reduction: Reduction, op: string): Tensor {
  const kept = keptShape(x.shape, attrs.axes);
  if (reduction !== 'sum' && x.size === 0 && attrs.axes.some((axis) => x.shape[axis] === 0)) {
    throw new Error(`${op}: cannot reduce an empty axis of shape ${formatShape(x.shape)} (the result has no value)`);
  }
  // Output strides seen from the input: 0 along reduced axes, so a whole group lands in one slot.
  const outStrides = contiguousStrides(kept).map((stride, axis) => (attrs.axes.includes(axis) ? 0 : stride));
  const out = allocate(x.dtype, sizeOf(kept));
  const onWasm = reduction === 'sum' && runsOnWasm(x.size >= WASM_SUM_MIN) && sumWasm(out, x, x.isContiguous, attrs.axes);
  if (!onWasm) reduceKernel(out, x, outStrides, reduction);
  return fromStorage(out, outputShape(x.shape, attrs));
}

/** Brings a reduced gradient back to the input's shape: reinsert the reduced axes, then broadcast. */
function spreadBack(grad: Tensor, input: Tensor, axes: readonly number[]): Tensor {
  return grad.reshape(keptShape(input.shape, axes)).expand(input.shape);
}

function drawReduction(draw: Draw, domain: Domain): { inputs: Tensor[]; attrs: ReduceAttrs } {
  const shape = drawShape(draw);
  const x = drawTensor(draw, shape, domain);
  return { inputs: [x], attrs: { axes: normalizeAxes(drawAxes(draw, shape.length), shape.length, 'sample'), keepDims: draw.integer(0, 1) === 1 } };
}

/**
 * max and min: the gradient goes to the elements equal to the result, split evenly between ties
 * (PyTorch's convention for full reductions).
 */
function extremumOp(name: 'max' | 'min'): OpRecord<ReduceAttrs> {
  return {
    name,
    forward: ([x], attrs) => reduceForward(x!, attrs, name, name),
    backward(grad, { inputs: [x], output, attrs }) {
      const result = spreadBack(output, x!, attrs.axes);
      // A NaN result came from the NaN elements: they share the gradient, as in PyTorch.
      const winners = eq(x!, result).add(ne(x!, x!).mul(ne(result, result)));
      const ties = winners.sum(attrs.axes, true);
      return [spreadBack(grad, x!, attrs.axes).mul(winners.div(ties))];
    },
  };
}

export const reduceOps = {
  sum: {
    name: 'sum',
    forward: ([x], attrs) => reduceForward(x!, attrs, 'sum', 'sum'),
    backward: (grad, { inputs: [x], attrs }) => [spreadBack(grad, x!, attrs.axes)],
  } satisfies OpRecord<ReduceAttrs>,
  max: extremumOp('max'),
  min: extremumOp('min'),
};

const extremumNotes = 'Ties split the gradient evenly (as torch.amax and amin; torch.max(x, dim) gives it all to one index). ' +
  'A NaN in a line gives NaN, and the NaN elements share the gradient. An empty axis is an error.';

/** What docs/ops.md says of each reduction (apart from the records, so that bundles leave it out). */
export const reduceDocs = {
  sum: { torch: 'torch.sum', method: 'sum', notes: 'The sum over an empty axis is 0.' },
  max: { torch: 'torch.amax', method: 'max', notes: extremumNotes },
  min: { torch: 'torch.amin', method: 'min', notes: extremumNotes },
} satisfies OpDocs<typeof reduceOps>;

/** How the property suite draws each op's inputs (a table apart from the records, so that bundles leave it out; ops/registry.ts joins them). */
export const reduceSpecs = {
  sum: { sample: (draw) => drawReduction(draw, 'uniform') },
  max: { sample: (draw) => drawReduction(draw, 'distinct') },
  min: { sample: (draw) => drawReduction(draw, 'distinct') },
} satisfies OpSpecs<typeof reduceOps>;

function reduceWith(op: OpRecord<ReduceAttrs>, operand: TensorLike, axis: Axis | undefined, keepDims: boolean): Tensor {
  const x = toTensor(operand, op.name);
  return apply(op, [x], { axes: normalizeAxes(axis, x.ndim, op.name), keepDims });
}

/** The sum over `axis` (all axes when undefined). An int32 sum stays int32 and wraps (PyTorch's is int64). */
export const sum = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => reduceWith(reduceOps.sum, x, axis, keepDims);
/** The largest element over `axis`; the gradient is split evenly between tied maxima. */
export const max = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => reduceWith(reduceOps.max, x, axis, keepDims);
/** The smallest element over `axis`; the gradient is split evenly between tied minima. */
export const min = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => reduceWith(reduceOps.min, x, axis, keepDims);

/** The mean over `axis` (all axes when undefined): the sum divided by the number of elements summed. */
export function mean(operand: TensorLike, axis?: Axis, keepDims = false): Tensor {
  const x = toTensor(operand, 'mean');
  if (x.dtype === 'int32') {
    throw new Error(`mean: an int32 tensor of shape ${formatShape(x.shape)} has no mean of its dtype, as in PyTorch; cast it to a float dtype first`);
  }
  const axes = normalizeAxes(axis, x.ndim, 'mean');
  let count = 1;
  for (const a of axes) count *= x.shape[a]!;
  return sum(x, axes, keepDims).div(count);
}

/**
 * x minus its maximum over `axes` (kept as size-1 axes), the shift that keeps exp from overflowing.
 * The maximum is a constant (detached): in logSumExp its derivative terms cancel exactly. An infinite
 * maximum shifts by 0, as in PyTorch's logsumexp, so that a row of -Infinity gives -Infinity (not
 * -Infinity - -Infinity = NaN) and a row holding +Infinity gives +Infinity; a NaN maximum stays.
 */
export function shiftByMax(x: Tensor, axes: readonly number[]): { shifted: Tensor; shift: Tensor } {
  const shift = mapUnary(max(x.detach(), axes, true), (m) => (m === Infinity || m === -Infinity ? 0 : m));
  return { shifted: x.sub(shift), shift };
}

/**
 * log(sum(exp(x))) over `axis`, computed as m + log(sum(exp(x - m))) with m the maximum, so it
 * neither overflows at large inputs nor underflows to -Infinity at very negative ones.
 */
export function logSumExp(operand: TensorLike, axis?: Axis, keepDims = false): Tensor {
  const given = toTensor(operand, 'logSumExp');
  // As PyTorch's: int32 is computed in the default float dtype.
  const x = given.dtype === 'int32' ? given.cast(floatDtype('int32')) : given;
  const axes = normalizeAxes(axis, x.ndim, 'logSumExp');
  const { shifted, shift } = shiftByMax(x, axes);
  const result = shifted.exp().sum(axes, true).log().add(shift);
  return keepDims ? result : result.reshape(outputShape(x.shape, { axes, keepDims }));
}

/** The method forms of the reductions: `x.sum(axis)` is `sum(x, axis)`. (A function: see ops/methods.ts.) */
export function reduceMethods() {
  return {
    /** The sum over `axis` (all axes when undefined). */
    sum(axis?: Axis, keepDims = false): Tensor { return sum(this, axis, keepDims); },
    /** The mean over `axis` (all axes when undefined). */
    mean(axis?: Axis, keepDims = false): Tensor { return mean(this, axis, keepDims); },
    /** The largest element over `axis`; the gradient is split evenly between tied maxima. */
    max(axis?: Axis, keepDims = false): Tensor { return max(this, axis, keepDims); },
    /** The smallest element over `axis`; the gradient is split evenly between tied minima. */
    min(axis?: Axis, keepDims = false): Tensor { return min(this, axis, keepDims); },
    /** log(sum(exp(x))) over `axis`, without overflow or underflow. */
    logSumExp(axis?: Axis, keepDims = false): Tensor { return logSumExp(this, axis, keepDims); },
  } satisfies ThisType<Tensor>;
}
