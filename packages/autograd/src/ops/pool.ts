/**
 * Pooling (NCHW, batched or unbatched): maxPool1d/2d, avgPool1d/2d, adaptiveAvgPool1d/2d. Every one
 * works on planes [P, H, W] (the leading axes folded together); a 1-D pool is the 2-D pool on
 * height 1 with a unit kernel along it, which is exact, so each op is defined once.
 *
 * - The max pools are the primitive `windowMax`, each window's maximum (the first maximum, a NaN
 *   counting as the maximum, as PyTorch). Its gradient is the primitive `windowMaxBackward`, the
 *   output gradient placed at those positions of zeros, which finds the positions again from x
 *   (as PyTorch's max_pool2d_with_indices_backward is given them); being linear in that gradient,
 *   its own gradient takes the incoming one at those positions, a `gather`, and so on to every order.
 * - The average pools (plain and adaptive) are one linear primitive, `meanPool2d`, whose windows are
 *   tables per axis (ops/pool-windows.ts). Its gradient is its transpose, the primitive
 *   `meanPool2dTranspose`, whose own gradient is `meanPool2d` again.
 */
import type { BuiltinOp, OpDocs } from '../op.js';
import { apply } from '../op.js';
import { allocate, type Storage } from '../dtype.js';
import { formatShape, sizeOf } from '../shape.js';
import {
  maxPoolGradientKernel, maxPoolIndicesKernel, maxPoolValuesKernel, meanPoolKernel, meanPoolTransposeKernel, type MaxWindows, type MeanWindows,
} from '../kernels/pool.js';
import { maxPoolGradientWasm, maxPoolValuesWasm } from '../kernels/wasm/spatial.js';
import { runsOnWasm } from '../backend.js';
import { WASM_ELEMENTWISE_MIN } from './pointwise.js';
import type { Draw } from '../check/spec.js';
import { drawTensor } from '../check/sampling.js';
import { checkOptions } from '../options.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { contiguousData, fromStorage, toTensor } from './creation.js';
import { gather } from './indexing.js';
import {
  adaptiveWindows, flag, maxWindows, meanWindows, perAxis, UNIT_AXIS, type AxisPlan, type PoolSize,
} from './pool-windows.js';

export type { PoolSize } from './pool-windows.js';

/** Options of maxPool2d (each size one number for both axes, or [height, width]). */
export interface MaxPool2dOptions {
  /** The step between windows (default: the kernel size). */
  stride?: PoolSize;
  /** Implicit -Infinity on both sides of each axis, at most half the kernel (default 0). */
  padding?: PoolSize;
  /** The spacing of a window's taps (default 1). */
  dilation?: PoolSize;
  /** Round the output length up, keeping a last window that starts inside the input or the left padding (default false). */
  ceilMode?: boolean;
}

/** Options of maxPool1d: as maxPool2d's, one number each. */
export interface MaxPool1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
}

