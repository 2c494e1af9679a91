/**
 * Structure ops: the triangle masks (tril, triu), flip, diagonal, and the composites that move
 * elements around through views and joins (roll, tile, flatten, split, chunk). flip and diagonal are
 * views (flip by negative strides, which every strided kernel walks); `diagonalScatter`, diagonal's
 * adjoint, writes a diagonal into zeros. Every one of them takes int32 (without a gradient) and moves
 * NaN with the other values.
 */
import type { BuiltinOp, OpDocs } from '../op.js';
import { apply } from '../op.js';
import { allocate } from '../dtype.js';
import type { Shape } from '../shape.js';
import { formatShape, normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import { assignKernel } from '../kernels/elementwise.js';
import { triangleKernel } from '../kernels/triangle.js';
import type { Draw } from '../check/spec.js';
import { drawShape, drawTensor } from '../check/sampling.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { describeValue } from '../describe-value.js';
import { checkOptions } from '../options.js';
import { fromStorage, toTensor } from './creation.js';
import { expand, reshape, slice } from './view.js';
import { concat } from './join.js';

export interface TriangleAttrs {
  diagonal: number;
}

export interface DiagonalAttrs {
  offset: number;
  axis1: number;
  axis2: number;
}

export interface DiagonalScatterAttrs extends DiagonalAttrs {
  /** The shape of the zeros the diagonal is written into (diagonal's input). */
  shape: readonly number[];
}

/** The shape, strides and offset of the diagonal of a view, moved to the last axis (as torch.diagonal). */
function diagonalLayout(shape: Shape, strides: readonly number[], start: number, { offset, axis1, axis2 }: DiagonalAttrs) {
  const [rows, cols] = [shape[axis1]!, shape[axis2]!];
  const length = Math.max(0, offset >= 0 ? Math.min(rows, cols - offset) : Math.min(rows + offset, cols));
  const first = length === 0 ? start : start + (offset >= 0 ? offset * strides[axis2]! : -offset * strides[axis1]!);
  const kept = shape.map((_, axis) => axis).filter((axis) => axis !== axis1 && axis !== axis2);
  return {
    shape: [...kept.map((axis) => shape[axis]!), length],
    strides: [...kept.map((axis) => strides[axis]!), strides[axis1]! + strides[axis2]!],
    offset: first,
  };
}

/** Two distinct axes of a rank (at least 2) and an offset whose diagonal is not empty. */
function drawDiagonal(draw: Draw, shape: Shape): DiagonalAttrs {
  const axis1 = draw.integer(0, shape.length - 1);
  const axis2 = (axis1 + draw.integer(1, shape.length - 1)) % shape.length;
  return { axis1, axis2, offset: draw.integer(1 - shape[axis1]!, shape[axis2]! - 1) };
}

function triangleOp(name: 'tril' | 'triu', upper: boolean): BuiltinOp<TriangleAttrs> {
  return {
    name,
    forward([x], { diagonal }) {
      const out = allocate(x!.dtype, x!.size);
      triangleKernel(out, x!, upper, diagonal);
      return fromStorage(out, x!.shape);
    },
    // The mask is linear: its gradient is the same mask.
    backward: (grad, { attrs: { diagonal } }) => [upper ? triu(grad, diagonal) : tril(grad, diagonal)],
    spec: {
      sample(draw) {
        const x = drawTensor(draw, drawShape(draw, 2));
        return { inputs: [x], attrs: { diagonal: draw.integer(-x.shape[x.ndim - 2]!, x.shape[x.ndim - 1]!) } };
      },
    },
  };
}

const diagonalOp: BuiltinOp<DiagonalAttrs> = {
  name: 'diagonal',
  forward([x], attrs) {
    const { shape, strides, offset } = diagonalLayout(x!.shape, x!.strides, x!.offset, attrs);
    return new Tensor(x!.storage, shape, strides, offset);
  },
  backward: (grad, { inputs: [x], attrs }) => [apply(diagonalScatterOp, [grad], { ...attrs, shape: x!.shape })],
  spec: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw, 2));
      return { inputs: [x], attrs: drawDiagonal(draw, x.shape) };
    },
  },
};

