/**
 * Shape ops. reshape (when the strides allow, as PyTorch), permute, expand and slice are views: they share the
 * input's storage and only change shape, strides and offset. squeeze, unsqueeze and transpose are
 * built on reshape and permute. `pad` is slice's adjoint (its backward), zero-filled around the input.
 */
import type { OpDocs, OpRecord, OpSpecs } from '../op.js';
import { apply } from '../op.js';
import { allocate } from '../dtype.js';
import type { Shape } from '../shape.js';
import {
  checkShape, contiguousStrides, formatShape, normalizeAxes, normalizeAxis, SCALAR_SHAPE, shapesEqual, sizeOf,
} from '../shape.js';
import { assignKernel } from '../kernels/elementwise.js';
import type { Draw } from '../check/spec.js';
import { drawShape, drawTensor } from '../check/sampling.js';
import { Tensor, type Axis, type TensorLike } from '../tensor.js';
import { contiguous, fromStorage, toTensor } from './creation.js';
import { describeValue } from '../describe-value.js';

/**
 * The strides of `shape` as a view of a tensor of shape `from` and strides `strides` (the same
 * elements in the same row-major order), or null when no strides give that, PyTorch's
 * computeStride: the input's axes fall into runs that are contiguous among themselves, and each
 * run must be split or merged into whole axes of the new shape.
 */
export function viewStrides(from: readonly number[], strides: readonly number[], shape: readonly number[]): number[] | null {
  if (from.length === 0 || sizeOf(from) === 0) return null;
  const out = new Array<number>(shape.length);
  let target = shape.length - 1;
  let base = strides[from.length - 1]!;
  let runSize = 1;
  let viewSize = 1;
  for (let axis = from.length - 1; axis >= 0; axis--) {
    runSize *= from[axis]!;
    // A run ends at the first axis, or where the next axis out does not continue it.
    if (axis === 0 || (from[axis - 1] !== 1 && strides[axis - 1] !== runSize * base)) {
      while (target >= 0 && (viewSize < runSize || shape[target] === 1)) {
        out[target] = viewSize * base;
        viewSize *= shape[target]!;
        target--;
      }
      if (viewSize !== runSize) return null;
      if (axis > 0) {
        base = strides[axis - 1]!;
        runSize = 1;
        viewSize = 1;
      }
    }
  }
  return target === -1 ? out : null;
}

/** A view of `x`'s storage with another shape and strides. */
function view(x: Tensor, shape: Shape, strides: readonly number[], offset = x.offset): Tensor {
  return new Tensor(x.storage, shape.length === 0 ? SCALAR_SHAPE : shape, strides, offset);
}

