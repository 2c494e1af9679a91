/**
 * The ONNX form of each traced op: one converter per op name of @nn/autograd (the primitives, the
 * comparisons, and the custom ops of @nn/layers' special functions and attention). A converter writes the nodes
 * of one op call and returns the name of its result. An op missing here has no ONNX form: the
 * export fails naming it (see export.ts).
 */
import type { Tensor, TracedOp } from '@nn/autograd';
import { DataType } from './messages.js';
import { int, ints, type ExportContext } from './graph.js';

/**
 * Writes one op call; `alt` is the same call in the second trace (null without one). Returns the
 * name of the result, or null when the converter has bound the result itself.
 */
export type OpConverter = (ctx: ExportContext, op: TracedOp, alt: TracedOp | null) => string | null;

/** Slice's "to the end": ONNX clamps an end past the axis to its size. */
const TO_THE_END = Number.MAX_SAFE_INTEGER;

interface ReduceAttrs { axes: number[]; keepDims: boolean }
interface SliceAttrs { start: number[]; end: number[] }
interface PadAttrs { before: number[]; after: number[] }
interface ConvAttrs { stride: [number, number]; padding: [number, number]; dilation: [number, number]; groups: number; size: [number, number] }
interface IndexAttrs { axis: number; index: Tensor }
interface MeanWindows { inputSize: number; starts: Int32Array; ends: Int32Array; sizes: Float64Array }
interface PoolAxis { kernel: number; stride: number; padding: number; dilation: number }
interface MaxPoolPlan { rows: PoolAxis; cols: PoolAxis; ceilMode: boolean }

const input = (ctx: ExportContext, op: TracedOp, i: number): string => ctx.value(op.inputs[i]!);

/**
 * An input's value in the op's computing type: an int32 operand of an op whose result is a float
 * (true division, int32 with float32) is cast to FLOAT, as @nn promotes it; ONNX's ops take one type.
 */
function promoted(ctx: ExportContext, op: TracedOp, t: Tensor, float: boolean): string {
  const value = ctx.value(t);
  return float && t.dtype === 'int32' ? ctx.node('Cast', [value], { to: int(DataType.FLOAT) })[0]! : value;
}

/** An op that is one ONNX node of the same inputs. */
function same(opType: string, attributes: Parameters<ExportContext['node']>[2] = {}): OpConverter {
  return (ctx, op) => ctx.node(opType, op.inputs.map((t) => promoted(ctx, op, t, op.output.dtype !== 'int32')), attributes)[0]!;
}

/** f(x) written as nodes on x's value. */
function unary(write: (ctx: ExportContext, x: string) => string): OpConverter {
  return (ctx, op) => write(ctx, input(ctx, op, 0));
}

const scalar = (ctx: ExportContext, v: number): string => ctx.floats([v], [], 'scalar');
const bin = (ctx: ExportContext, opType: string, a: string, b: string): string => ctx.node(opType, [a, b])[0]!;
const un = (ctx: ExportContext, opType: string, a: string): string => ctx.node(opType, [a])[0]!;

/** A comparison: its BOOL result serves Where; its 0/1 float value is written only if read. */
function comparison(write: (ctx: ExportContext, a: string, b: string) => string): OpConverter {
  return (ctx, op) => {
    // Operands of mixed types (int32 with a float) compare as floats.
    const float = op.inputs.some((t) => t.dtype !== 'int32');
    const b = write(ctx, promoted(ctx, op, op.inputs[0]!, float), promoted(ctx, op, op.inputs[1]!, float));
    ctx.bindBool(op.output, b);
    ctx.bindLazily(op.output, () => ctx.node('Cast', [b], { to: int(DataType.FLOAT) })[0]!);
    return null;
  };
}

/** ReduceSum (axes an input since opset 13) and the others (axes an input since 18). */
function reduce(opType: string, axesInputSince: number): OpConverter {
  return (ctx, op) => {
    const { axes, keepDims } = op.attrs as ReduceAttrs;
    const x = input(ctx, op, 0);
    if (axes.length === 0) return un(ctx, 'Identity', x);
    if (ctx.opset >= axesInputSince) return ctx.node(opType, [x, ctx.int64s(axes)], { keepdims: int(keepDims ? 1 : 0) })[0]!;
    return ctx.node(opType, [x], { axes: ints(axes), keepdims: int(keepDims ? 1 : 0) })[0]!;
  };
}

/**
 * A reshape's target: one batch-dependent entry (one that differs in the second trace) is written as
 * -1, which Reshape infers; more are computed from the input's batch size (`ctx.sizes`).
 */