/** diagonal's adjoint: zeros of the input's shape with `src` written along the diagonal. */
const diagonalScatterOp: BuiltinOp<DiagonalScatterAttrs> = {
  name: 'diagonalScatter',
  forward([src], attrs) {
    const out = allocate(src!.dtype, sizeOf(attrs.shape));
    const target = fromStorage(out, attrs.shape);
    assignKernel({ storage: out, ...diagonalLayout(target.shape, target.strides, 0, attrs) }, src!);
    return target;
  },
  backward: (grad, { attrs }) => [apply(diagonalOp, [grad], attrs)],
  spec: {
    sample(draw) {
      const shape = drawShape(draw, 2);
      const attrs = drawDiagonal(draw, shape);
      const src = drawTensor(draw, diagonalLayout(shape, shape.map(() => 0), 0, attrs).shape);
      return { inputs: [src], attrs: { ...attrs, shape } };
    },
  },
};

export const structureOps = {
  tril: triangleOp('tril', false),
  triu: triangleOp('triu', true),

  flip: {
    name: 'flip',
    // A view: each flipped axis starts at its last element and steps backwards.
    forward([x], axes) {
      const strides = [...x!.strides];
      let offset = x!.offset;
      for (const axis of axes) {
        if (x!.shape[axis]! <= 1) continue;
        offset += (x!.shape[axis]! - 1) * strides[axis]!;
        strides[axis] = -strides[axis]!;
      }
      return new Tensor(x!.storage, x!.shape, strides, offset);
    },
    backward: (grad, { attrs: axes }) => [flip(grad, axes)],
    spec: {
      sample(draw) {
        const x = drawTensor(draw, drawShape(draw, 1));
        const axes = x.shape.flatMap((_, axis) => (draw.integer(0, 1) === 1 ? [axis] : []));
        return { inputs: [x], attrs: axes };
      },
    },
  } satisfies BuiltinOp<readonly number[]>,

  diagonal: diagonalOp,
  diagonalScatter: diagonalScatterOp,
};

/** What docs/ops.md says of each structure op (apart from the records, so that bundles leave it out). */
export const structureDocs = {
  tril: {
    torch: 'torch.tril',
    notes: 'Keeps [.., i, j] where j - i <= diagonal, 0 elsewhere (a NaN outside the triangle becomes 0, as PyTorch); ' +
      'the gradient is the same mask.',
  },
  triu: {
    torch: 'torch.triu',
    notes: 'Keeps [.., i, j] where j - i >= diagonal, 0 elsewhere (a NaN outside the triangle becomes 0, as PyTorch); ' +
      'the gradient is the same mask.',
  },
  flip: { torch: 'torch.flip', notes: 'A view (negative strides on the flipped axes); repeated axes are an error.' },
  diagonal: {
    torch: 'torch.diagonal',
    notes: 'A view, the diagonal moved to the last axis; offset > 0 above the main diagonal, < 0 below, an empty diagonal ' +
      'past the edge; the gradient is written into zeros.',
  },
  diagonalScatter: { torch: 'torch.diagonal_scatter(zeros, src)', internal: true },
} satisfies OpDocs<typeof structureOps>;

/** Throws unless `x` has at least two axes (a matrix, or a batch of them). */
function checkMatrix(x: Tensor, op: string): void {
  if (x.ndim < 2) throw new Error(`${op}: needs a tensor of at least 2 dimensions, got shape ${formatShape(x.shape)}`);
}