/** A random permutation of 0..n-1 (Fisher-Yates on drawn integers). */
function drawPermutation(draw: Draw, n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = draw.integer(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

export interface SliceAttrs {
  start: number[];
  end: number[];
}

export interface PadAttrs {
  before: number[];
  after: number[];
}

export const viewOps = {
  // The same elements as a new tensor: a distinct point in the graph to differentiate with respect to.
  alias: {
    name: 'alias',
    forward: ([x]) => view(x!, x!.shape, x!.strides),
    backward: (grad) => [grad],
  } satisfies OpRecord,

  reshape: {
    name: 'reshape',
    forward([x], shape) {
      // A view whenever the strides allow it (splitting an axis of a slice, as the heads of a
      // packed attention projection), as PyTorch's reshape; a copy otherwise.
      const strides = x!.isContiguous ? null : viewStrides(x!.shape, x!.strides, shape);
      if (strides !== null) return view(x!, shape, strides);
      const source = contiguous(x!);
      return view(source, shape, contiguousStrides(shape));
    },
    backward: (grad, { inputs: [x] }) => [grad.reshape(x!.shape)],
  } satisfies OpRecord<readonly number[]>,

  permute: {
    name: 'permute',
    forward: ([x], axes) => view(x!, axes.map((a) => x!.shape[a]!), axes.map((a) => x!.strides[a]!)),
    backward(grad, { attrs: axes }) {
      const inverse = new Array<number>(axes.length);
      axes.forEach((axis, i) => (inverse[axis] = i));
      return [grad.permute(inverse)];
    },
  } satisfies OpRecord<readonly number[]>,

  expand: {
    name: 'expand',
    forward([x], shape) {
      const lead = shape.length - x!.ndim;
      const strides = shape.map((dim, axis) => {
        if (axis < lead) return 0;
        return x!.shape[axis - lead] === dim ? x!.strides[axis - lead]! : 0;
      });
      return view(x!, shape, strides);
    },
    // The engine sums the full-shape gradient back to the input's shape.
    backward: (grad) => [grad],
  } satisfies OpRecord<readonly number[]>,

  slice: {
    name: 'slice',
    forward([x], { start, end }) {
      let offset = x!.offset;
      for (let axis = 0; axis < start.length; axis++) offset += start[axis]! * x!.strides[axis]!;
      return view(x!, start.map((s, axis) => end[axis]! - s), x!.strides, offset);
    },
    backward: (grad, { inputs: [x], attrs: { start, end } }) =>
      [pad(grad, start, x!.shape.map((dim, axis) => dim - end[axis]!))],
  } satisfies OpRecord<SliceAttrs>,

  pad: {
    name: 'pad',
    forward([x], { before, after }) {
      const shape = x!.shape.map((dim, axis) => before[axis]! + dim + after[axis]!);
      const out = allocate(x!.dtype, sizeOf(shape));
      const strides = contiguousStrides(shape);
      const offset = before.reduce((sum, b, axis) => sum + b * strides[axis]!, 0);
      assignKernel({ storage: out, shape: x!.shape, strides, offset }, x!);
      return fromStorage(out, shape);
    },
    backward: (grad, { inputs: [x], attrs: { before } }) =>
      [grad.slice(before, before.map((b, axis) => b + x!.shape[axis]!))],
  } satisfies OpRecord<PadAttrs>,
};

/** What docs/ops.md says of each shape op (apart from the records, so that bundles leave it out). */
export const viewDocs = {
  alias: { torch: 'Tensor.view_as(x)', internal: true },
  reshape: { torch: 'torch.reshape', method: 'reshape', notes: 'One -1 is inferred. A view whenever the strides allow (as in PyTorch: a contiguous tensor, or a slice or permutation whose regrouped axes stay contiguous), else a copy.' },
  permute: { torch: 'torch.permute', method: 'permute', notes: 'A view.' },
  expand: { torch: 'Tensor.expand', method: 'expand', notes: 'A view (stride 0 on broadcast axes); the gradient is summed back.' },
  slice: {
    torch: 'x[a:b, c:d]',
    method: 'slice',
    notes: 'A view; one start and end per axis, end exclusive, negative indices from the end; an index outside the axis is an error ' +
      '(nothing is clamped).',
  },
  pad: { torch: 'torch.nn.functional.pad', notes: "Zeros only (constant mode), before and after each axis; slice's adjoint." },
} satisfies OpDocs<typeof viewOps>;

/** How the property suite draws each op's inputs (a table apart from the records, so that bundles leave it out; ops/registry.ts joins them). */
export const viewSpecs = {
  alias: { sample: (draw) => ({ inputs: [drawTensor(draw, drawShape(draw))], attrs: undefined }) },
  reshape: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw));
      // Half the time read a transposed (non-contiguous) input, which reshape must copy.
      const input = x.ndim >= 2 && draw.integer(0, 1) === 1 ? x.transpose(0, 1) : x;
      // The target: the input's dimensions in a shuffled order (the same number of elements).
      const shape = drawPermutation(draw, input.ndim).map((axis) => input.shape[axis]!);
      return { inputs: [input], attrs: shape };
    },
  },
  permute: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw));
      return { inputs: [x], attrs: drawPermutation(draw, x.ndim) };
    },
  },
  expand: {
    sample(draw) {
      const target = drawShape(draw);
      const dropped = draw.integer(0, target.length);
      const ones = draw.integers(target.length - dropped, 0, 1);
      const shape = target.slice(dropped).map((dim, i) => (ones[i] === 1 ? 1 : dim));
      return { inputs: [drawTensor(draw, shape)], attrs: target };
    },
  },
  slice: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw));
      const start = x.shape.map((dim) => draw.integer(0, dim - 1));
      const end = x.shape.map((dim, axis) => draw.integer(start[axis]! + 1, dim));
      return { inputs: [x], attrs: { start, end } };
    },
  },
  pad: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw));
      return { inputs: [x], attrs: { before: draw.integers(x.ndim, 0, 2), after: draw.integers(x.ndim, 0, 2) } };
    },
  },
} satisfies OpSpecs<typeof viewOps>;

