/**
 * Indexing by int32 position tensors: gather, scatterAdd and indexSelect (primitives), maskedFill
 * (built on where). The index is an attr, not an input: no gradient ever flows into it. The three
 * primitives' gradients are each other: gather's and indexSelect's are scatterAdds (exact with
 * repeated indices, which add up), scatterAdd's is the identity for x and a gather for src.
 */
import type { BuiltinOp, OpDocs } from '../op.js';
import { apply } from '../op.js';
import { allocate, promoteDtypes, type DType, type Storage } from '../dtype.js';
import { broadcastShapes, formatShape, normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import { gatherKernel, indexSelectKernel, scatterAddKernel } from '../kernels/indexing.js';
import type { Draw } from '../check/spec.js';
import { drawShape, drawTensor } from '../check/sampling.js';
import { describeValue } from '../describe-value.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { contiguousData, fromStorage, tensor, toTensor, zeros } from './creation.js';
import { where } from './where.js';

/** The attrs of the three primitives: a non-negative axis and the int32 positions along it. */
export interface IndexAttrs {
  axis: number;
  index: Tensor;
}

/** `index` if it is an int32 tensor, else an error naming the op and what it got. */
export function checkIndexTensor(index: unknown, op: string): Tensor {
  if (!(index instanceof Tensor) || index.dtype !== 'int32') {
    const hint = index instanceof Tensor ? " (cast it with cast(index, 'int32'))" : '';
    throw new Error(`${op}: index must be an int32 tensor, got ${describeValue(index)}${hint}`);
  }
  return index;
}

/** Checks that `index` has `x`'s rank and fits in `x` on every axis but `axis` (torch.gather's rule). */
function checkFits(op: string, x: Tensor, axis: number, index: Tensor): void {
  const fits = index.ndim === x.ndim && index.shape.every((dim, d) => d === axis || dim <= x.shape[d]!);
  if (!fits) {
    throw new Error(
      `${op}: index of shape ${formatShape(index.shape)} does not fit x of shape ${formatShape(x.shape)} ` +
        `(same rank, and no larger on any axis but ${axis})`,
    );
  }
}

/**
 * The axis of a rank-0 tensor, which PyTorch's indexing ops treat as a 1-element vector: 0 or -1
 * are that axis (normalized to 0), anything else is an error naming the op.
 */
function axisOfScalar(axis: number, op: string): number {
  if (axis !== 0 && axis !== -1) throw new Error(`${op}: axis ${axis} is out of range for a rank-0 tensor (0 or -1)`);
  return 0;
}

/**
 * `src` cut to `shape` from its start on every axis (a view): scatterAdd, as torch.scatter_add,
 * takes a src as large as the index or larger and ignores the rest, whose gradient is then 0.
 */
function leadingPart(src: Tensor, shape: readonly number[]): Tensor {
  const fits = src.ndim === shape.length && shape.every((dim, d) => dim <= src.shape[d]!);
  if (!fits) {
    throw new Error(`scatterAdd: src of shape ${formatShape(src.shape)} must have the index's rank and be no smaller on any axis than the index's shape ${formatShape(shape)}`);
  }
  return shapesEqual(src.shape, shape) ? src : src.slice(shape.map(() => 0), shape);
}

/** `t` in `dtype`, cast only when it is not already (a cast copies). */
function inDtype(t: Tensor, dtype: DType): Tensor {
  return t.dtype === dtype ? t : t.cast(dtype);
}

/** `index` (1-D, along `axis`) as a view of `shape`: what indexSelect's gradient scatters through. */
function spreadIndex(index: Tensor, axis: number, shape: readonly number[]): Tensor {
  return index.reshape(shape.map((dim, d) => (d === axis ? dim : 1))).expand(shape);
}

/**
 * Zeros of `shape` as one zero expanded (a view of a single value): what a gradient is scattered
 * into. scatterAdd then starts from a fresh zeroed storage (`startingValues`), where a zeros tensor
 * of the shape cost an allocation and a copy (two 0.9 MB passes for a LeNet max pool's gradient).
 */
function zerosOfShape(shape: readonly number[], dtype: DType): Tensor {
  return zeros([], { dtype }).expand(shape);
}

/**
 * A contiguous copy of x for scatterAdd to add into. When x is one value expanded (every stride 0)
 * that is a native fill of new storage, or nothing for +0, which new storage holds; a strided copy
 * would read the one value element by element.
 */
function startingValues(x: Tensor): Storage {
  if (x.size === 0 || x.strides.some((stride) => stride !== 0)) return contiguousData(x);
  const out = allocate(x.dtype, x.size);
  const value = x.storage[x.offset]!;
  if (!Object.is(value, 0)) out.fill(value);
  return out;
}

/** Draws an int32 tensor of `shape` with values in [0, size): repeats are likely (size is at most 4). */
function drawIndex(draw: Draw, shape: readonly number[], size: number): Tensor {
  return tensor(Int32Array.from(draw.integers(sizeOf(shape), 0, size - 1)), { shape, dtype: 'int32' });
}

/** A shape for x, an axis of it, and an index shape that fits x off the axis (1..4 along it). */
function drawIndexCase(draw: Draw): { xShape: number[]; axis: number; indexShape: number[] } {
  const xShape = drawShape(draw, 1, 3);
  const axis = draw.integer(0, xShape.length - 1);
  const indexShape = xShape.map((dim, d) => draw.integer(1, d === axis ? 4 : dim));
  return { xShape, axis, indexShape };
}

export const indexingOps = {
  gather: {
    name: 'gather',
    forward([x], { axis, index }) {
      const out = allocate(x!.dtype, index.size);
      gatherKernel(out, x!, axis, index);
      return fromStorage(out, index.shape);
    },
    backward(grad, { inputs: [x], attrs: { axis, index } }) {
      return [scatterAdd(zerosOfShape(x!.shape, grad.dtype), axis, index, grad)];
    },
    spec: {
      sample(draw) {
        const { xShape, axis, indexShape } = drawIndexCase(draw);
        return { inputs: [drawTensor(draw, xShape)], attrs: { axis, index: drawIndex(draw, indexShape, xShape[axis]!) } };
      },
    },
  } satisfies BuiltinOp<IndexAttrs>,
  scatterAdd: {
    name: 'scatterAdd',
    forward([x, src], { axis, index }) {
      const out = startingValues(x!);
      scatterAddKernel(out, x!.shape, axis, index, src!);
      return fromStorage(out, x!.shape);
    },
    backward(grad, { attrs: { axis, index }, needsInputGrad }) {
      return [needsInputGrad[0] ? grad : null, needsInputGrad[1] ? gather(grad, axis, index) : null];
    },
    spec: {
      sample(draw) {
        const { xShape, axis, indexShape } = drawIndexCase(draw);
        const index = drawIndex(draw, indexShape, xShape[axis]!);
        return { inputs: [drawTensor(draw, xShape), drawTensor(draw, indexShape)], attrs: { axis, index } };
      },
    },
  } satisfies BuiltinOp<IndexAttrs>,
  indexSelect: {
    name: 'indexSelect',
    forward([x], { axis, index }) {
      const shape = x!.shape.map((dim, d) => (d === axis ? index.size : dim));
      const out = allocate(x!.dtype, sizeOf(shape));
      indexSelectKernel(out, x!, axis, index);
      return fromStorage(out, shape);
    },
    backward(grad, { inputs: [x], attrs: { axis, index } }) {
      return [scatterAdd(zerosOfShape(x!.shape, grad.dtype), axis, spreadIndex(index, axis, grad.shape), grad)];
    },
    spec: {
      sample(draw) {
        const xShape = drawShape(draw, 1, 3);
        const axis = draw.integer(0, xShape.length - 1);
        return { inputs: [drawTensor(draw, xShape)], attrs: { axis, index: drawIndex(draw, [draw.integer(1, 5)], xShape[axis]!) } };
      },
    },
  } satisfies BuiltinOp<IndexAttrs>,
};

/**
 * What docs/ops.md says of the indexing primitives (apart from the records, so that bundles leave it
 * out: plain literals only, see docs/contributing.md). Every index argument is an int32 tensor, and
 * an index outside [0, size) is an error naming its value and position.
 */
export const indexingDocs = {
  gather: {
    torch: 'torch.gather',
    notes: 'index is an int32 tensor of x\'s rank; an index outside [0, size) is an error naming its value and position (nothing wraps ' +
      'or clamps; negative indices are rejected, as torch.gather). A rank-0 x with a rank-0 index is a 1-element vector, as in PyTorch. ' +
      'The gradient is a scatterAdd: exact with repeated indices.',
  },
  scatterAdd: {
    torch: 'Tensor.scatter_add',
    notes: 'Out of place (x.clone().scatter_add_(...)); repeated indices add up; an index outside [0, size) is an error. src may be ' +
      'larger than the index on any axis: its leading part is used and the rest ignored (gradient 0), as PyTorch. A rank-0 x is a ' +
      '1-element vector, as in PyTorch. The gradient is the identity for x and a gather for src.',
  },
  indexSelect: {
    torch: 'torch.index_select',
    notes: 'index is a 1-D int32 tensor; an index outside [0, size) is an error. A rank-0 x takes a 1-element index and gives a ' +
      'rank-0 result, as PyTorch. The gradient is a scatterAdd: exact with repeated indices.',
  },
} satisfies OpDocs<typeof indexingOps>;

/**
 * Picks values along `axis`: `out[i][j][k] = x[index[i][j][k]][j][k]` for axis 0 (torch.gather).
 * `index` is an int32 tensor of x's rank, no larger than x on the other axes; the result has its shape.
 */
export function gather(x: TensorLike, axis: number, index: Tensor): Tensor {
  const input = toTensor(x, 'gather');
  const positions = checkIndexTensor(index, 'gather');
  if (input.ndim === 0 && positions.ndim === 0) return gather(input.reshape([1]), axisOfScalar(axis, 'gather'), positions.reshape([1])).reshape([]);
  const normalized = normalizeAxis(axis, input.ndim, 'gather');
  checkFits('gather', input, normalized, positions);
  return apply(indexingOps.gather, [input], { axis: normalized, index: positions });
}

/**
 * A copy of `x` with each value of `src` added at the position `index` names along `axis`:
 * `out[index[i][j]][j] += src[i][j]` for axis 0. Repeated indices add up. Out of place, as
 * `x.clone().scatter_add_(axis, index, src)`. `src` has the index's shape or is larger (its leading
 * part is used, as PyTorch does); a number is spread to the index's shape.
 */
export function scatterAdd(x: TensorLike, axis: number, index: Tensor, src: TensorLike): Tensor {
  const positions = checkIndexTensor(index, 'scatterAdd');
  const base = toTensor(x, 'scatterAdd', src instanceof Tensor ? src.dtype : undefined);
  const given = toTensor(src, 'scatterAdd', base.dtype);
  if (base.ndim === 0 && positions.ndim === 0 && given.ndim === 0) {
    return scatterAdd(base.reshape([1]), axisOfScalar(axis, 'scatterAdd'), positions.reshape([1]), given.reshape([1])).reshape([]);
  }
  const normalized = normalizeAxis(axis, base.ndim, 'scatterAdd');
  checkFits('scatterAdd', base, normalized, positions);
  const values = given.ndim === 0 && positions.ndim > 0 ? given.expand(positions.shape) : leadingPart(given, positions.shape);
  const dtype = promoteDtypes(base.dtype, values.dtype);
  return apply(indexingOps.scatterAdd, [inDtype(base, dtype), inDtype(values, dtype)], { axis: normalized, index: positions });
}

/** The entries of `x` along `axis` that the 1-D int32 `index` lists, in its order (torch.index_select). */
export function indexSelect(x: TensorLike, axis: number, index: Tensor): Tensor {
  const input = toTensor(x, 'indexSelect');
  const positions = checkIndexTensor(index, 'indexSelect');
  if (input.ndim === 0 && positions.size === 1 && positions.ndim <= 1) {
    return indexSelect(input.reshape([1]), axisOfScalar(axis, 'indexSelect'), positions.reshape([1])).reshape([]);
  }
  if (positions.ndim !== 1) throw new Error(`indexSelect: index must be 1-D, got shape ${formatShape(positions.shape)}`);
  return apply(indexingOps.indexSelect, [input], { axis: normalizeAxis(axis, input.ndim, 'indexSelect'), index: positions });
}

/**
 * `x` with `value` wherever `mask` is nonzero (`mask` broadcasts to x's shape; `value` is a number or
 * a rank-0 tensor). Built on `where`: the gradient is 0 where filled and passes unchanged elsewhere.
 */
export function maskedFill(x: TensorLike, mask: TensorLike, value: TensorLike): Tensor {
  // The result's dtype is x's; a number for x takes value's dtype (the mask's plays no part, as in where).
  const input = toTensor(x, 'maskedFill', value instanceof Tensor ? value.dtype : undefined);
  const condition = toTensor(mask, 'maskedFill', input.dtype);
  const fill = toTensor(value, 'maskedFill', input.dtype);
  if (!shapesEqual(broadcastShapes(condition.shape, input.shape, 'maskedFill'), input.shape)) {
    throw new Error(`maskedFill: mask of shape ${formatShape(condition.shape)} does not broadcast to x's shape ${formatShape(input.shape)}`);
  }
  if (fill.ndim !== 0) throw new Error(`maskedFill: value must be a number or a rank-0 tensor, got ${describeValue(value)}`);
  if (input.dtype === 'int32' && fill.dtype !== 'int32') {
    throw new Error(`maskedFill: value ${describeValue(value)} does not fit an int32 tensor (nothing is truncated)`);
  }
  return where(condition, inDtype(fill, input.dtype), input);
}
