/**
 * More reductions: prod, variance, std and norm (primitives, for PyTorch's gradients),
 * argmax and argmin (int32 positions, no gradient; kernels/scan.ts).
 */
import type { OpDocs, OpRecord, OpSpecs } from '../op.js';
import { apply } from '../op.js';
import { floatDtype } from '../dtype.js';
import { formatShape, normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import { argKernel } from '../kernels/scan.js';
import { checkOptions } from '../options.js';
import { describeValue } from '../describe-value.js';
import type { Draw } from '../check/spec.js';
import { drawAxes, drawShape, drawTensor, drawValues } from '../check/sampling.js';
import type { Axis, Tensor, TensorLike } from '../tensor.js';
import { contiguousValues, fromStorage, ones, tensor, toTensor, zerosLike } from './creation.js';
import { eq, ne } from './compare.js';
import { where } from './where.js';
import { sign } from './unary.js';
import { keptShape, max, mean, min, sum, type ReduceAttrs } from './reduce.js';
import { pad } from './view.js';
import { scanOps } from './scan.js';

/** The normalised arguments of norm. */
export interface NormAttrs {
  ord: number;
  /** Sorted, non-negative axes to reduce. */
  axes: number[];
  keepDims: boolean;
}

/** The norm's value, from primitives on a detached input (so that the forward records nothing). */
function normValue(x: Tensor, { ord, axes, keepDims }: NormAttrs): Tensor {
  const a = x.abs();
  if (ord === Infinity) return max(a, axes, keepDims);
  if (ord === -Infinity) return min(a, axes, keepDims);
  if (ord === 0) return sum(ne(x, 0), axes, keepDims);
  if (ord === 1) return sum(a, axes, keepDims);
  if (ord === 2) return sum(a.square(), axes, keepDims).sqrt();
  return sum(a.pow(ord), axes, keepDims).pow(1 / ord);
}

/**
 * PyTorch's norm_backward, in Tensor ops: where the norm is 0 the gradient is 0 (not 0 / 0), and
 * for ord < 1 where an element is 0. Each `where` guards its division with a second `where`, so that
 * the gradient of the gradient stays finite too.
 */
function normBackward(grad: Tensor, x: Tensor, norm: Tensor, { ord, axes }: NormAttrs): Tensor {
  const kept = keptShape(x.shape, axes);
  const g = grad.reshape(kept);
  const n = norm.reshape(kept);
  if (ord === 0) return zerosLike(x); // not x * 0, which is NaN at a NaN element
  if (ord === 1) return sign(x).mul(g);
  if (ord === Infinity || ord === -Infinity) {
    // The elements whose |x| is the norm (or NaN) share the gradient evenly, as amax's.
    const a = x.abs();
    const winners = eq(a, n).add(ne(a, a));
    return sign(x).mul(g.div(winners.sum(axes, true)).mul(winners));
  }
  const zeroNorm = eq(n, 0);
  const safeNorm = where(zeroNorm, 1, n);
  if (ord === 2) return x.mul(where(zeroNorm, 0, g.div(safeNorm)));
  if (ord < 1) {
    const zero = eq(x, 0);
    const scaled = where(zero, 0, where(zero, 1, x.abs()).pow(ord - 1));
    return sign(x).mul(scaled).mul(g).mul(n.pow(1 - ord));
  }
  const scale = where(zeroNorm, 0, g.div(safeNorm.pow(ord - 1)));
  const scaled = ord < 2 ? sign(x).mul(x.abs().pow(ord - 1)) : x.mul(x.abs().pow(ord - 2));
  return scaled.mul(scale);
}

/** The output shape of a reduction. */
const reducedShape = (shape: readonly number[], { axes, keepDims }: ReduceAttrs): number[] =>
  keepDims ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));

/**
 * x with the reduced axes moved last and flattened into one ([kept..., n]), `last` its running
 * product's last element (the product of each group; 1 for an empty group), and `undo`, which takes
 * a tensor of the lines' shape back to x's.
 */
