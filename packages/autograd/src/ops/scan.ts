/**
 * Scans along one axis: cumsum, cumprod and logCumSumExp, each a primitive (kernels/scan.ts). Each
 * carries a `reverse` flag (scan from the end), which is what their backward rules need: the
 * gradient of a cumulative sum is a cumulative sum from the end, so the rules differentiate again
 * through the same records.
 */
import type { OpDocs, OpRecord, OpSpecs } from '../op.js';
import { apply } from '../op.js';
import { allocate, floatDtype } from '../dtype.js';
import { formatShape, normalizeAxis } from '../shape.js';
import { scanKernel, type Scan } from '../kernels/scan.js';
import type { Draw } from '../check/spec.js';
import { drawShape, drawTensor } from '../check/sampling.js';
import type { Domain } from '../check/sampling.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { contiguousValues, fromStorage, tensor, toTensor } from './creation.js';
import { gt } from './compare.js';
import { where } from './where.js';
import { isGradEnabled } from '../mode.js';

/** The normalised arguments of a scan. */
export interface ScanAttrs {
  /** A non-negative axis (0 for a rank-0 input, seen as one element). */
  axis: number;
  /** Scan from the last element to the first. */
  reverse: boolean;
}

function scanForward(x: Tensor, { axis, reverse }: ScanAttrs, scan: Scan): Tensor {
  const out = allocate(x.dtype, x.size);
  scanKernel(out, contiguousValues(x), x.ndim === 0 ? [1] : x.shape, axis, scan, reverse);
  return fromStorage(out, x.shape);
}

function drawScan(draw: Draw, domain: Domain): { inputs: Tensor[]; attrs: ScanAttrs } {
  const shape = drawShape(draw);
  return { inputs: [drawTensor(draw, shape, domain)], attrs: { axis: draw.integer(0, Math.max(shape.length - 1, 0)), reverse: draw.integer(0, 1) === 1 } };
}

/** Moves `axis` of `t` to the end. */
function axisLast(t: Tensor, axis: number): Tensor {
  const order = t.shape.map((_, i) => i).filter((i) => i !== axis);
  return t.permute([...order, axis]);
}

/** The inverse of `axisLast` for a tensor of rank `rank`. */
function axisBack(t: Tensor, axis: number): Tensor {
  const rank = t.ndim;
  const order = Array.from({ length: rank }, (_, i) => (i < axis ? i : i === axis ? rank - 1 : i - 1));
  return t.permute(order);
}

/**
 * The gradient of cumprod, PyTorch's rule: d out_j / d x_k is the product of x_i over i <= j
 * without i = k, and the gradient sums it against the incoming gradient over j >= k (j <= k for a
 * reverse scan). Where no input of the tensor is zero that product is out_j / x_k, so the gradient
 * is a reverse cumsum of grad * out divided by x: O(n) and differentiable again everywhere. With
 * zeros (or infinities, NaN, products that underflow), no division by them: see the two rules below.
 */
function cumprodBackward(grad: Tensor, x: Tensor, output: Tensor, attrs: ScanAttrs): Tensor {
  if (x.ndim === 0) return grad;
  if (everywhere(finite(x).mul(x.ne(0))) && everywhere(finite(output).mul(output.ne(0)))) {
    return reverseCumsum(grad.mul(output), attrs).div(x);
  }
  // The O(n) rule divides before the first zero: exact only if nothing there is infinite, NaN, or a
  // product that underflowed to 0. Otherwise, and when a graph is recorded (the rule must then
  // differentiate again, also across the zeros), the square rule.
  const zeros = x.eq(0);
  const zerosSoFar = apply(scanOps.cumsum, [zeros.cast('int32')], attrs);
  const regular = everywhere(finite(x)) && everywhere(finite(output)) && everywhere(output.eq(0).eq(zerosSoFar.gt(0)));
  return regular && !isGradEnabled() ? cumprodBackwardWithZeros(grad, x, zeros, zerosSoFar, output, attrs) : cumprodBackwardSquare(grad, x, attrs);
}

/** 1 where `t` is finite, 0 where it is infinite or NaN. */
const finite = (t: Tensor): Tensor => t.abs().lt(Infinity);

/** Whether every element of a 0/1 mask is 1. */
const everywhere = (mask: Tensor): boolean => mask.sum().item() === mask.size;