/** Resolves a target shape with at most one -1 (inferred) against `size` elements. */
function resolveReshape(x: Tensor, shape: readonly number[]): number[] {
  if (!Array.isArray(shape as unknown)) throw new Error(`reshape: shape must be an array, got ${describeValue(shape)}`);
  const inferred = shape.filter((dim) => dim === -1).length;
  if (inferred > 1) throw new Error(`reshape: only one dimension can be -1, got ${formatShape(shape)}`);
  const known = shape.filter((dim) => dim !== -1);
  checkShape(known, 'reshape');
  const knownSize = sizeOf(known);
  const resolved = shape.map((dim) => (dim === -1 ? (knownSize === 0 ? 0 : x.size / knownSize) : dim));
  if (!resolved.every(Number.isInteger) || sizeOf(resolved) !== x.size) {
    throw new Error(`reshape: cannot reshape a tensor of shape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)}`);
  }
  return resolved;
}

/** The same elements in row-major order, laid out in `shape` (one -1 is inferred). A view when `x` is contiguous. */
export function reshape(operand: TensorLike, shape: readonly number[]): Tensor {
  const x = toTensor(operand, 'reshape');
  const resolved = resolveReshape(x, shape);
  if (shapesEqual(resolved, x.shape)) return x;
  return apply(viewOps.reshape, [x], resolved);
}

/** Reorders the axes: axis i of the result is axis `axes[i]` of `x`. A view. */
export function permute(operand: TensorLike, axes: readonly number[]): Tensor {
  const x = toTensor(operand, 'permute');
  if (!Array.isArray(axes as unknown) || axes.length !== x.ndim) {
    throw new Error(`permute: expected ${x.ndim} axes for shape ${formatShape(x.shape)}, got ${JSON.stringify(axes)}`);
  }
  const normalized = axes.map((axis) => normalizeAxis(axis, x.ndim, 'permute'));
  if (new Set(normalized).size !== normalized.length) {
    throw new Error(`permute: ${JSON.stringify(axes)} is not a permutation of the ${x.ndim} axes`);
  }
  return apply(viewOps.permute, [x], normalized);
}

