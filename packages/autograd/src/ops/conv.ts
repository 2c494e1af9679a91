/**
 * Convolutions (PyTorch's torch.nn.functional.conv1d / conv2d / conv_transpose1d / conv_transpose2d),
 * NCHW. Three primitives, the three faces of one trilinear form (see ../kernels/conv.ts): the
 * convolution `conv2d` (y from x and w), the transposed convolution `convTranspose2d` (x from y and
 * w) and the weight gradient `conv2dWeight` (w from x and y). Each one's gradients are the other two,
 * so every rule differentiates again, to any order:
 *
 *   conv2d(x, w) = y:           dx = convTranspose2d(dy, w),  dw = conv2dWeight(x, dy)
 *   convTranspose2d(y, w) = x:  dy = conv2d(dx, w),           dw = conv2dWeight(dx, y)
 *   conv2dWeight(x, y) = w:     dx = convTranspose2d(y, dw),  dy = conv2d(x, dw)
 *
 * The primitives take 4-D operands and carry the extent of their result in their attrs, so shapes
 * come back exactly (rows a stride drops, an output padding). The public functions add what PyTorch
 * adds around them: unbatched input (a view with N = 1), the 1-D ops (the 2-D ones on a view with
 * H = 1), padding 'same' and 'valid', bias (an add, whose gradient is a sum), and checks.
 */
import type { BuiltinOp, OpDocs } from '../op.js';
import { apply } from '../op.js';
import { allocate } from '../dtype.js';
import { formatShape } from '../shape.js';
import { convForwardKernel, convTransposeKernel, convWeightKernel, type ConvGeometry, type DenseOperand } from '../kernels/conv.js';
import type { Draw } from '../check/spec.js';
import { drawTensor } from '../check/sampling.js';
import { checkOptions } from '../options.js';
import { describeValue } from '../describe-value.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { contiguousData, fromStorage, toTensor } from './creation.js';

/** The attrs of the three primitives: the geometry, and the spatial extent of the result. */
export interface ConvAttrs {
  readonly stride: readonly [number, number];
  /** Padding before the first row and column. */
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
  /** [H, W] of the result: y's for conv2d, x's for convTranspose2d, the kernel's for conv2dWeight. */
  readonly size: readonly [number, number];
}

/** A tensor's values as the kernels read them: in place when contiguous, else a contiguous copy. */
function dense(t: Tensor): DenseOperand {
  return t.isContiguous ? { data: t.storage, offset: t.offset } : { data: contiguousData(t), offset: 0 };
}

/** The geometry of x [N, Cx, H, W], w [Cy, Cx / groups, kH, kW] and y [N, Cy, oH, oW]. */
function geometry(x: readonly number[], w: readonly number[], y: readonly number[], attrs: ConvAttrs): ConvGeometry {
  return {
    batch: x[0]!, groups: attrs.groups, inChannels: x[1]!, outChannels: y[1]!,
    inH: x[2]!, inW: x[3]!, outH: y[2]!, outW: y[3]!, kH: w[2]!, kW: w[3]!,
    strideH: attrs.stride[0], strideW: attrs.stride[1], padH: attrs.padding[0], padW: attrs.padding[1],
    dilationH: attrs.dilation[0], dilationW: attrs.dilation[1],
  };
}

const withSize = (attrs: ConvAttrs, t: Tensor): ConvAttrs => ({ ...attrs, size: [t.shape[2]!, t.shape[3]!] });

/** Makes the result tensor of `shape` (in the inputs' dtype) and lets `fill` write it. */
function run(like: Tensor, shape: number[], fill: (out: Float32Array | Float64Array) => void): Tensor {
  const out = allocate(like.dtype, shape.reduce((a, b) => a * b, 1)) as Float32Array | Float64Array;
  fill(out);
  return fromStorage(out, shape);
}