/** The cumulative sum of `t` in the direction opposite to the scan's: the sums over j >= k. */
const reverseCumsum = (t: Tensor, { axis, reverse }: ScanAttrs): Tensor => apply(scanOps.cumsum, [t], { axis, reverse: !reverse });

/**
 * The first-order rule with zeros, O(n) (PyTorch's): before the first zero of a line (in scan
 * order) x_k is nonzero and the division rule holds, since every out_j from the first zero on is 0;
 * at the first zero, the products leave that zero out: the cumprod of x with it replaced by 1;
 * after it every product holds the first zero, so the gradient is 0.
 */
function cumprodBackwardWithZeros(grad: Tensor, x: Tensor, zeros: Tensor, zerosSoFar: Tensor, output: Tensor, attrs: ScanAttrs): Tensor {
  const beforeFirstZero = zerosSoFar.eq(0);
  const firstZero = zeros.mul(zerosSoFar.eq(1));
  const before = where(beforeFirstZero, reverseCumsum(grad.mul(output), attrs).div(where(beforeFirstZero, x, 1)), 0);
  const withoutFirstZero = apply(scanOps.cumprod, [where(firstZero, 1, x)], attrs);
  return where(firstZero, reverseCumsum(grad.mul(withoutFirstZero), attrs), before);
}

/**
 * The rule with zeros that differentiates again: along the scan axis (moved last, length n) a
 * [n, n] matrix per line holds x with 1 on the diagonal; its cumulative product along j gives the
 * products for every k at once, summed against the gradient over j >= k. n times the memory of the
 * input, as PyTorch's double-backward rule; it runs only when a graph is recorded and x has a zero,
 * or where the other rules would divide by an infinite, NaN or underflowed value.
 */
function cumprodBackwardSquare(grad: Tensor, x: Tensor, { axis, reverse }: ScanAttrs): Tensor {
  const n = x.shape[axis]!;
  const diagonal = new Float64Array(n * n);
  const after = new Float64Array(n * n); // [k, j]: whether out_j depends on x_k
  for (let k = 0; k < n; k++) {
    diagonal[k * n + k] = 1;
    for (let j = 0; j < n; j++) after[k * n + j] = (reverse ? j <= k : j >= k) ? 1 : 0;
  }
  const lines = axisLast(x, axis);
  const square = [...lines.shape.slice(0, -1), n, n];
  const others = where(tensor(diagonal, { shape: [n, n] }), 1, lines.unsqueeze(-2).expand(square));
  const products = apply(scanOps.cumprod, [others], { axis: square.length - 1, reverse });
  const terms = axisLast(grad, axis).unsqueeze(-2).mul(products);
  return axisBack(where(tensor(after, { shape: [n, n] }), terms, 0).sum(-1), axis);
}

/** The lowest finite value of a float dtype: PyTorch's stand-in for log(0) in logCumSumExp's gradient. */
const lowest = (t: Tensor): number => (t.dtype === 'float32' ? -3.4028234663852886e38 : -Number.MAX_VALUE);

/** log(g) where g > 0, else the lowest finite value; the inner `where` keeps log's gradient finite. */
function logOfPositive(g: Tensor): Tensor {
  const positive = gt(g, 0);
  return where(positive, where(positive, g, 1).log(), lowest(g));
}

/** The records (typed by name: the backward rules call the records themselves). */
export const scanOps: { readonly cumsum: OpRecord<ScanAttrs>; readonly cumprod: OpRecord<ScanAttrs>; readonly logCumSumExp: OpRecord<ScanAttrs> } = {
  cumsum: {
    name: 'cumsum',
    forward: ([x], attrs) => scanForward(x!, attrs, 'sum'),
    backward: (grad, { attrs }) => [apply(scanOps.cumsum, [grad], { axis: attrs.axis, reverse: !attrs.reverse })],
  },
  cumprod: {
    name: 'cumprod',
    forward: ([x], attrs) => scanForward(x!, attrs, 'prod'),
    backward: (grad, { inputs: [x], output, attrs }) => [cumprodBackward(grad, x!, output, attrs)],
  },
  /**
   * The gradient is sum over j >= k of g_j exp(x_k - out_j), computed as PyTorch does, in log space
   * with the positive and negative parts of g apart, by reverse logCumSumExp scans: no overflow.
   */
  logCumSumExp: {
    name: 'logCumSumExp',
    forward: ([x], attrs) => scanForward(x!, attrs, 'logSumExp'),
    backward(grad, { inputs: [x], output, attrs }) {
      const back = { axis: attrs.axis, reverse: !attrs.reverse };
      const part = (logGrad: Tensor) => apply(scanOps.logCumSumExp, [logGrad.sub(output)], back).add(x!).exp();
      return [part(logOfPositive(grad)).sub(part(logOfPositive(grad.neg())))];
    },
  },
};

