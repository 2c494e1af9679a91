/**
 * Scans along one axis: cumsum, cumprod and logCumSumExp, each a primitive (kernels/scan.ts). Each
 * carries a `reverse` flag (scan from the end), which is what their backward rules need: the
 * gradient of a cumulative sum is a cumulative sum from the end, so the rules differentiate again
 * through the same records.
 */
import type { BuiltinOp, OpDocs } from '../op.js';
import { apply } from '../op.js';
import { allocate, floatDtype } from '../dtype.js';
import { formatShape, normalizeAxis } from '../shape.js';
import { scanKernel, type Scan } from '../kernels/scan.js';
import type { Draw } from '../check/spec.js';
import { drawShape, drawTensor } from '../check/sampling.js';
import type { Domain } from '../check/sampling.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { contiguousData, fromStorage, tensor, toTensor } from './creation.js';
import { gt } from './compare.js';
import { where } from './where.js';

/** The normalised arguments of a scan. */
export interface ScanAttrs {
  /** A non-negative axis (0 for a rank-0 input, seen as one element). */
  axis: number;
  /** Scan from the last element to the first. */
  reverse: boolean;
}

function scanForward(x: Tensor, { axis, reverse }: ScanAttrs, scan: Scan): Tensor {
  const out = allocate(x.dtype, x.size);
  scanKernel(out, contiguousData(x), x.ndim === 0 ? [1] : x.shape, axis, scan, reverse);
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
 * The gradient of cumprod, exact where inputs are zero (no division by the input): d out_j / d x_k
 * is the product of x_i over i <= j without i = k. Along the scan axis (moved last, length n) a
 * [n, n] matrix per line holds x with 1 on the diagonal; its cumulative product along j gives those
 * products for every k at once, and the gradient sums them against the incoming gradient over
 * j >= k (j <= k for a reverse scan). This costs n times the memory of the input: the price of being
 * exact with zeros and of differentiating again through cumprod itself.
 */
function cumprodBackward(grad: Tensor, x: Tensor, { axis, reverse }: ScanAttrs): Tensor {
  if (x.ndim === 0) return grad;
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
export const scanOps: { readonly cumsum: BuiltinOp<ScanAttrs>; readonly cumprod: BuiltinOp<ScanAttrs>; readonly logCumSumExp: BuiltinOp<ScanAttrs> } = {
  cumsum: {
    name: 'cumsum',
    forward: ([x], attrs) => scanForward(x!, attrs, 'sum'),
    backward: (grad, { attrs }) => [apply(scanOps.cumsum, [grad], { axis: attrs.axis, reverse: !attrs.reverse })],
    spec: { sample: (draw) => drawScan(draw, 'uniform') },
  },
  cumprod: {
    name: 'cumprod',
    forward: ([x], attrs) => scanForward(x!, attrs, 'prod'),
    backward: (grad, { inputs: [x], attrs }) => [cumprodBackward(grad, x!, attrs)],
    spec: { sample: (draw) => drawScan(draw, 'uniform') },
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
    spec: { sample: (draw) => drawScan(draw, 'uniform') },
  },
};

/** What docs/ops.md says of each scan (apart from the records, so that bundles leave it out). */
export const scanDocs = {
  cumsum: { torch: 'torch.cumsum', method: 'cumsum', notes: 'An int32 cumsum stays int32 and wraps (PyTorch\'s is int64). The gradient is a cumsum from the end.' },
  cumprod: {
    torch: 'torch.cumprod',
    method: 'cumprod',
    notes: 'An int32 cumprod stays int32 and wraps. The gradient is exact where inputs are zero (products of the other inputs, ' +
      'no division by the input); it takes n times the memory of the input along an axis of length n.',
  },
  logCumSumExp: {
    torch: 'torch.logcumsumexp',
    method: 'logCumSumExp',
    dtypes: ['float32', 'float64'],
    notes: 'Stable (each step is max + log1p(exp(min - max))); -Infinity inputs are skipped, +Infinity gives +Infinity from there on, ' +
      'NaN propagates. int32 is an error (as PyTorch\'s CPU logcumsumexp).',
  },
} satisfies OpDocs<typeof scanOps>;

function scanWith(op: BuiltinOp<ScanAttrs>, operand: TensorLike, axis: number, floatOnly: boolean): Tensor {
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