const conv2dOp: BuiltinOp<ConvAttrs> = {
  name: 'conv2d',
  forward([x, w], attrs) {
    const y = [x!.shape[0]!, w!.shape[0]!, attrs.size[0], attrs.size[1]];
    return run(x!, y, (out) => convForwardKernel(out, dense(x!), dense(w!), geometry(x!.shape, w!.shape, y, attrs)));
  },
  backward: (grad, { inputs: [x, w], attrs, needsInputGrad }) => [
    needsInputGrad[0] ? apply(convTranspose2dOp, [grad, w!], withSize(attrs, x!)) : null,
    needsInputGrad[1] ? apply(conv2dWeightOp, [x!, grad], withSize(attrs, w!)) : null,
  ],
  spec: { sample: (draw) => drawCase(draw, 'conv2d') },
};

const convTranspose2dOp: BuiltinOp<ConvAttrs> = {
  name: 'convTranspose2d',
  forward([y, w], attrs) {
    const x = [y!.shape[0]!, w!.shape[1]! * attrs.groups, attrs.size[0], attrs.size[1]];
    return run(y!, x, (out) => convTransposeKernel(out, dense(y!), dense(w!), geometry(x, w!.shape, y!.shape, attrs)));
  },
  backward: (grad, { inputs: [y, w], attrs, needsInputGrad }) => [
    needsInputGrad[0] ? apply(conv2dOp, [grad, w!], withSize(attrs, y!)) : null,
    needsInputGrad[1] ? apply(conv2dWeightOp, [grad, y!], withSize(attrs, w!)) : null,
  ],
  spec: { sample: (draw) => drawCase(draw, 'convTranspose2d') },
};

const conv2dWeightOp: BuiltinOp<ConvAttrs> = {
  name: 'conv2dWeight',
  forward([x, y], attrs) {
    const w = [y!.shape[1]!, x!.shape[1]! / attrs.groups, attrs.size[0], attrs.size[1]];
    return run(x!, w, (out) => convWeightKernel(out, dense(x!), dense(y!), geometry(x!.shape, w, y!.shape, attrs)));
  },
  backward: (grad, { inputs: [x, y], attrs, needsInputGrad }) => [
    needsInputGrad[0] ? apply(convTranspose2dOp, [y!, grad], withSize(attrs, x!)) : null,
    needsInputGrad[1] ? apply(conv2dOp, [x!, grad], withSize(attrs, y!)) : null,
  ],
  spec: { sample: (draw) => drawCase(draw, 'conv2dWeight') },
};

export const convOps = { conv2d: conv2dOp, convTranspose2d: convTranspose2dOp, conv2dWeight: conv2dWeightOp };

const CONV_DTYPES = ['float32', 'float64'] as const;

/** What docs/ops.md says of the convolution primitives (apart from the records, so that bundles leave it out). */
export const convDocs: OpDocs<typeof convOps> = {
  conv2d: {
    torch: 'torch.nn.functional.conv2d',
    dtypes: CONV_DTYPES,
    notes: "NCHW, or CHW unbatched. padding 'same' (stride 1 only) pads d (k - 1) in all, the odd one after, as PyTorch. " +
      'Its input gradient is convTranspose2d, its weight gradient a convolution of input and output gradient: differentiable to any order.',
  },
  convTranspose2d: {
    torch: 'torch.nn.functional.conv_transpose2d',
    dtypes: CONV_DTYPES,
    notes: 'The adjoint of conv2d in its input: weight [Cin, Cout / groups, kH, kW]; outputPadding (below stride or dilation) adds rows after.',
  },
  conv2dWeight: {
    torch: 'torch.nn.grad.conv2d_weight',
    dtypes: CONV_DTYPES,
    internal: true,
    notes: "conv2d's weight gradient, a primitive so that it differentiates again.",
  },
};

/**
 * Draws one small case of the three primitives (all share one geometry): stride 1-3 (often above the
 * kernel), dilation 1-2, padding 0-2, groups 1-2 or depthwise, odd and even kernels, and extents
 * that leave rows a stride drops or an output padding.
 */