const reshape: OpConverter = (ctx, op, alt) => {
  const target = op.attrs as number[];
  const altTarget = alt === null ? null : (alt.attrs as number[]);
  const varying = target.filter((d, i) => altTarget !== null && altTarget[i] !== d).length;
  const shape = varying === 1 ? ctx.int64s(target.map((d, i) => (altTarget![i] !== d ? -1 : d))) : ctx.sizes(target, altTarget);
  return ctx.node('Reshape', [input(ctx, op, 0), shape])[0]!;
};

const expand: OpConverter = (ctx, op, alt) => {
  const target = op.attrs as number[];
  const altTarget = alt === null ? target : (alt.attrs as number[]);
  const x = op.inputs[0]!;
  const xBatch = ctx.batchAxes(x);
  // Expand broadcasts: a 1 keeps the input's size, which follows the batch there; an axis of size 1
  // expanded to a batch-dependent size gets it computed from the input's batch size.
  const kept = target.map((d, i) => {
    const from = i - (target.length - x.ndim);
    return d !== altTarget[i] && from >= 0 && xBatch[from]! ? 1 : d;
  });
  const altKept = kept.map((d, i) => (d === 1 && target[i] !== 1 ? 1 : altTarget[i]!));
  return ctx.node('Expand', [ctx.value(x), ctx.sizes(kept, altKept)])[0]!;
};

const slice: OpConverter = (ctx, op, alt) => {
  const { start, end } = op.attrs as SliceAttrs;
  const x = op.inputs[0]!;
  const altShape = ctx.altShape(x);
  const altAttrs = alt === null ? null : (alt.attrs as SliceAttrs);
  const starts: number[] = [];
  const ends: number[] = [];
  const axes: number[] = [];
  x.shape.forEach((size, axis) => {
    const s = start[axis]!;
    const e = end[axis]!;
    if (s === 0 && e === size) return;
    const altSize = altShape[axis]!;
    if (altSize === size || altAttrs === null) {
      starts.push(s);
      ends.push(e);
    } else {
      // Along the batch axis: the same distance from the end in both traces, written from the end.
      const [as, ae] = [altAttrs.start[axis]!, altAttrs.end[axis]!];
      if (as !== s || altSize - ae !== size - e) throw ctx.fail(`slice [${s}, ${e}) of an axis that follows the batch size`);
      starts.push(s);
      ends.push(e === size ? TO_THE_END : e - size);
    }
    axes.push(axis);
  });
  if (axes.length === 0) return un(ctx, 'Identity', ctx.value(x));
  return ctx.node('Slice', [ctx.value(x), ctx.int64s(starts), ctx.int64s(ends), ctx.int64s(axes)])[0]!;
};

const pad: OpConverter = (ctx, op) => {
  const { before, after } = op.attrs as PadAttrs;
  return ctx.node('Pad', [input(ctx, op, 0), ctx.int64s([...before, ...after])], { mode: { kind: 'string', value: 'constant' } })[0]!;
};

const conv2d: OpConverter = (ctx, op) => {
  const { stride, padding, dilation, groups, size } = op.attrs as ConvAttrs;
  const [x, w] = op.inputs as [Tensor, Tensor];
  const kernel = [w.shape[2]!, w.shape[3]!];
  // The padding after is what makes the recorded output size ('same' pads one more after when odd).
  const after = [0, 1].map((a) => (size[a]! - 1) * stride[a]! + dilation[a]! * (kernel[a]! - 1) + 1 - x.shape[2 + a]! - padding[a]!);
  return ctx.node('Conv', [ctx.value(x), ctx.value(w)], {
    kernel_shape: ints(kernel), strides: ints(stride), dilations: ints(dilation), group: int(groups),
    pads: ints([padding[0], padding[1], Math.max(after[0]!, 0), Math.max(after[1]!, 0)]),
  })[0]!;
};

const convTranspose2d: OpConverter = (ctx, op) => {
  const { stride, padding, dilation, groups, size } = op.attrs as ConvAttrs;
  const [x, w] = op.inputs as [Tensor, Tensor];
  const kernel = [w.shape[2]!, w.shape[3]!];
  // ONNX: out = stride (in - 1) + output_padding + dilation (k - 1) + 1 - pads; output_padding is the rest.
  const outputPadding = [0, 1].map((a) => size[a]! - (stride[a]! * (x.shape[2 + a]! - 1) + dilation[a]! * (kernel[a]! - 1) + 1 - 2 * padding[a]!));
  return ctx.node('ConvTranspose', [ctx.value(x), ctx.value(w)], {
    kernel_shape: ints(kernel), strides: ints(stride), dilations: ints(dilation), group: int(groups),
    pads: ints([padding[0], padding[1], padding[0], padding[1]]), output_padding: ints(outputPadding),
  })[0]!;
};