function productLines(x: Tensor, axes: readonly number[]): { lines: Tensor; last: Tensor; undo: (t: Tensor) => Tensor } {
  const keptAxes = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const order = [...keptAxes, ...axes];
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  const moved = x.permute(order);
  const lines = moved.reshape([...keptAxes.map((i) => x.shape[i]!), n]);
  const inverse = order.map((_, i) => order.indexOf(i));
  const undo = (t: Tensor) => t.reshape(moved.shape).permute(inverse);
  if (n === 0) return { lines, last: ones(lines.shape.slice(0, -1), { dtype: x.dtype }), undo };
  const running = apply(scanOps.cumprod, [lines.detach()], { axis: lines.ndim - 1, reverse: false });
  const last = running.slice(running.shape.map((d, i) => (i === running.ndim - 1 ? n - 1 : 0)), running.shape);
  return { lines, last, undo };
}

function drawProd(draw: Draw): { inputs: Tensor[]; attrs: ReduceAttrs } {
  const shape = drawShape(draw);
  const axes = normalizeAxes(drawAxes(draw, shape.length), shape.length, 'sample');
  return { inputs: [drawTensor(draw, shape)], attrs: { axes, keepDims: draw.integer(0, 1) === 1 } };
}

/** The normalised arguments of variance. */
export interface VarianceAttrs {
  /** Sorted, non-negative axes to reduce. */
  axes: number[];
  keepDims: boolean;
  correction: number;
}

/** The divisor of a variance: max(N - correction, 0), as PyTorch's. */
function varianceDivisor(x: Tensor, { axes, correction }: VarianceAttrs): number {
  return Math.max(axes.reduce((n, a) => n * x.shape[a]!, 1) - correction, 0);
}

/** x minus its mean over `axes` (kept as size-1 axes). */
const centered = (x: Tensor, axes: readonly number[]): Tensor => x.sub(mean(x, axes, true));

/**
 * A variance's inputs over at least `least` elements; std needs 2 distinct values (its value 0 is a
 * kink, where its gradient is set to 0).
 */
function drawVariance(draw: Draw, least = 1): { inputs: Tensor[]; attrs: VarianceAttrs } {
  const shape = drawShape(draw, least > 1 ? 1 : 0);
  if (least > 1) shape[0] = Math.max(shape[0]!, least);
  const drawn = normalizeAxes(drawAxes(draw, shape.length), shape.length, 'sample');
  const axes = drawn.reduce((n, a) => n * shape[a]!, 1) >= least ? drawn : shape.map((_, i) => i);
  const count = axes.reduce((n, a) => n * shape[a]!, 1);
  // Correction 1 needs two elements: one would divide by 0.
  return { inputs: [drawTensor(draw, shape, least > 1 ? 'distinct' : 'uniform')], attrs: { axes, keepDims: draw.integer(0, 1) === 1, correction: count >= 2 ? draw.integer(0, 1) : 0 } };
}

/** Orders the property suite checks, with the values each needs to be smooth. */
const DRAWN_ORDS = [2, 3, 1.5, 0.5, 1, Infinity, -Infinity, 0] as const;

function drawNorm(draw: Draw): { inputs: Tensor[]; attrs: NormAttrs } {
  const shape = drawShape(draw);
  const ord = DRAWN_ORDS[draw.integer(0, DRAWN_ORDS.length - 1)]!;
  const axes = normalizeAxes(drawAxes(draw, shape.length), shape.length, 'sample');
  const attrs = { ord, axes, keepDims: draw.integer(0, 1) === 1 };
  if (ord !== Infinity && ord !== -Infinity) return { inputs: [drawTensor(draw, shape, 'awayFromZero')], attrs };
  // Distinct magnitudes (shifted past 0) with random signs, so that no two |x| tie.
  const count = sizeOf(shape);
  const magnitudes = drawValues(draw, count, 'distinct');
  const signs = draw.integers(count, 0, 1);
  const values = magnitudes.map((v, i) => (signs[i] === 1 ? 1 : -1) * (v + 0.1 * count));
  return { inputs: [tensor(Float64Array.from(values), { shape, dtype: 'float64' })], attrs };
}

