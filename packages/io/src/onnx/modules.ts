/**
 * Module-level exporters: modules whose forward is written as ONNX's own op rather than as the ops
 * it runs. Recurrent layers become ONNX's RNN / LSTM / GRU (their time loop would otherwise be
 * unrolled for the example's length, and their zero initial state fixed to its batch size), and
 * Embedding becomes Gather (it picks rows by the values of its input, which a trace of ops cannot
 * see), and LayerNorm becomes LayerNormalization (its normalization is one fused op, whose eps
 * and axes the trace does not carry). Everything else is exported from its traced ops (max pooling from its primitive, windowMax,
 * as MaxPool: see ./ops.ts).
 */
import type { Tensor } from '@nn/autograd';
import { Embedding, GRU, GRUCell, LayerNorm, LSTM, LSTMCell, RNN, RNNCell, type Module } from '@nn/layers';
import type { ModuleCall } from './record.js';
import { float, int, ints, str, strs, type ExportContext } from './graph.js';

/** Writes the nodes of one call of a leaf module; returns the names of its results, by result name. */
export type ModuleConverter = (ctx: ExportContext, module: Module, call: ModuleCall, path: string) => Record<string, string>;

const embedding: ModuleConverter = (ctx, module, call) => {
  const m = module as Embedding;
  return { result: ctx.node('Gather', [ctx.value(m.weight), ctx.value(call.args[0]!)], { axis: int(0) })[0]! };
};

/** What the exporter reads of a recurrent layer or cell (kind and nonlinearity are protected fields). */
interface RecurrentView {
  readonly kind: 'RNN' | 'LSTM' | 'GRU';
  readonly relu: boolean;
  readonly hiddenSize: number;
  readonly numLayers?: number;
  readonly bias?: boolean;
  readonly batchFirst?: boolean;
  readonly bidirectional?: boolean;
}

/**
 * PyTorch's gate blocks in ONNX's order: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h; RNN one block.
 * Entry k is the PyTorch block that goes to ONNX position k.
 */
const GATE_ORDER = { RNN: [0], LSTM: [0, 3, 1, 2], GRU: [1, 0, 2] } as const;

/** A [G*H, ...] PyTorch matrix (or vector) with its gate blocks reordered for ONNX. */
function reorderGates(t: Tensor, order: readonly number[], hidden: number): Float32Array {
  const data = t.data();
  const block = hidden * (t.ndim === 2 ? t.shape[1]! : 1);
  const out = new Float32Array(data.length);
  order.forEach((from, to) => out.set(data.subarray(from * block, (from + 1) * block), to * block));
  return out;
}

/** The stacked recurrence written as one ONNX op per layer. */
interface Recurrence {
  readonly kind: 'RNN' | 'LSTM' | 'GRU';
  readonly relu: boolean;
  readonly hidden: number;
  readonly layers: number;
  readonly directions: number;
  /** A parameter of layer l, direction d (`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`), or null. */
  param(name: string, layer: number, direction: number): Tensor | null;
  /** Names the initializers. */
  readonly prefix: string;
}

/**
 * seq [T, N, I] through the layers, from initial states h0, c0 ([L*D, N, H] values, or null for
 * zeros). Returns the last layer's output [T, N, D*H] and the final states [L*D, N, H].
 */