/**
 * meanPool2d on planes [P, H, W]: out = A x B^T, A [outH, H] and B [outW, W] holding 1 / divisor
 * on each window's span (an average pool is separable, its divisor a product of one per axis).
 */
const meanPool2d: OpConverter = (ctx, op) => {
  const { rows, cols } = op.attrs as { rows: MeanWindows; cols: MeanWindows };
  const matrix = (w: MeanWindows, transposed: boolean): string => {
    const n = w.starts.length;
    const m = w.inputSize;
    const values = new Float32Array(n * m);
    for (let o = 0; o < n; o++) {
      for (let i = w.starts[o]!; i < w.ends[o]!; i++) values[transposed ? i * n + o : o * m + i] = 1 / w.sizes[o]!;
    }
    return ctx.floats(values, transposed ? [m, n] : [n, m], 'pool');
  };
  const left = bin(ctx, 'MatMul', matrix(rows, false), input(ctx, op, 0));
  return bin(ctx, 'MatMul', left, matrix(cols, true));
};

/** windowMax on planes [P, H, W]: ONNX's MaxPool on them as one image [1, P, H, W], with the pool's options. */
const windowMax: OpConverter = (ctx, op) => {
  const { rows, cols, ceilMode } = (op.attrs as { plan: MaxPoolPlan }).plan;
  const both = (key: keyof PoolAxis): number[] => [rows[key], cols[key]];
  const image = ctx.node('Unsqueeze', [input(ctx, op, 0), ctx.int64s([0])])[0]!;
  const pooled = ctx.node('MaxPool', [image], {
    kernel_shape: ints(both('kernel')), strides: ints(both('stride')), dilations: ints(both('dilation')),
    pads: ints([...both('padding'), ...both('padding')]), ceil_mode: int(ceilMode ? 1 : 0),
  })[0]!;
  return ctx.node('Squeeze', [pooled, ctx.int64s([0])])[0]!;
};

const cast: OpConverter = (ctx, op) => {
  const to = op.output.dtype === 'int32' ? DataType.INT32 : DataType.FLOAT;
  return ctx.node('Cast', [input(ctx, op, 0)], { to: int(to) })[0]!;
};

const clamp: OpConverter = (ctx, op) => {
  const { min, max } = op.attrs as { min: number; max: number };
  const bound = (v: number): string => (Number.isFinite(v) ? scalar(ctx, v) : '');
  return ctx.node('Clip', [input(ctx, op, 0), bound(min), bound(max)])[0]!;
};

const where: OpConverter = (ctx, op) => ctx.node('Where', [ctx.boolValue(op.inputs[0]!), input(ctx, op, 1), input(ctx, op, 2)])[0]!;

const SQRT1_2 = Math.SQRT1_2;

/** tril / triu: Trilu, which exists from opset 14. */
function trilu(ctx: ExportContext, op: TracedOp, upper: 0 | 1): string {
  if (ctx.opset < 14) throw ctx.fail(`op '${op.name}' needs opset 14 or later (ONNX's Trilu); got opset ${ctx.opset}`);
  const k = ctx.int64s([(op.attrs as { diagonal: number }).diagonal], []);
  return ctx.node('Trilu', [input(ctx, op, 0), k], { upper: int(upper) })[0]!;
}

/**
 * The ONNX form of each traced op, by the op's name; an op missing here has none, and exportOnnx
 * names it and the module where it ran.
 */