/** The records (typed by name: std's forward calls variance's record). */
export const reduceMoreOps: {
  readonly prod: OpRecord<ReduceAttrs>;
  readonly variance: OpRecord<VarianceAttrs>;
  readonly std: OpRecord<VarianceAttrs>;
  readonly norm: OpRecord<NormAttrs>;
} = {
  /**
   * The gradient is the product of the other elements of each group, exclusive cumulative products
   * from the left times those from the right: exact where inputs are zero, never a division by
   * the input, O(n) memory. It differentiates again through cumprod.
   */
  prod: {
    name: 'prod',
    forward: ([x], attrs) => productLines(x!, attrs.axes).last.reshape(reducedShape(x!.shape, attrs)),
    backward(grad, { inputs: [x], attrs }) {
      const { lines, undo } = productLines(x!, attrs.axes);
      const m = lines.shape[lines.ndim - 1]!;
      const start = lines.shape.map(() => 0);
      // Shifted by one along the line, a 1 entering at the edge: (x - 1) padded with 0, plus 1.
      // (pad, not concat with ones: concat's module would then be in every bundle.)
      const shifted = (part: Tensor, atStart: boolean) =>
        pad(part.sub(1), start.map((_, i) => (atStart && i === start.length - 1 ? 1 : 0)), start.map((_, i) => (!atStart && i === start.length - 1 ? 1 : 0))).add(1);
      const before = shifted(lines.slice(start, [...lines.shape.slice(0, -1), m - 1]), true);
      const after = shifted(lines.slice([...start.slice(0, -1), 1], lines.shape), false);
      const scan = (t: Tensor, reverse: boolean) => apply(scanOps.cumprod, [t], { axis: t.ndim - 1, reverse });
      const others = undo(scan(before, false).mul(scan(after, true)));
      return [grad.reshape(keptShape(x!.shape, attrs.axes)).mul(others)];
    },
  },
  /**
   * A primitive, not a composite, for PyTorch's rule: 2 (x - mean) g / (N - correction), without
   * the mean's own gradient term (exactly zero, but a divisor of 0 would make it inf - inf = NaN).
   * The mean in the rule is a Tensor op on x, so the second order is exact.
   */
  variance: {
    name: 'variance',
    forward: ([x], attrs) => sum(centered(x!.detach(), attrs.axes).square(), attrs.axes, attrs.keepDims).div(varianceDivisor(x!, attrs)),
    backward(grad, { inputs: [x], attrs }) {
      const g = grad.reshape(keptShape(x!.shape, attrs.axes));
      return [centered(x!, attrs.axes).mul(g).mul(2 / varianceDivisor(x!, attrs))];
    },
  },
  /**
   * sqrt(variance), a primitive for PyTorch's rule at a zero deviation: the gradient is
   * g / (2 std) through variance's rule, and 0 where std is 0 (sqrt's derivative would be Infinity).
   */
  std: {
    name: 'std',
    forward: ([x], attrs) => apply(reduceMoreOps.variance, [x!.detach()], attrs).sqrt(),
    backward(grad, { inputs: [x], output, attrs }) {
      const kept = keptShape(x!.shape, attrs.axes);
      const s = output.reshape(kept);
      const zero = eq(s, 0);
      const g = where(zero, 0, grad.reshape(kept).div(where(zero, 1, s).mul(2)));
      return [centered(x!, attrs.axes).mul(g).mul(2 / varianceDivisor(x!, attrs))];
    },
  },
  norm: {
    name: 'norm',
    forward: ([x], attrs) => normValue(x!.detach(), attrs),
    backward: (grad, { inputs: [x], output, attrs }) => [normBackward(grad, x!, output, attrs)],
  },
};