function writeRecurrence(ctx: ExportContext, r: Recurrence, input: string, h0: string | null, c0: string | null): { y: string; h: string; c: string | null } {
  const order = GATE_ORDER[r.kind];
  const gates = order.length;
  const { hidden, directions } = r;
  let seq = input;
  const hs: string[] = [];
  const cs: string[] = [];
  for (let layer = 0; layer < r.layers; layer++) {
    const dirs = Array.from({ length: directions }, (_, d) => d);
    const inSize = r.param('weight_ih', layer, 0)!.shape[1]!;
    const stacked = (name: string, columns: number): Float32Array => {
      const out = new Float32Array(directions * gates * hidden * columns);
      dirs.forEach((d) => out.set(reorderGates(r.param(name, layer, d)!, order, hidden), d * gates * hidden * columns));
      return out;
    };
    const w = ctx.weight(`${r.prefix}W_l${layer}`, stacked('weight_ih', inSize), [directions, gates * hidden, inSize]);
    const rw = ctx.weight(`${r.prefix}R_l${layer}`, stacked('weight_hh', hidden), [directions, gates * hidden, hidden]);
    // B is [Wb, Rb] per direction; absent, ONNX takes zeros.
    let b = '';
    if (r.param('bias_ih', layer, 0) !== null) {
      const values = new Float32Array(directions * 2 * gates * hidden);
      dirs.forEach((d) => {
        values.set(reorderGates(r.param('bias_ih', layer, d)!, order, hidden), 2 * d * gates * hidden);
        values.set(reorderGates(r.param('bias_hh', layer, d)!, order, hidden), (2 * d + 1) * gates * hidden);
      });
      b = ctx.weight(`${r.prefix}B_l${layer}`, values, [directions, 2 * gates * hidden]);
    }
    const slab = (state: string | null): string =>
      state === null ? '' : ctx.node('Slice', [state, ctx.int64s([layer * directions]), ctx.int64s([(layer + 1) * directions]), ctx.int64s([0])])[0]!;
    const inputs = [seq, w, rw, b, '', slab(h0)];
    if (r.kind === 'LSTM') inputs.push(slab(c0));
    while (inputs[inputs.length - 1] === '') inputs.pop();
    const attributes: Parameters<ExportContext['node']>[2] = {
      hidden_size: int(hidden),
      direction: str(directions === 2 ? 'bidirectional' : 'forward'),
    };
    if (r.kind === 'RNN') attributes['activations'] = strs(new Array<string>(directions).fill(r.relu ? 'Relu' : 'Tanh'));
    if (r.kind === 'GRU') attributes['linear_before_reset'] = int(1);
    const outs = ctx.node(r.kind, inputs, attributes, r.kind === 'LSTM' ? 3 : 2);
    hs.push(outs[1]!);
    if (r.kind === 'LSTM') cs.push(outs[2]!);
    // Y: [T, D, N, H] -> [T, N, D * H], the next layer's input.
    const yt = ctx.node('Transpose', [outs[0]!], { perm: ints([0, 2, 1, 3]) })[0]!;
    seq = ctx.node('Reshape', [yt, ctx.int64s([0, 0, directions * hidden])])[0]!;
  }
  const join = (states: string[]): string => (states.length === 1 ? states[0]! : ctx.node('Concat', states, { axis: int(0) })[0]!);
  return { y: seq, h: join(hs), c: cs.length > 0 ? join(cs) : null };
}

const unsqueeze = (ctx: ExportContext, v: string, axes: number[]): string => ctx.node('Unsqueeze', [v, ctx.int64s(axes)])[0]!;
const squeeze = (ctx: ExportContext, v: string, axes: number[]): string => ctx.node('Squeeze', [v, ctx.int64s(axes)])[0]!;

/** RNN, LSTM, GRU: forward(x), run(x, h0?) or run(x, { h, c }?), batchFirst and unbatched inputs. */
const recurrent: ModuleConverter = (ctx, module, call, path) => {
  const m = module as unknown as RecurrentView;
  const fields = module as unknown as Record<string, Tensor | undefined>;
  const directions = m.bidirectional === true ? 2 : 1;
  const [x, h0, c0] = call.args as [Tensor, Tensor | undefined, Tensor | undefined];
  const unbatched = x.ndim === 2;
  // ONNX's layout 0: [T, N, features]; states [L*D, N, H].
  let seq = ctx.value(x);
  if (unbatched) seq = unsqueeze(ctx, seq, [1]);
  else if (m.batchFirst === true) seq = ctx.node('Transpose', [seq], { perm: ints([1, 0, 2]) })[0]!;
  const state = (t: Tensor | undefined): string | null => (t === undefined ? null : unbatched ? unsqueeze(ctx, ctx.value(t), [1]) : ctx.value(t));
  const { y, h, c } = writeRecurrence(ctx, {
    kind: m.kind, relu: m.relu, hidden: m.hiddenSize, layers: m.numLayers ?? 1, directions,
    param: (name, layer, d) => fields[`${name}_l${layer}${d === 1 ? '_reverse' : ''}`] ?? null,
    prefix: path === '' ? '' : `${path}.`,
  }, seq, state(h0), state(c0));
  const output = unbatched ? squeeze(ctx, y, [1]) : m.batchFirst === true ? ctx.node('Transpose', [y], { perm: ints([1, 0, 2]) })[0]! : y;
  const final = (s: string): string => (unbatched ? squeeze(ctx, s, [1]) : s);
  const names: Record<string, string> = { result: output, output, h: final(h) };
  if (c !== null) names['c'] = final(c);
  return names;
};