export const opConverters: Readonly<Record<string, OpConverter>> = {
  // Unary.
  neg: same('Neg'), exp: same('Exp'), log: same('Log'), sqrt: same('Sqrt'), abs: same('Abs'), tanh: same('Tanh'),
  sigmoid: same('Sigmoid'), relu: same('Relu'), sin: same('Sin'), cos: same('Cos'), tan: same('Tan'),
  atan: same('Atan'), asin: same('Asin'), acos: same('Acos'), sinh: same('Sinh'), cosh: same('Cosh'),
  asinh: same('Asinh'), acosh: same('Acosh'), atanh: same('Atanh'), erf: same('Erf'),
  floor: same('Floor'), ceil: same('Ceil'), round: same('Round'), reciprocal: same('Reciprocal'),
  square: unary((ctx, x) => bin(ctx, 'Mul', x, x)),
  rsqrt: unary((ctx, x) => un(ctx, 'Reciprocal', un(ctx, 'Sqrt', x))),
  log1p: unary((ctx, x) => un(ctx, 'Log', bin(ctx, 'Add', x, scalar(ctx, 1)))),
  expm1: unary((ctx, x) => bin(ctx, 'Sub', un(ctx, 'Exp', x), scalar(ctx, 1))),
  log2: unary((ctx, x) => bin(ctx, 'Div', un(ctx, 'Log', x), scalar(ctx, Math.LN2))),
  log10: unary((ctx, x) => bin(ctx, 'Div', un(ctx, 'Log', x), scalar(ctx, Math.LN10))),
  erfc: unary((ctx, x) => bin(ctx, 'Sub', scalar(ctx, 1), un(ctx, 'Erf', x))),
  // The custom ops of @nn/layers' special functions (GELU, Softplus, Mish, ELU are built on them).
  normalCdf: unary((ctx, x) => bin(ctx, 'Mul', scalar(ctx, 0.5), bin(ctx, 'Add', scalar(ctx, 1), un(ctx, 'Erf', bin(ctx, 'Mul', x, scalar(ctx, SQRT1_2)))))),
  log1pExp: same('Softplus'),
  expm1WithExpDerivative: unary((ctx, x) => bin(ctx, 'Sub', un(ctx, 'Exp', x), scalar(ctx, 1))),
  // Attention's weights (@nn/layers' fused softmax of the scores plus an additive mask).
  attentionSoftmax: unary((ctx, x) => ctx.node('Softmax', [x], { axis: int(-1) })[0]!),
  maskedAttentionSoftmax: (ctx, op) => ctx.node('Softmax', [bin(ctx, 'Add', input(ctx, op, 0), input(ctx, op, 1))], { axis: int(-1) })[0]!,
  // Binary, broadcasting as NumPy in both.
  add: same('Add'), sub: same('Sub'), mul: same('Mul'), div: same('Div'), pow: same('Pow'),
  maximum: same('Max'), minimum: same('Min'), matmul: same('MatMul'),
  // Comparisons.
  eq: comparison((ctx, a, b) => bin(ctx, 'Equal', a, b)),
  ne: comparison((ctx, a, b) => un(ctx, 'Not', bin(ctx, 'Equal', a, b))),
  lt: comparison((ctx, a, b) => bin(ctx, 'Less', a, b)),
  le: comparison((ctx, a, b) => bin(ctx, 'LessOrEqual', a, b)),
  gt: comparison((ctx, a, b) => bin(ctx, 'Greater', a, b)),
  ge: comparison((ctx, a, b) => bin(ctx, 'GreaterOrEqual', a, b)),
  where, clamp, cast,
  // Reductions.
  sum: reduce('ReduceSum', 13), max: reduce('ReduceMax', 18), min: reduce('ReduceMin', 18), prod: reduce('ReduceProd', 18),
  softmax: (ctx, op) => ctx.node('Softmax', [input(ctx, op, 0)], { axis: int((op.attrs as { axis: number }).axis) })[0]!,
  logSoftmax: (ctx, op) => ctx.node('LogSoftmax', [input(ctx, op, 0)], { axis: int((op.attrs as { axis: number }).axis) })[0]!,
  // Views and structure.
  alias: same('Identity'), reshape, expand, slice, pad,
  permute: (ctx, op) => ctx.node('Transpose', [input(ctx, op, 0)], { perm: ints(op.attrs as number[]) })[0]!,
  concat: (ctx, op) => ctx.node('Concat', op.inputs.map((t) => ctx.value(t)), { axis: int(op.attrs as number) })[0]!,
  tril: (ctx, op) => trilu(ctx, op, 0),
  triu: (ctx, op) => trilu(ctx, op, 1),
  // Indexing: the index is an attribute of the op, a value of the graph here.
  gather: (ctx, op) => {
    const { axis, index } = op.attrs as IndexAttrs;
    return ctx.node('GatherElements', [input(ctx, op, 0), ctx.value(index)], { axis: int(axis) })[0]!;
  },
  indexSelect: (ctx, op) => {
    const { axis, index } = op.attrs as IndexAttrs;
    return ctx.node('Gather', [input(ctx, op, 0), ctx.value(index)], { axis: int(axis) })[0]!;
  },
  // Convolution and pooling.
  conv2d, convTranspose2d, meanPool2d, windowMax,
};

/** The tensors an op reads: its inputs, and a tensor held in its attrs (the index of gather). */
export function tensorsRead(op: TracedOp): Tensor[] {
  const attrs = op.attrs as Partial<IndexAttrs> | undefined;
  const index = attrs !== undefined && attrs !== null && typeof attrs === 'object' && 'index' in attrs ? attrs.index : undefined;
  return index === undefined ? [...op.inputs] : [...op.inputs, index];
}