/** What docs/ops.md says of variance and norm (apart from the records, so that bundles leave it out). */
export const reduceMoreDocs = {
  prod: {
    torch: 'torch.prod',
    method: 'prod',
    notes: 'The gradient is the product of the other elements (exclusive products from both sides): exact where inputs are zero. ' +
      'int32 stays int32 (wrapping; PyTorch\'s is int64); an empty product is 1.',
  },
  variance: {
    torch: 'torch.var',
    method: 'var',
    dtypes: ['float32', 'float64'],
    notes: 'Two passes (the mean, then squared deviations), divided by max(N - correction, 0), as PyTorch\'s; int32 is an error.',
  },
  std: {
    torch: 'torch.std',
    method: 'std',
    dtypes: ['float32', 'float64'],
    notes: 'sqrt of variance; where every element of a line is equal the gradient is 0, as PyTorch\'s (not Infinity * 0). int32 is an error.',
  },
  norm: {
    torch: 'torch.linalg.vector_norm',
    dtypes: ['float32', 'float64'],
    notes: 'ord any number, Infinity or -Infinity; ord 0 counts the nonzero elements (a NaN counts, as in PyTorch; gradient 0). The gradient at a zero norm is 0, ' +
      'as PyTorch\'s (no 0 / 0); for ord Infinity the elements of largest |x| share it evenly. int32 is an error.',
  },
} satisfies OpDocs<typeof reduceMoreOps>;

/** How the property suite draws each op's inputs (a table apart from the records, so that bundles leave it out; ops/registry.ts joins them). */
export const reduceMoreSpecs = {
  prod: { sample: drawProd },
  variance: { sample: (draw) => drawVariance(draw) },
  std: { sample: (draw) => drawVariance(draw, 2) },
  norm: { sample: drawNorm },
} satisfies OpSpecs<typeof reduceMoreOps>;

/** Options of `norm`. */
export interface NormOptions {
  /** The order: any number, Infinity or -Infinity (default 2). */
  ord?: number;
  /** The axes to reduce (all when undefined). */
  axis?: Axis;
  keepDims?: boolean;
}

/** Options of `variance` and `std`. */
export interface VarianceOptions {
  /** Subtracted from the count of elements in the divisor: 1 (default) for the unbiased estimate, 0 for the population's. */
  correction?: number;
  keepDims?: boolean;
}

function floatOperand(operand: TensorLike, op: string): Tensor {
  const x = toTensor(operand, op);
  if (x.dtype === 'int32') {
    throw new Error(`${op}: an int32 tensor of shape ${formatShape(x.shape)} is not supported (as in PyTorch); cast it to ${floatDtype('int32')} first`);
  }
  return x;
}

/**
 * The vector norm over `axis` (all axes when undefined), as torch.linalg.vector_norm:
 * (sum |x|^ord)^(1 / ord); Infinity gives max |x|, -Infinity min |x|, 0 the count of nonzeros.
 * The gradient at a zero norm is 0, as PyTorch's.
 */
export function norm(operand: TensorLike, opts: NormOptions = {}): Tensor {
  checkOptions('norm', opts, ['ord', 'axis', 'keepDims']);
  const x = floatOperand(operand, 'norm');
  const { ord = 2, axis, keepDims = false } = opts;
  if (typeof ord !== 'number' || Number.isNaN(ord)) throw new Error(`norm: ord must be a number, Infinity or -Infinity, got ${describeValue(ord)}`);
  return apply(reduceMoreOps.norm, [x], { ord, axes: normalizeAxes(axis, x.ndim, 'norm'), keepDims });
}

/**
 * The product over `axis` (all axes when undefined). Its gradient is exact where inputs are zero.
 * int32 stays int32 (wrapping); an empty product is 1.
 */
export function prod(operand: TensorLike, axis?: Axis, keepDims = false): Tensor {
  const x = toTensor(operand, 'prod');
  return apply(reduceMoreOps.prod, [x], { axes: normalizeAxes(axis, x.ndim, 'prod'), keepDims });
}

/**
 * The variance over `axis` (all axes when undefined): sum((x - mean)^2) / (N - correction), two
 * passes (the mean first), as PyTorch's. N - correction <= 0 divides by it (Infinity or NaN), as
 * PyTorch does. int32 is an error, as in PyTorch.
 */