/** What docs/ops.md says of each scan (apart from the records, so that bundles leave it out). */
export const scanDocs = {
  cumsum: { torch: 'torch.cumsum', method: 'cumsum', notes: 'An int32 cumsum stays int32 and wraps (PyTorch\'s is int64). The gradient is a cumsum from the end.' },
  cumprod: {
    torch: 'torch.cumprod',
    method: 'cumprod',
    notes: 'An int32 cumprod stays int32 and wraps. The gradient is PyTorch\'s: without zeros, a reverse cumsum of grad * out ' +
      'divided by x; with zeros, no division (the products of the other inputs, exact), O(n); exact at NaN and Infinity too ' +
      '(PyTorch\'s is NaN there), by a rule, also used when a graph is recorded over zeros, that takes n times the memory ' +
      'of the input along an axis of length n.',
  },
  logCumSumExp: {
    torch: 'torch.logcumsumexp',
    method: 'logCumSumExp',
    dtypes: ['float32', 'float64'],
    notes: 'Stable (each step is max + log1p(exp(min - max))); -Infinity inputs are skipped, +Infinity gives +Infinity from there on, ' +
      'NaN propagates. int32 is an error (as PyTorch\'s CPU logcumsumexp).',
  },
} satisfies OpDocs<typeof scanOps>;

/** How the property suite draws each op's inputs (a table apart from the records, so that bundles leave it out; ops/registry.ts joins them). */
export const scanSpecs = {
  cumsum: { sample: (draw) => drawScan(draw, 'uniform') },
  cumprod: { sample: (draw) => drawScan(draw, 'uniform') },
  logCumSumExp: { sample: (draw) => drawScan(draw, 'uniform') },
} satisfies OpSpecs<typeof scanOps>;

function scanWith(op: OpRecord<ScanAttrs>, operand: TensorLike, axis: number, floatOnly: boolean): Tensor {
  const x = toTensor(operand, op.name);
  if (axis === undefined) throw new Error(`${op.name}: an axis is required (the tensor has shape ${formatShape(x.shape)})`);
  if (floatOnly && x.dtype === 'int32') {
    throw new Error(`${op.name}: an int32 tensor of shape ${formatShape(x.shape)} is not supported (as in PyTorch); cast it to ${floatDtype('int32')} first`);
  }
  return apply(op, [x], { axis: normalizeAxis(axis, Math.max(x.ndim, 1), op.name), reverse: false });
}

/** The running sum along `axis`: element k is the sum of elements 0..k. int32 stays int32 (wrapping). */
export const cumsum = (x: TensorLike, axis: number): Tensor => scanWith(scanOps.cumsum, x, axis, false);
/** The running product along `axis`; its gradient is exact where inputs are zero. int32 stays int32 (wrapping). */
export const cumprod = (x: TensorLike, axis: number): Tensor => scanWith(scanOps.cumprod, x, axis, false);
/** The running log(sum(exp(x))) along `axis`, without overflow or underflow. Float dtypes only. */
export const logCumSumExp = (x: TensorLike, axis: number): Tensor => scanWith(scanOps.logCumSumExp, x, axis, true);

/** The method forms of the scans: `x.cumsum(axis)` is `cumsum(x, axis)`. (A function: see ops/methods.ts.) */
export function scanMethods() {
  return {
    /** The running sum along `axis`. */
    cumsum(axis: number): Tensor { return cumsum(this, axis); },
    /** The running product along `axis`; its gradient is exact where inputs are zero. */
    cumprod(axis: number): Tensor { return cumprod(this, axis); },
    /** The running log(sum(exp(x))) along `axis`, without overflow or underflow. */
    logCumSumExp(axis: number): Tensor { return logCumSumExp(this, axis); },
  } satisfies ThisType<Tensor>;
}