/** Throws unless `value` is an integer, naming the op and the argument. */
function checkInteger(value: unknown, op: string, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${op}: ${name} must be an integer, got ${describeValue(value)}`);
  return value;
}

/**
 * The lower triangle of the last two axes: element [.., i, j] where j - i <= `diagonal`, 0 above.
 * `diagonal` 0 is the main diagonal, > 0 above it, < 0 below it.
 */
export function tril(operand: TensorLike, diagonal = 0): Tensor {
  const x = toTensor(operand, 'tril');
  checkMatrix(x, 'tril');
  return apply(structureOps.tril, [x], { diagonal: checkInteger(diagonal, 'tril', 'diagonal') });
}

/**
 * The upper triangle of the last two axes: element [.., i, j] where j - i >= `diagonal`, 0 below.
 * `diagonal` 0 is the main diagonal, > 0 above it, < 0 below it.
 */
export function triu(operand: TensorLike, diagonal = 0): Tensor {
  const x = toTensor(operand, 'triu');
  checkMatrix(x, 'triu');
  return apply(structureOps.triu, [x], { diagonal: checkInteger(diagonal, 'triu', 'diagonal') });
}

/** Reverses the order of the elements along each of `axes`. A view. */
export function flip(operand: TensorLike, axes: number | readonly number[]): Tensor {
  const x = toTensor(operand, 'flip');
  if (axes === undefined) throw new Error('flip: axes must be an axis or an array of axes, got undefined');
  const normalized = normalizeAxes(axes, x.ndim, 'flip');
  if (normalized.every((axis) => x.shape[axis]! <= 1)) return x;
  return apply(structureOps.flip, [x], normalized);
}

export interface DiagonalOptions {
  /** Which diagonal: 0 the main one, > 0 above it, < 0 below it. Default 0. */
  offset?: number;
  /** The axis of the diagonal's rows. Default -2. */
  axis1?: number;
  /** The axis of its columns. Default -1. */
  axis2?: number;
}

/**
 * The diagonal of the matrices spanned by `axis1` and `axis2`, as a new last axis (torch.diagonal):
 * elements [.., i, i + offset] for offset >= 0, [.., i - offset, i] below. A view.
 */
export function diagonal(operand: TensorLike, opts: DiagonalOptions = {}): Tensor {
  checkOptions('diagonal', opts, ['offset', 'axis1', 'axis2']);
  const x = toTensor(operand, 'diagonal');
  checkMatrix(x, 'diagonal');
  const offset = checkInteger(opts.offset ?? 0, 'diagonal', 'offset');
  const axis1 = normalizeAxis(opts.axis1 ?? -2, x.ndim, 'diagonal');
  const axis2 = normalizeAxis(opts.axis2 ?? -1, x.ndim, 'diagonal');
  if (axis1 === axis2) {
    throw new Error(`diagonal: axis1 and axis2 must be different axes, got ${opts.axis1 ?? -2} and ${opts.axis2 ?? -1} (both axis ${axis1}) of shape ${formatShape(x.shape)}`);
  }
  return apply(structureOps.diagonal, [x], { offset, axis1, axis2 });
}

/** `x` rolled by `shift` along one axis (a normalized one): the last `shift` elements come first. */
function rollAxis(x: Tensor, shift: number, axis: number): Tensor {
  const size = x.shape[axis]!;
  const s = size === 0 ? 0 : ((shift % size) + size) % size;
  if (s === 0) return x;
  const cut = (from: number, to: number): Tensor =>
    slice(x, x.shape.map((_, a) => (a === axis ? from : 0)), x.shape.map((dim, a) => (a === axis ? to : dim)));
  return concat([cut(size - s, size), cut(0, size - s)], axis);
}

/**
 * Rolls the elements along `axes` by `shifts` (as torch.roll): an element at index i moves to
 * i + shift, wrapping around. Without `axes`, the flattened tensor is rolled by one shift and
 * reshaped back. Negative shifts roll the other way.
 */
export function roll(operand: TensorLike, shifts: number | readonly number[], axes?: number | readonly number[]): Tensor {
  const x = toTensor(operand, 'roll');
  const shiftList = typeof shifts === 'number' ? [shifts] : shifts;
  if (!Array.isArray(shiftList)) throw new Error(`roll: shifts must be an integer or an array of integers, got ${describeValue(shifts)}`);
  shiftList.forEach((s) => checkInteger(s, 'roll', 'a shift'));
  if (axes === undefined) {
    if (shiftList.length !== 1) throw new Error(`roll: without axes, shifts must be one integer (the flattened tensor is rolled), got ${JSON.stringify(shifts)}`);
    return reshape(rollAxis(reshape(x, [-1]), shiftList[0]!, 0), x.shape);
  }
  const axisList = typeof axes === 'number' ? [axes] : axes;
  if (!Array.isArray(axisList) || axisList.length !== shiftList.length) {
    throw new Error(`roll: shifts and axes must have the same length, got ${JSON.stringify(shifts)} and ${JSON.stringify(axes)}`);
  }
  // A repeated axis rolls twice, as PyTorch's.
  return axisList.reduce((rolled: Tensor, axis: number, i) => rollAxis(rolled, shiftList[i]!, normalizeAxis(axis, x.ndim, 'roll')), x);
}

/**
 * `x` repeated `reps[i]` times along axis i (as torch.tile): fewer reps than axes are padded with
 * leading 1s, more reps add leading axes. Built from expand and reshape (one copy).
 */
export function tile(operand: TensorLike, reps: readonly number[]): Tensor {
  const x = toTensor(operand, 'tile');
  if (!Array.isArray(reps as unknown) || !reps.every((r) => Number.isInteger(r) && r >= 0)) {
    throw new Error(`tile: reps must be an array of non-negative integers, got ${describeValue(reps)}`);
  }
  const rank = Math.max(x.ndim, reps.length);
  const shape = [...new Array<number>(rank - x.ndim).fill(1), ...x.shape];
  const full = [...new Array<number>(rank - reps.length).fill(1), ...reps];
  // Axis i becomes the pair [reps_i, dim_i]: the repeats as a broadcast axis in front of the data.
  const paired = reshape(x, shape.flatMap((dim) => [1, dim]));
  const repeated = expand(paired, shape.flatMap((dim, axis) => [full[axis]!, dim]));
  return reshape(repeated, shape.map((dim, axis) => dim * full[axis]!));
}

/**
 * Flattens axes `startAxis` to `endAxis` (both included) into one. A rank-0 tensor becomes shape [1],
 * as torch.flatten. A view when `x` is contiguous.
 */
export function flatten(operand: TensorLike, startAxis = 0, endAxis = -1): Tensor {
  const x = toTensor(operand, 'flatten');
  if (x.ndim === 0) {
    normalizeAxis(startAxis, 1, 'flatten');
    normalizeAxis(endAxis, 1, 'flatten');
    return reshape(x, [1]);
  }
  const start = normalizeAxis(startAxis, x.ndim, 'flatten');
  const end = normalizeAxis(endAxis, x.ndim, 'flatten');
  if (start > end) {
    throw new Error(`flatten: startAxis ${startAxis} comes after endAxis ${endAxis} for shape ${formatShape(x.shape)}`);
  }
  const merged = x.shape.slice(start, end + 1).reduce((n, dim) => n * dim, 1);
  return reshape(x, [...x.shape.slice(0, start), merged, ...x.shape.slice(end + 1)]);
}

/** The pieces of `x` along `axis` with the given sizes (which sum to the axis), as views. */
function pieces(x: Tensor, sizes: readonly number[], axis: number): Tensor[] {
  let start = 0;
  return sizes.map((size) => {
    const from = start;
    start += size;
    return slice(x, x.shape.map((_, a) => (a === axis ? from : 0)), x.shape.map((dim, a) => (a === axis ? from + size : dim)));
  });
}

/**
 * Splits `x` along `axis` into views (as torch.split): pieces of `sizeOrSizes` elements, the last
 * one smaller when the axis does not divide, or pieces of the listed sizes (which sum to the axis).
 */
export function split(operand: TensorLike, sizeOrSizes: number | readonly number[], axis = 0): Tensor[] {
  const x = toTensor(operand, 'split');
  if (x.ndim === 0) throw new Error('split: a rank-0 tensor has no axis to split');
  const a = normalizeAxis(axis, x.ndim, 'split');
  const length = x.shape[a]!;
  if (typeof sizeOrSizes === 'number') {
    if (!Number.isInteger(sizeOrSizes) || sizeOrSizes < 1) {
      throw new Error(`split: the piece size must be a positive integer, got ${describeValue(sizeOrSizes)}`);
    }
    const count = Math.max(1, Math.ceil(length / sizeOrSizes));
    return pieces(x, Array.from({ length: count }, (_, i) => Math.min(sizeOrSizes, length - i * sizeOrSizes)), a);
  }
  if (!Array.isArray(sizeOrSizes) || !sizeOrSizes.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new Error(`split: sizeOrSizes must be a positive integer or an array of non-negative integers, got ${describeValue(sizeOrSizes)}`);
  }
  const sizes: readonly number[] = sizeOrSizes;
  const total = sizes.reduce((n, s) => n + s, 0);
  if (total !== length) {
    throw new Error(`split: sizes ${JSON.stringify(sizes)} sum to ${total}, but axis ${axis} of shape ${formatShape(x.shape)} has size ${length}`);
  }
  return pieces(x, sizes, a);
}

/**
 * Splits `x` along `axis` into at most `chunks` views of ceil(size / chunks) elements each (as
 * torch.chunk): the last one smaller, and fewer pieces when the size does not fill them all (an
 * empty axis gives `chunks` empty pieces).
 */
export function chunk(operand: TensorLike, chunks: number, axis = 0): Tensor[] {
  const x = toTensor(operand, 'chunk');
  if (!Number.isInteger(chunks) || chunks < 1) throw new Error(`chunk: chunks must be a positive integer, got ${describeValue(chunks)}`);
  if (x.ndim === 0) throw new Error('chunk: a rank-0 tensor has no axis to split');
  const a = normalizeAxis(axis, x.ndim, 'chunk');
  const length = x.shape[a]!;
  // An empty axis gives `chunks` empty pieces, as PyTorch's.
  if (length === 0) return pieces(x, new Array<number>(chunks).fill(0), a);
  return split(x, Math.ceil(length / chunks), a);
}