/** Swaps two axes (by default the last two). A view. */
export function transpose(operand: TensorLike, dim0 = -2, dim1 = -1): Tensor {
  const x = toTensor(operand, 'transpose');
  const a = normalizeAxis(dim0, x.ndim, 'transpose');
  const b = normalizeAxis(dim1, x.ndim, 'transpose');
  const axes = Array.from({ length: x.ndim }, (_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, axes);
}

/**
 * Broadcasts `x` to `shape` without copying (stride 0 along repeated axes). Only axes of size 1 can
 * grow; new leading axes may be added. A -1 keeps the input's size on that axis.
 */
export function expand(operand: TensorLike, shape: readonly number[]): Tensor {
  const x = toTensor(operand, 'expand');
  if (!Array.isArray(shape as unknown) || shape.length < x.ndim) {
    throw new Error(`expand: cannot expand shape ${formatShape(x.shape)} to ${JSON.stringify(shape)} (fewer dimensions)`);
  }
  const lead = shape.length - x.ndim;
  const target = shape.map((dim, axis) => (dim === -1 && axis >= lead ? x.shape[axis - lead]! : dim));
  checkShape(target, 'expand');
  target.forEach((dim, axis) => {
    const own = axis < lead ? 1 : x.shape[axis - lead]!;
    if (own !== dim && own !== 1) {
      throw new Error(`expand: cannot expand shape ${formatShape(x.shape)} to ${formatShape(shape)} (axis ${axis}: ${own} to ${dim}; only size-1 axes grow)`);
    }
  });
  if (shapesEqual(target, x.shape)) return x;
  return apply(viewOps.expand, [x], target);
}

/** Removes size-1 axes: all of them, or the given ones (each must have size 1). */
export function squeeze(operand: TensorLike, axis?: Axis): Tensor {
  const x = toTensor(operand, 'squeeze');
  const axes = axis === undefined ? x.shape.flatMap((dim, a) => (dim === 1 ? [a] : [])) : normalizeAxes(axis, x.ndim, 'squeeze');
  for (const a of axes) {
    if (x.shape[a] !== 1) {
      throw new Error(`squeeze: axis ${a} of shape ${formatShape(x.shape)} has size ${x.shape[a]}; only size-1 axes can be squeezed`);
    }
  }
  return reshape(x, x.shape.filter((_, a) => !axes.includes(a)));
}

/** Inserts a size-1 axis at `axis` (in [-(rank+1), rank]). */
export function unsqueeze(operand: TensorLike, axis: number): Tensor {
  const x = toTensor(operand, 'unsqueeze');
  const position = normalizeAxis(axis, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(position, 0, 1);
  return reshape(x, shape);
}

/**
 * The block from `start` (inclusive) to `end` (exclusive) along every axis, as a view. Negative
 * indices count from the end; indices outside the axis throw (nothing is clamped); start == end
 * gives an empty axis.
 */
export function slice(operand: TensorLike, start: readonly number[], end: readonly number[]): Tensor {
  const x = toTensor(operand, 'slice');
  if (!Array.isArray(start as unknown) || !Array.isArray(end as unknown) || start.length !== x.ndim || end.length !== x.ndim) {
    throw new Error(
      `slice: start and end need one entry per axis of shape ${formatShape(x.shape)}, got ${JSON.stringify(start)} and ${JSON.stringify(end)}`,
    );
  }
  const resolve = (index: number, axis: number, isEnd: boolean): number => {
    const dim = x.shape[axis]!;
    const resolved = index < 0 ? index + dim : index;
    if (!Number.isInteger(index) || resolved < 0 || resolved > dim) {
      throw new Error(`slice: ${isEnd ? 'end' : 'start'} index ${index} is out of range for axis ${axis} of size ${dim} in shape ${formatShape(x.shape)}`);
    }
    return resolved;
  };
  const from = start.map((s, axis) => resolve(s, axis, false));
  const to = end.map((e, axis) => resolve(e, axis, true));
  from.forEach((s, axis) => {
    if (to[axis]! < s) {
      throw new Error(`slice: end ${end[axis]} comes before start ${start[axis]} on axis ${axis} of shape ${formatShape(x.shape)}`);
    }
  });
  if (from.every((s) => s === 0) && to.every((e, axis) => e === x.shape[axis])) return x;
  return apply(viewOps.slice, [x], { start: from, end: to });
}

/** Zero-pads `x` with `before[i]` and `after[i]` elements on each side of axis i. */
export function pad(operand: TensorLike, before: readonly number[], after: readonly number[]): Tensor {
  const x = toTensor(operand, 'pad');
  const valid = (list: readonly number[]): boolean =>
    Array.isArray(list as unknown) && list.length === x.ndim && list.every((n) => Number.isInteger(n) && n >= 0);
  if (!valid(before) || !valid(after)) {
    throw new Error(`pad: before and after need one non-negative integer per axis of shape ${formatShape(x.shape)}, got ${JSON.stringify(before)} and ${JSON.stringify(after)}`);
  }
  if (before.every((n) => n === 0) && after.every((n) => n === 0)) return x;
  return apply(viewOps.pad, [x], { before: [...before], after: [...after] });
}

/**
 * A new tensor with `x`'s elements (a view) that the graph records as a function of `x`, so that
 * gradients can be taken with respect to it separately from `x` itself.
 */
export function alias(x: Tensor): Tensor {
  return apply(viewOps.alias, [x], undefined);
}

/** The method forms of the shape ops: `x.reshape(shape)` is `reshape(x, shape)`. (A function: see ops/methods.ts.) */
export function viewMethods() {
  return {
    /** The same elements in row-major order, laid out in `shape` (one -1 is inferred). A view when contiguous. */
    reshape(shape: readonly number[]): Tensor { return reshape(this, shape); },
    /** Swaps two axes (by default the last two). A view. */
    transpose(dim0 = -2, dim1 = -1): Tensor { return transpose(this, dim0, dim1); },
    /** Reorders the axes: axis i of the result is axis `axes[i]`. A view. */
    permute(axes: readonly number[]): Tensor { return permute(this, axes); },
    /** Broadcasts to `shape` (NumPy rules) without copying. */
    expand(shape: readonly number[]): Tensor { return expand(this, shape); },
    /** Removes size-1 axes: the given ones, or all when `axis` is undefined. */
    squeeze(axis?: Axis): Tensor { return squeeze(this, axis); },
    /** Inserts a size-1 axis at `axis`. */
    unsqueeze(axis: number): Tensor { return unsqueeze(this, axis); },
    /** The block from `start` (inclusive) to `end` (exclusive) along every axis, as a view. */
    slice(start: readonly number[], end: readonly number[]): Tensor { return slice(this, start, end); },
  } satisfies ThisType<Tensor>;
}