function drawCase(draw: Draw, op: keyof typeof convOps): { inputs: Tensor[]; attrs: ConvAttrs } {
  const [batch, perGroupIn, perGroupOut] = draw.integers(3, 1, 2) as [number, number, number];
  const [kH, kW] = draw.integers(2, 1, 3) as [number, number];
  const depthwise = draw.integer(0, 3) === 3;
  const groups = depthwise ? draw.integer(1, 3) : draw.integer(1, 2);
  const [cIn, cOut] = depthwise ? [groups, groups] : [perGroupIn * groups, perGroupOut * groups];
  const stride = draw.integers(2, 1, 3) as [number, number];
  const dilation = draw.integers(2, 1, 2) as [number, number];
  const padding = draw.integers(2, 0, 2) as [number, number];
  const kernel = [kH, kW];
  // Each input extent leaves at least one output position, plus 0-2 more rows (some a stride drops).
  const extent = [0, 1].map((a) => Math.max(1, dilation[a]! * (kernel[a]! - 1) + 1 - 2 * padding[a]!) + draw.integer(0, 2));
  const outExtent = [0, 1].map((a) => Math.floor((extent[a]! + 2 * padding[a]! - dilation[a]! * (kernel[a]! - 1) - 1) / stride[a]!) + 1);
  const geometryAttrs = { stride, padding, dilation, groups };
  const x = [batch, cIn, extent[0]!, extent[1]!];
  const w = [cOut, cIn / groups, kH, kW];
  const y = [batch, cOut, outExtent[0]!, outExtent[1]!];
  switch (op) {
    case 'conv2d':
      return { inputs: [drawTensor(draw, x), drawTensor(draw, w)], attrs: { ...geometryAttrs, size: [y[2]!, y[3]!] } };
    case 'convTranspose2d': {
      // An output padding below the stride: extra rows that only the kernel's far taps reach, or none.
      const extra = [0, 1].map((a) => draw.integer(0, stride[a]! - 1));
      return { inputs: [drawTensor(draw, y), drawTensor(draw, w)], attrs: { ...geometryAttrs, size: [x[2]! + extra[0]!, x[3]! + extra[1]!] } };
    }
    case 'conv2dWeight':
      return { inputs: [drawTensor(draw, x), drawTensor(draw, y)], attrs: { ...geometryAttrs, size: [kH, kW] } };
  }
}

// ---------------------------------------------------------------------------------------------
// The public functions.

/** Options of conv1d and conv2d (PyTorch's, per axis as a number or an [h, w] pair for conv2d). */
export interface ConvOptions<Pair> {
  /** Step between output positions (default 1). */
  stride?: number | Pair;
  /** Zeros added on both sides (default 0), or 'valid' (none), or 'same' (output as large as the input; stride 1 only). */
  padding?: number | Pair | 'valid' | 'same';
  /** Step between kernel taps (default 1). */
  dilation?: number | Pair;
  /** Channels split into this many groups, each convolved with its own filters (default 1; groups = channels is depthwise). */
  groups?: number;
}

/** Options of convTranspose1d and convTranspose2d. */
export interface ConvTransposeOptions<Pair> {
  /** Step between input positions in the output (default 1). */
  stride?: number | Pair;
  /** Rows and columns removed from both sides of the output (default 0): the padding of the convolution this transposes. */
  padding?: number | Pair;
  /** Rows and columns added after the output (default 0), smaller than the stride or the dilation. */
  outputPadding?: number | Pair;
  /** Step between kernel taps (default 1). */
  dilation?: number | Pair;
  /** Channels split into this many groups (default 1). */
  groups?: number;
}

/** The two spatial axes of a 1-D or 2-D op: 1-D ops run as 2-D with H = 1. */
interface Spatial {
  readonly op: string;
  readonly rank: 1 | 2;
}