/** Options of avgPool2d (each size one number for both axes, or [height, width]). */
export interface AvgPool2dOptions {
  /** The step between windows (default: the kernel size). */
  stride?: PoolSize;
  /** Implicit zeros on both sides of each axis, at most half the kernel (default 0). */
  padding?: PoolSize;
  /** Round the output length up, keeping a last window that starts inside the input or the left padding (default false). */
  ceilMode?: boolean;
  /** Count the padding's zeros in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

/** Options of avgPool1d: as avgPool2d's, one number each. */
export interface AvgPool1dOptions {
  stride?: number;
  padding?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** The attrs of the average primitives: the windows along the rows and along the columns. */
export interface MeanPoolAttrs {
  rows: MeanWindows;
  cols: MeanWindows;
}

/**
 * The attrs of the max primitives: the windows along the rows and along the columns, and the pool's
 * options they were made from (for exporters: ONNX's MaxPool takes those).
 */
export interface MaxPoolAttrs {
  rows: MaxWindows;
  cols: MaxWindows;
  plan: { rows: AxisPlan; cols: AxisPlan; ceilMode: boolean };
}

/** x's values as planes: its own storage when contiguous, else a contiguous copy. */
function planeData(x: Tensor): { data: Storage; offset: number } {
  return x.isContiguous ? { data: x.storage, offset: x.offset } : { data: contiguousData(x), offset: 0 };
}

/** Draws the windows of one axis: an average pool's (any options) or an adaptive one's. */
function drawMeanWindows(draw: Draw, axis: string): MeanWindows {
  if (draw.integer(0, 1) === 1) return adaptiveWindows(draw.integer(1, 5), draw.integer(1, 4));
  const kernel = draw.integer(1, 3);
  const padding = draw.integer(0, Math.floor(kernel / 2));
  const size = draw.integer(Math.max(1, kernel - 2 * padding), 5);
  const plan = { kernel, stride: draw.integer(1, 3), padding, dilation: 1 };
  const ceilMode = draw.integer(0, 1) === 1;
  return meanWindows({ op: 'meanPool2d spec', axis, shape: [size] }, size, plan, ceilMode, draw.integer(0, 1) === 1);
}

function drawMeanCase(draw: Draw): { planes: number; attrs: MeanPoolAttrs } {
  const planes = draw.integer(1, 3);
  return { planes, attrs: { rows: drawMeanWindows(draw, 'H'), cols: drawMeanWindows(draw, 'W') } };
}

/** Draws a max pool's options along one axis and an input size: the kernel fits the padded input, and a dilated first window keeps a tap inside it. */
function drawMaxAxis(draw: Draw): { size: number; plan: AxisPlan } {
  const kernel = draw.integer(1, 3);
  const padding = draw.integer(0, Math.floor(kernel / 2));
  const dilation = draw.integer(1, 2);
  const size = draw.integer(Math.max(1, dilation * (kernel - 1) + 1 - 2 * padding, dilation), 5);
  return { size, plan: { kernel, stride: draw.integer(1, 3), padding, dilation } };
}

/** Planes of distinct values (no ties in a window, where the maximum has no derivative) and max windows on them, any options. */
function drawMaxCase(draw: Draw): { x: Tensor; attrs: MaxPoolAttrs } {
  const [rows, cols] = [drawMaxAxis(draw), drawMaxAxis(draw)];
  const ceilMode = draw.integer(0, 1) === 1;
  const where = (axis: string, size: number) => ({ op: 'windowMax spec', axis, shape: [size] });
  const attrs = {
    rows: maxWindows(where('H', rows.size), rows.size, rows.plan, ceilMode),
    cols: maxWindows(where('W', cols.size), cols.size, cols.plan, ceilMode),
    plan: { rows: rows.plan, cols: cols.plan, ceilMode },
  };
  return { x: drawTensor(draw, [draw.integer(1, 3), rows.size, cols.size], 'distinct'), attrs };
}

/** The shape [planes, outH, outW] of the max windows of planes x. */
const pooledShape = (x: Tensor, { rows, cols }: MaxPoolAttrs): number[] => [x.shape[0]!, rows.firsts.length, cols.firsts.length];

export const poolOps = {
  windowMax: {
    name: 'windowMax',
    forward([x], attrs) {
      const shape = pooledShape(x!, attrs);
      const out = allocate(x!.dtype, sizeOf(shape));
      const { data, offset } = planeData(x!);
      const onWasm = runsOnWasm(out.length >= WASM_ELEMENTWISE_MIN) && maxPoolValuesWasm(out, data, offset, shape[0]!, attrs.rows, attrs.cols);
      if (!onWasm) maxPoolValuesKernel(out, data, offset, shape[0]!, attrs.rows, attrs.cols);
      return fromStorage(out, shape);
    },
    backward(grad, { inputs: [x], attrs }) {
      return [windowMaxGradient(grad, x!, attrs)];
    },
    spec: {
      sample(draw) {
        const { x, attrs } = drawMaxCase(draw);
        return { inputs: [x], attrs };
      },
    },
  } satisfies BuiltinOp<MaxPoolAttrs>,
  windowMaxBackward: {
    name: 'windowMaxBackward',
    forward([grad, x], attrs) {
      const planes = x!.shape[0]!;
      const out = allocate(grad!.dtype, x!.size);
      const { data, offset } = planeData(x!);
      const g = planeData(grad!);
      const onWasm = runsOnWasm(out.length >= WASM_ELEMENTWISE_MIN) && maxPoolGradientWasm(out, g.data, g.offset, data, offset, planes, attrs.rows, attrs.cols);
      if (!onWasm) maxPoolGradientKernel(out, g.data, g.offset, data, offset, planes, attrs.rows, attrs.cols);
      return fromStorage(out, x!.shape);
    },
    backward(grad, { inputs: [, x], attrs, needsInputGrad }) {
      // Linear in the output gradient: its transpose takes `grad` where x's windows have their
      // maxima. x only chooses those positions, so its gradient is 0 (no tie in a window).
      return [needsInputGrad[0] ? takeAtMaxima(grad, x!, attrs) : null, null];
    },
    spec: {
      sample(draw) {
        const { x, attrs } = drawMaxCase(draw);
        return { inputs: [drawTensor(draw, pooledShape(x, attrs)), x], attrs };
      },
    },
  } satisfies BuiltinOp<MaxPoolAttrs>,
  meanPool2d: {
    name: 'meanPool2d',
    forward([x], { rows, cols }) {
      const planes = x!.shape[0]!;
      const out = allocate(x!.dtype, planes * rows.starts.length * cols.starts.length);
      const { data, offset } = planeData(x!);
      meanPoolKernel(out, data, offset, planes, rows, cols);
      return fromStorage(out, [planes, rows.starts.length, cols.starts.length]);
    },
    backward(grad, { attrs }) {
      return [meanPoolTranspose(grad, attrs)];
    },
    spec: {
      sample(draw) {
        const { planes, attrs } = drawMeanCase(draw);
        return { inputs: [drawTensor(draw, [planes, attrs.rows.inputSize, attrs.cols.inputSize])], attrs };
      },
    },
  } satisfies BuiltinOp<MeanPoolAttrs>,
  meanPool2dTranspose: {
    name: 'meanPool2dTranspose',
    forward([grad], { rows, cols }) {
      const planes = grad!.shape[0]!;
      const out = allocate(grad!.dtype, planes * rows.inputSize * cols.inputSize);
      const { data, offset } = planeData(grad!);
      meanPoolTransposeKernel(out, data, offset, planes, rows, cols);
      return fromStorage(out, [planes, rows.inputSize, cols.inputSize]);
    },
    backward(grad, { attrs }) {
      return [meanPool(grad, attrs)];
    },
    spec: {
      sample(draw) {
        const { planes, attrs } = drawMeanCase(draw);
        return { inputs: [drawTensor(draw, [planes, attrs.rows.starts.length, attrs.cols.starts.length])], attrs };
      },
    },
  } satisfies BuiltinOp<MeanPoolAttrs>,
};

/** The gradient of windowMax: `grad` at the positions of the maxima of x's windows, in zeros of x's shape. */
function windowMaxGradient(grad: Tensor, x: Tensor, attrs: MaxPoolAttrs): Tensor {
  return apply(poolOps.windowMaxBackward, [grad, x], attrs);
}

/** planes t [P, H, W] at the positions of the maxima of x's windows (x [P, H, W] too): [P, outH, outW], through `gather`. */
function takeAtMaxima(t: Tensor, x: Tensor, attrs: MaxPoolAttrs): Tensor {
  const [planes, outH, outW] = pooledShape(x, attrs) as [number, number, number];
  const positions = allocate('int32', planes * outH * outW) as Int32Array;
  const { data, offset } = planeData(x);
  maxPoolIndicesKernel(positions, data, offset, planes, attrs.rows, attrs.cols);
  const flat = t.reshape([planes, x.shape[1]! * x.shape[2]!]);
  return gather(flat, 1, fromStorage(positions, [planes, outH * outW])).reshape([planes, outH, outW]);
}

/** The average over each window of planes [P, H, W]. */
function meanPool(x: Tensor, attrs: MeanPoolAttrs): Tensor {
  return apply(poolOps.meanPool2d, [x], attrs);
}

/** The transpose of `meanPool`: each value of [P, outH, outW], divided by its window's divisor, spread over the window. */
function meanPoolTranspose(grad: Tensor, attrs: MeanPoolAttrs): Tensor {
  return apply(poolOps.meanPool2dTranspose, [grad], attrs);
}

/**
 * What docs/ops.md says of the pooling primitives: both serve the public average pools and are not
 * exported (plain literals only, see docs/contributing.md).
 */
export const poolDocs = {
  windowMax: { torch: 'torch.nn.functional.max_pool2d (the windows as tables)', internal: true },
  windowMaxBackward: { torch: 'max_pool2d_with_indices_backward (the positions found again from x)', internal: true },
  meanPool2d: { torch: 'torch.nn.functional.avg_pool2d (the windows as tables)', internal: true },
  meanPool2dTranspose: { torch: 'avg_pool2d_backward', internal: true },
} satisfies OpDocs<typeof poolOps>;

/** x checked for a pool over its last `axes` axes, as planes [P, H, W], with the axes before them. */
function planesOf(op: string, operand: TensorLike, axes: 1 | 2): { x: Tensor; planes: Tensor; leading: number[]; height: number; width: number } {
  const x = toTensor(operand, op);
  if (x.ndim !== axes + 1 && x.ndim !== axes + 2) {
    const layouts = axes === 2 ? '[N, C, H, W] or [C, H, W]' : '[N, C, L] or [C, L]';
    throw new Error(`${op}: x must be ${layouts}, got shape ${formatShape(x.shape)} (rank ${x.ndim})`);
  }
  if (x.dtype === 'int32') throw new Error(`${op}: x must be float32 or float64, got int32 (cast it first)`);
  const leading = x.shape.slice(0, x.ndim - axes);
  const height = axes === 2 ? x.shape[x.ndim - 2]! : 1;
  const width = x.shape[x.ndim - 1]!;
  return { x, planes: x.reshape([sizeOf(leading), height, width]), leading, height, width };
}

/** The per-axis plans of a pool call: [rows, cols], the rows a unit axis for a 1-D pool. */
function plans(op: string, axes: 1 | 2, kernelSize: unknown, opts: { stride?: unknown; padding?: unknown; dilation?: unknown }): [AxisPlan, AxisPlan] {
  const kernel = perAxis(op, 'kernelSize', kernelSize, axes, 1);
  const stride = perAxis(op, 'stride', opts.stride, axes, 1, kernel);
  const padding = perAxis(op, 'padding', opts.padding, axes, 0, new Array<number>(axes).fill(0));
  const dilation = perAxis(op, 'dilation', opts.dilation, axes, 1, new Array<number>(axes).fill(1));
  const along = (a: number): AxisPlan => ({ kernel: kernel[a]!, stride: stride[a]!, padding: padding[a]!, dilation: dilation[a]! });
  return axes === 2 ? [along(0), along(1)] : [UNIT_AXIS, along(0)];
}

/** The output of a pool on planes [P, outH, outW], in x's layout. */
function unfold(pooled: Tensor, leading: readonly number[], axes: 1 | 2): Tensor {
  const [, outH, outW] = pooled.shape as [number, number, number];
  return pooled.reshape([...leading, ...(axes === 2 ? [outH, outW] : [outW])]);
}

function maxPool(op: string, axes: 1 | 2, operand: TensorLike, kernelSize: unknown, opts: MaxPool2dOptions | MaxPool1dOptions): Tensor {
  checkOptions(op, opts, ['stride', 'padding', 'dilation', 'ceilMode']);
  const { x, planes, leading, height, width } = planesOf(op, operand, axes);
  const [rowPlan, colPlan] = plans(op, axes, kernelSize, opts);
  const ceilMode = flag(op, 'ceilMode', opts.ceilMode, false);
  const rows = maxWindows({ op, axis: 'H', shape: x.shape }, height, rowPlan, ceilMode);
  const cols = maxWindows({ op, axis: axes === 2 ? 'W' : 'L', shape: x.shape }, width, colPlan, ceilMode);
  return unfold(apply(poolOps.windowMax, [planes], { rows, cols, plan: { rows: rowPlan, cols: colPlan, ceilMode } }), leading, axes);
}

function avgPool(op: string, axes: 1 | 2, operand: TensorLike, kernelSize: unknown, opts: AvgPool2dOptions | AvgPool1dOptions): Tensor {
  checkOptions(op, opts, ['stride', 'padding', 'ceilMode', 'countIncludePad']);
  const { x, planes, leading, height, width } = planesOf(op, operand, axes);
  const [rowPlan, colPlan] = plans(op, axes, kernelSize, opts);
  const ceilMode = flag(op, 'ceilMode', opts.ceilMode, false);
  const countIncludePad = flag(op, 'countIncludePad', opts.countIncludePad, true);
  const rows = meanWindows({ op, axis: 'H', shape: x.shape }, height, rowPlan, ceilMode, countIncludePad);
  const cols = meanWindows({ op, axis: axes === 2 ? 'W' : 'L', shape: x.shape }, width, colPlan, ceilMode, countIncludePad);
  return unfold(meanPool(planes, { rows, cols }), leading, axes);
}

function adaptiveAvgPool(op: string, axes: 1 | 2, operand: TensorLike, outputSize: unknown): Tensor {
  const { x, planes, leading, height, width } = planesOf(op, operand, axes);
  const sizes = perAxis(op, 'outputSize', outputSize, axes, 1);
  const [outH, outW] = axes === 2 ? sizes : [1, sizes[0]!];
  if (height === 0 || width === 0) throw new Error(`${op}: x of shape ${formatShape(x.shape)} has an empty spatial axis`);
  return unfold(meanPool(planes, { rows: adaptiveWindows(height, outH!), cols: adaptiveWindows(width, outW!) }), leading, axes);
}

/**
 * The maximum of each window of `x` ([N, C, H, W] or [C, H, W]), as torch.nn.functional.max_pool2d.
 * `kernelSize`, and the options' sizes, are one number for both axes or [height, width]; the stride
 * defaults to the kernel size. The padding is implicit -Infinity, at most half the kernel. The
 * gradient goes to the first maximum of each window (row-major); a NaN in a window is its maximum.
 */
export function maxPool2d(x: TensorLike, kernelSize: PoolSize, opts: MaxPool2dOptions = {}): Tensor {
  return maxPool('maxPool2d', 2, x, kernelSize, opts);
}

/** The maximum of each window of `x` ([N, C, L] or [C, L]), as torch.nn.functional.max_pool1d: maxPool2d on one axis. */
export function maxPool1d(x: TensorLike, kernelSize: number, opts: MaxPool1dOptions = {}): Tensor {
  return maxPool('maxPool1d', 1, x, kernelSize, opts);
}

/**
 * The mean of each window of `x` ([N, C, H, W] or [C, H, W]), as torch.nn.functional.avg_pool2d.
 * The padding is zeros, counted in the divisor unless `countIncludePad` is false; with ceilMode a
 * window that runs past the padded edge divides by its part up to that edge (PyTorch's rule).
 */
export function avgPool2d(x: TensorLike, kernelSize: PoolSize, opts: AvgPool2dOptions = {}): Tensor {
  return avgPool('avgPool2d', 2, x, kernelSize, opts);
}

/** The mean of each window of `x` ([N, C, L] or [C, L]), as torch.nn.functional.avg_pool1d: avgPool2d on one axis. */
export function avgPool1d(x: TensorLike, kernelSize: number, opts: AvgPool1dOptions = {}): Tensor {
  return avgPool('avgPool1d', 1, x, kernelSize, opts);
}

/**
 * Means over windows that tile `x` ([N, C, H, W] or [C, H, W]) into `outputSize` (a number for both
 * axes, or [h, w]): window i along an axis of length L covers [floor(i * L / out), ceil((i + 1) * L / out)),
 * as torch.nn.functional.adaptive_avg_pool2d. An output larger than the input repeats positions.
 */
export function adaptiveAvgPool2d(x: TensorLike, outputSize: PoolSize): Tensor {
  return adaptiveAvgPool('adaptiveAvgPool2d', 2, x, outputSize);
}

/** Means over windows that tile `x` ([N, C, L] or [C, L]) into `outputSize`, as torch.nn.functional.adaptive_avg_pool1d. */
export function adaptiveAvgPool1d(x: TensorLike, outputSize: number): Tensor {
  return adaptiveAvgPool('adaptiveAvgPool1d', 1, x, outputSize);
}