export function variance(operand: TensorLike, axis?: Axis, opts: VarianceOptions = {}): Tensor {
  checkOptions('variance', opts, ['correction', 'keepDims']);
  return varianceOf(floatOperand(operand, 'variance'), axis, opts, 'variance');
}

function varianceOf(x: Tensor, axis: Axis | undefined, { correction = 1, keepDims = false }: VarianceOptions, op: 'variance' | 'std'): Tensor {
  if (typeof correction !== 'number' || !Number.isFinite(correction)) throw new Error(`${op}: correction must be a finite number, got ${describeValue(correction)}`);
  return apply(reduceMoreOps[op], [x], { axes: normalizeAxes(axis, x.ndim, op), keepDims, correction });
}

/** The standard deviation over `axis`: the square root of `variance`. int32 is an error, as in PyTorch. */
export function std(operand: TensorLike, axis?: Axis, opts: VarianceOptions = {}): Tensor {
  checkOptions('std', opts, ['correction', 'keepDims']);
  return varianceOf(floatOperand(operand, 'std'), axis, opts, 'std');
}

function argReduce(operand: TensorLike, axis: number | undefined, keepDims: boolean, kind: 'max' | 'min'): Tensor {
  const op = kind === 'max' ? 'argmax' : 'argmin';
  const x = toTensor(operand, op);
  if (axis !== undefined && typeof axis !== 'number') throw new Error(`${op}: axis must be an integer, got ${describeValue(axis)}`);
  const flat = axis === undefined;
  const shape = flat ? [x.size] : x.ndim === 0 ? [1] : x.shape;
  const a = flat ? 0 : normalizeAxis(axis, Math.max(x.ndim, 1), op);
  if (shape[a] === 0) throw new Error(`${op}: cannot reduce the empty axis ${flat ? '(all axes)' : a} of shape ${formatShape(x.shape)}`);
  const out = new Int32Array(x.size / shape[a]!);
  argKernel(out, contiguousValues(x), shape, a, kind);
  if (flat) return fromStorage(out, keepDims ? x.shape.map(() => 1) : []);
  if (x.ndim === 0) return fromStorage(out, []);
  return fromStorage(out, keepDims ? keptShape(x.shape, [a]) : x.shape.filter((_, i) => i !== a));
}

/**
 * The position of the largest element along `axis` (int32): with no axis, the index into the
 * flattened tensor. The first occurrence wins a tie; a NaN counts as the largest, as in PyTorch.
 */
export const argmax = (x: TensorLike, axis?: number, keepDims = false): Tensor => argReduce(x, axis, keepDims, 'max');
/**
 * The position of the smallest element along `axis` (int32): with no axis, the index into the
 * flattened tensor. The first occurrence wins a tie; a NaN counts as the smallest, as in PyTorch.
 */
export const argmin = (x: TensorLike, axis?: number, keepDims = false): Tensor => argReduce(x, axis, keepDims, 'min');

/** The method forms: `x.prod(axis)` is `prod(x, axis)`, `x.var(axis, opts)` is `variance(x, axis, opts)`. (A function: see ops/methods.ts.) */
export function reduceMoreMethods() {
  return {
    /** The product over `axis` (all axes when undefined); its gradient is exact where inputs are zero. */
    prod(axis?: Axis, keepDims = false): Tensor { return prod(this, axis, keepDims); },
    /** The variance over `axis` (all axes when undefined), divided by N - correction (correction 1 by default). */
    var(axis?: Axis, opts: VarianceOptions = {}): Tensor { return variance(this, axis, opts); },
    /** The standard deviation over `axis` (all axes when undefined), divided by N - correction. */
    std(axis?: Axis, opts: VarianceOptions = {}): Tensor { return std(this, axis, opts); },
    /** The position (int32) of the largest element along `axis`, or in the flattened tensor; first occurrence wins. */
    argmax(axis?: number, keepDims = false): Tensor { return argmax(this, axis, keepDims); },
    /** The position (int32) of the smallest element along `axis`, or in the flattened tensor; first occurrence wins. */
    argmin(axis?: number, keepDims = false): Tensor { return argmin(this, axis, keepDims); },
  } satisfies ThisType<Tensor>;
}