/** One number per spatial axis (H, W) from a number or a pair (a 1-D op's H axis gets `unit`). */
function perAxis(where: Spatial, name: string, value: unknown, fallback: number, unit: number, min: number): [number, number] {
  const given = value === undefined ? fallback : value;
  const check = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new Error(`${where.op}: ${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer${where.rank === 2 ? ' or a pair of them' : ''}, got ${describeValue(value)}`);
    }
    return v;
  };
  if (where.rank === 1) return [unit, check(given)];
  if (Array.isArray(given)) {
    if (given.length !== 2) throw new Error(`${where.op}: ${name} must be a number or a pair of numbers, got ${describeValue(value)}`);
    return [check(given[0]), check(given[1])];
  }
  const v = check(given);
  return [v, v];
}

/** `value` as a float tensor, or an error naming the op. */
function floatOperand(op: string, name: string, given: TensorLike): Tensor {
  // A number is a rank-0 tensor, as everywhere (API.md), and is then rejected for its rank.
  const value = toTensor(given, op);
  if (value.dtype === 'int32') throw new Error(`${op}: ${name} must be float32 or float64, got int32 of shape ${formatShape(value.shape)} (cast it first)`);
  return value;
}

/** x, w and bias checked and seen as the 4-D operands of the primitives, with what to undo afterwards. */
interface Operands {
  readonly x: Tensor;
  readonly w: Tensor;
  readonly bias: Tensor | null;
  readonly unbatched: boolean;
  readonly groups: number;
}

function operandsOf(where: Spatial, xIn: TensorLike, wIn: TensorLike, biasIn: TensorLike | null | undefined, groupsIn: unknown, transposed: boolean): Operands {
  const { op, rank } = where;
  const x = floatOperand(op, 'input', xIn);
  const w = floatOperand(op, 'weight', wIn);
  const bias = biasIn === undefined || biasIn === null ? null : floatOperand(op, 'bias', biasIn);
  const layout = rank === 2 ? '[N, C, H, W] or [C, H, W]' : '[N, C, L] or [C, L]';
  if (x.ndim !== rank + 1 && x.ndim !== rank + 2) throw new Error(`${op}: input must be ${layout}, got shape ${formatShape(x.shape)}`);
  const weightLayout = transposed ? (rank === 2 ? '[Cin, Cout / groups, kH, kW]' : '[Cin, Cout / groups, K]') : (rank === 2 ? '[Cout, Cin / groups, kH, kW]' : '[Cout, Cin / groups, K]');
  if (w.ndim !== rank + 2) throw new Error(`${op}: weight must be ${weightLayout}, got shape ${formatShape(w.shape)}`);
  for (const t of bias === null ? [w] : [w, bias]) {
    if (t.dtype !== x.dtype) throw new Error(`${op}: input, weight and bias must share one dtype, got input ${x.dtype} and ${t === w ? 'weight' : 'bias'} ${t.dtype}`);
  }
  const groups = groupsIn === undefined ? 1 : groupsIn;
  if (typeof groups !== 'number' || !Number.isInteger(groups) || groups < 1) throw new Error(`${op}: groups must be a positive integer, got ${describeValue(groupsIn)}`);
  const unbatched = x.ndim === rank + 1;
  const channels = x.shape[unbatched ? 0 : 1]!;
  const shapes = `input ${formatShape(x.shape)}, weight ${formatShape(w.shape)}`;
  if (channels % groups !== 0) throw new Error(`${op}: input channels (${channels}) must be divisible by groups (${groups}); ${shapes}`);
  if (transposed) {
    if (w.shape[0] !== channels) throw new Error(`${op}: weight's first axis (${w.shape[0]}) must equal the input channels (${channels}); ${shapes}`);
  } else {
    if (w.shape[0]! % groups !== 0) throw new Error(`${op}: output channels (weight's first axis, ${w.shape[0]}) must be divisible by groups (${groups}); ${shapes}`);
    if (w.shape[1]! * groups !== channels) {
      throw new Error(`${op}: input has ${channels} channels, but weight ${formatShape(w.shape)} with groups = ${groups} expects ${w.shape[1]! * groups}; input shape ${formatShape(x.shape)}`);
    }
  }
  const outChannels = transposed ? w.shape[1]! * groups : w.shape[0]!;
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new Error(`${op}: bias must be [${outChannels}] (the output channels), got shape ${formatShape(bias.shape)}`);
  }
  let x4 = unbatched ? x.unsqueeze(0) : x;
  let w4 = w;
  if (rank === 1) {
    x4 = x4.unsqueeze(2);
    w4 = w.unsqueeze(2);
  }
  return { x: x4, w: w4, bias, unbatched, groups };
}