/** RNNCell, GRUCell, LSTMCell: one step, a sequence of length 1. forward(x, h?) or run(x, { h, c }?). */
const cell: ModuleConverter = (ctx, module, call, path) => {
  const m = module as unknown as RecurrentView;
  const fields = module as unknown as Record<string, Tensor | null>;
  const [x, h0, c0] = call.args as [Tensor, Tensor | undefined, Tensor | undefined];
  // [N, I] -> [1, N, I]; unbatched [I] -> [1, 1, I]; states [N, H] -> [1, N, H].
  const axes = x.ndim === 1 ? [0, 1] : [0];
  const state = (t: Tensor | undefined): string | null => (t === undefined ? null : unsqueeze(ctx, ctx.value(t), axes));
  const { h, c } = writeRecurrence(ctx, {
    kind: m.kind, relu: m.relu, hidden: m.hiddenSize, layers: 1, directions: 1,
    param: (name) => fields[name] ?? null,
    prefix: path === '' ? '' : `${path}.`,
  }, unsqueeze(ctx, ctx.value(x), axes), state(h0), state(c0));
  const hOut = squeeze(ctx, h, axes);
  const names: Record<string, string> = { result: hOut, h: hOut };
  if (c !== null) names['c'] = squeeze(ctx, c, axes);
  return names;
};

/**
 * LayerNorm: ONNX's LayerNormalization from opset 17 on (with a Scale of ones without affine); before,
 * the ops it is made of: (x - mean) / sqrt(variance + eps) with ReduceMean, then the scale and shift.
 */
const layerNorm: ModuleConverter = (ctx, module, call) => {
  const m = module as LayerNorm;
  const x = ctx.value(call.args[0]!);
  const k = m.normalizedShape.length;
  const weight = m.weight === null ? null : ctx.value(m.weight);
  const bias = m.bias === null ? null : ctx.value(m.bias);
  if (ctx.opset >= 17) {
    const scale = weight ?? ctx.floats(new Float32Array(m.normalizedShape.reduce((a, b) => a * b, 1)).fill(1), m.normalizedShape, 'ones');
    const inputs = bias === null ? [x, scale] : [x, scale, bias];
    return { result: ctx.node('LayerNormalization', inputs, { axis: int(-k), epsilon: float(m.eps) })[0]! };
  }
  const axes = Array.from({ length: k }, (_, i) => i - k);
  const mean = (v: string): string => ctx.node('ReduceMean', [v], { axes: ints(axes), keepdims: int(1) })[0]!;
  const centered = ctx.node('Sub', [x, mean(x)])[0]!;
  const variance = mean(ctx.node('Mul', [centered, centered])[0]!);
  const root = ctx.node('Sqrt', [ctx.node('Add', [variance, ctx.floats([m.eps], [], 'eps')])[0]!])[0]!;
  let y = ctx.node('Div', [centered, root])[0]!;
  if (weight !== null) y = ctx.node('Mul', [y, weight])[0]!;
  if (bias !== null) y = ctx.node('Add', [y, bias])[0]!;
  return { result: y };
};

/** The module-level exporters, by class. */
const moduleConverters: readonly (readonly [abstract new (...args: never[]) => Module, ModuleConverter])[] = [
  [Embedding, embedding],
  [LayerNorm, layerNorm],
  [RNN, recurrent],
  [LSTM, recurrent],
  [GRU, recurrent],
  [RNNCell, cell],
  [LSTMCell, cell],
  [GRUCell, cell],
];

/** The module-level exporter of `module`, or undefined when its traced ops are exported. */
export function moduleConverterOf(module: Module): ModuleConverter | undefined {
  return moduleConverters.find(([type]) => module instanceof type)?.[1];
}