/** The 4-D result of a primitive with the bias added, seen again as the caller's rank. */
function finish(where: Spatial, y: Tensor, operands: Operands): Tensor {
  let out = operands.bias === null ? y : y.add(operands.bias.reshape([operands.bias.shape[0]!, 1, 1]));
  if (where.rank === 1) out = out.squeeze(2);
  return operands.unbatched ? out.squeeze(0) : out;
}

function convolve(where: Spatial, xIn: TensorLike, wIn: TensorLike, biasIn: TensorLike | null | undefined, opts: ConvOptions<unknown>): Tensor {
  const { op, rank } = where;
  checkOptions(op, opts, ['stride', 'padding', 'dilation', 'groups']);
  const operands = operandsOf(where, xIn, wIn, biasIn, opts.groups, false);
  const { x, w } = operands;
  const stride = perAxis(where, 'stride', opts.stride, 1, 1, 1);
  const dilation = perAxis(where, 'dilation', opts.dilation, 1, 1, 1);
  const extent = [x.shape[2]!, x.shape[3]!];
  const kernel = [w.shape[2]!, w.shape[3]!];
  const reach = [0, 1].map((a) => dilation[a]! * (kernel[a]! - 1));
  let before: [number, number];
  let total: [number, number];
  if (opts.padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw new Error(`${op}: padding 'same' needs stride 1 (as PyTorch), got stride ${describeValue(opts.stride)}`);
    // PyTorch's split: half of d (k - 1) before, the rest (one more when it is odd) after.
    total = [reach[0]!, reach[1]!];
    before = [Math.floor(reach[0]! / 2), Math.floor(reach[1]! / 2)];
  } else {
    before = opts.padding === 'valid' ? [0, 0] : perAxis(where, 'padding', opts.padding, 0, 0, 0);
    total = [2 * before[0], 2 * before[1]];
  }
  const size = [0, 1].map((a) => {
    const padded = extent[a]! + total[a]!;
    if (padded < reach[a]! + 1) {
      const shown = (s: readonly number[]) => formatShape(rank === 2 ? s : [s[1]!]);
      throw new Error(
        `${op}: kernel ${shown(kernel)} (dilated ${shown(reach.map((r) => r + 1))}) is larger than the padded input ${shown(extent.map((e, b) => e + total[b]!))}; ` +
          `input ${formatShape((xIn as Tensor).shape)}, weight ${formatShape((wIn as Tensor).shape)}`,
      );
    }
    return Math.floor((padded - reach[a]! - 1) / stride[a]!) + 1;
  }) as [number, number];
  const y = apply(conv2dOp, [x, w], { stride, padding: before, dilation, groups: operands.groups, size });
  return finish(where, y, operands);
}

function convolveTransposed(where: Spatial, xIn: TensorLike, wIn: TensorLike, biasIn: TensorLike | null | undefined, opts: ConvTransposeOptions<unknown>): Tensor {
  const { op } = where;
  checkOptions(op, opts, ['stride', 'padding', 'outputPadding', 'dilation', 'groups']);
  const operands = operandsOf(where, xIn, wIn, biasIn, opts.groups, true);
  const { x, w } = operands;
  const stride = perAxis(where, 'stride', opts.stride, 1, 1, 1);
  const dilation = perAxis(where, 'dilation', opts.dilation, 1, 1, 1);
  const padding = perAxis(where, 'padding', opts.padding, 0, 0, 0);
  const outputPadding = perAxis(where, 'outputPadding', opts.outputPadding, 0, 0, 0);
  const size = [0, 1].map((a) => {
    if (outputPadding[a]! >= Math.max(stride[a]!, dilation[a]!)) {
      throw new Error(`${op}: outputPadding (${outputPadding[a]}) must be smaller than the stride (${stride[a]}) or the dilation (${dilation[a]}), as PyTorch`);
    }
    const extent = (x.shape[2 + a]! - 1) * stride[a]! - 2 * padding[a]! + dilation[a]! * (w.shape[2 + a]! - 1) + outputPadding[a]! + 1;
    if (extent < 1) {
      throw new Error(`${op}: the output would have extent ${extent} (padding ${padding[a]} too large); input ${formatShape((xIn as Tensor).shape)}, weight ${formatShape((wIn as Tensor).shape)}`);
    }
    return extent;
  }) as [number, number];
  const y = apply(convTranspose2dOp, [x, w], { stride, padding, dilation, groups: operands.groups, size });
  return finish(where, y, operands);
}

const ONE_D: Spatial = { op: 'conv1d', rank: 1 };
const TWO_D: Spatial = { op: 'conv2d', rank: 2 };
const ONE_D_TRANSPOSED: Spatial = { op: 'convTranspose1d', rank: 1 };
const TWO_D_TRANSPOSED: Spatial = { op: 'convTranspose2d', rank: 2 };

/**
 * The 2-D convolution of `x` ([N, Cin, H, W], or [Cin, H, W] unbatched) with `weight`
 * ([Cout, Cin / groups, kH, kW]), plus `bias` ([Cout]) when given: PyTorch's `F.conv2d` (a
 * cross-correlation). Padding 'same' (stride 1 only) keeps H and W, splitting d (k - 1) as PyTorch
 * (the odd row after); 'valid' is 0. Differentiable to any order in x, weight and bias.
 */
export function conv2d(x: TensorLike, weight: TensorLike, bias?: TensorLike | null, opts: ConvOptions<[number, number]> = {}): Tensor {
  return convolve(TWO_D, x, weight, bias, opts);
}

/**
 * The 1-D convolution of `x` ([N, Cin, L], or [Cin, L]) with `weight` ([Cout, Cin / groups, K]),
 * plus `bias` ([Cout]): PyTorch's `F.conv1d`, run as conv2d on views with H = 1 (no copy).
 */
export function conv1d(x: TensorLike, weight: TensorLike, bias?: TensorLike | null, opts: ConvOptions<never> = {}): Tensor {
  return convolve(ONE_D, x, weight, bias, opts);
}

/**
 * The 2-D transposed convolution of `x` ([N, Cin, H, W], or [Cin, H, W]) with `weight`
 * ([Cin, Cout / groups, kH, kW]), plus `bias` ([Cout]): PyTorch's `F.conv_transpose2d`, the
 * gradient of conv2d in its input. The output extent is (H - 1) stride - 2 padding +
 * dilation (kH - 1) + outputPadding + 1.
 */
export function convTranspose2d(x: TensorLike, weight: TensorLike, bias?: TensorLike | null, opts: ConvTransposeOptions<[number, number]> = {}): Tensor {
  return convolveTransposed(TWO_D_TRANSPOSED, x, weight, bias, opts);
}

/**
 * The 1-D transposed convolution of `x` ([N, Cin, L], or [Cin, L]) with `weight`
 * ([Cin, Cout / groups, K]), plus `bias`: PyTorch's `F.conv_transpose1d`, run as convTranspose2d
 * on views with H = 1.
 */
export function convTranspose1d(x: TensorLike, weight: TensorLike, bias?: TensorLike | null, opts: ConvTransposeOptions<never> = {}): Tensor {
  return convolveTransposed(ONE_D_TRANSPOSED, x, weight, bias, opts);
}
