/**
 * Module-level exporters: modules whose forward is written as ONNX's own op rather than as the ops
 * it runs. Recurrent layers become ONNX's RNN / LSTM / GRU (their time loop would otherwise be
 * unrolled for the example's length, and their zero initial state fixed to its batch size); max
 * pooling becomes MaxPool and Embedding becomes Gather (both pick positions from the values in a
 * kernel, which a trace of ops cannot see). Everything else is exported from its traced ops.
 */
import type { Tensor } from '@nn/autograd';
import { Embedding, GRU, LSTM, MaxPool1d, MaxPool2d, RNN, type Module } from '@nn/layers';
import { int, ints, str, strs, type ExportContext } from './graph.js';

/** Writes the nodes of one call of a leaf module and returns the result's name. */
export type ModuleConverter = (ctx: ExportContext, module: Module, input: Tensor, output: Tensor, path: string) => string;

const pair = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

function maxPool(axes: 1 | 2): ModuleConverter {
  return (ctx, module, x) => {
    const m = module as MaxPool2d;
    const take = (v: number | readonly [number, number]): number[] => (axes === 2 ? pair(v) : [typeof v === 'number' ? v : v[0]]);
    const padding = take(m.padding);
    const unbatched = x.ndim === axes + 1;
    let value = ctx.value(x);
    if (unbatched) value = ctx.node('Unsqueeze', [value, ctx.int64s([0])])[0]!;
    value = ctx.node('MaxPool', [value], {
      kernel_shape: ints(take(m.kernelSize)), strides: ints(take(m.stride)), dilations: ints(take(m.dilation)),
      pads: ints([...padding, ...padding]), ceil_mode: int(m.ceilMode ? 1 : 0),
    })[0]!;
    return unbatched ? ctx.node('Squeeze', [value, ctx.int64s([0])])[0]! : value;
  };
}

const embedding: ModuleConverter = (ctx, module, indices) => {
  const m = module as Embedding;
  return ctx.node('Gather', [ctx.value(m.weight), ctx.value(indices)], { axis: int(0) })[0]!;
};

/** What the exporter reads of a recurrent layer (its kind and nonlinearity are protected fields). */
interface RecurrentView {
  readonly kind: 'RNN' | 'LSTM' | 'GRU';
  readonly relu: boolean;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly bidirectional: boolean;
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

const recurrent: ModuleConverter = (ctx, module, x, _output, path) => {
  const m = module as unknown as RecurrentView;
  const fields = module as unknown as Record<string, Tensor | null>;
  const order = GATE_ORDER[m.kind];
  const gates = order.length;
  const hidden = m.hiddenSize;
  const directions = m.bidirectional ? 2 : 1;
  const unbatched = x.ndim === 2;
  // ONNX's layout 0: [T, N, features].
  let seq = ctx.value(x);
  if (unbatched) seq = ctx.node('Unsqueeze', [seq, ctx.int64s([1])])[0]!;
  else if (m.batchFirst) seq = ctx.node('Transpose', [seq], { perm: ints([1, 0, 2]) })[0]!;
  const prefix = path === '' ? '' : `${path}.`;
  for (let layer = 0; layer < m.numLayers; layer++) {
    const suffixes = m.bidirectional ? [`_l${layer}`, `_l${layer}_reverse`] : [`_l${layer}`];
    const inSize = fields[`weight_ih${suffixes[0]}`]!.shape[1]!;
    const stacked = (name: string, columns: number): Float32Array => {
      const out = new Float32Array(directions * gates * hidden * columns);
      suffixes.forEach((s, d) => out.set(reorderGates(fields[`${name}${s}`]!, order, hidden), d * gates * hidden * columns));
      return out;
    };
    const w = ctx.weight(`${prefix}W_l${layer}`, stacked('weight_ih', inSize), [directions, gates * hidden, inSize]);
    const r = ctx.weight(`${prefix}R_l${layer}`, stacked('weight_hh', hidden), [directions, gates * hidden, hidden]);
    const inputs = [seq, w, r];
    if (m.bias) {
      // B is [Wb, Rb] per direction.
      const b = new Float32Array(directions * 2 * gates * hidden);
      suffixes.forEach((s, d) => {
        b.set(reorderGates(fields[`bias_ih${s}`]!, order, hidden), (2 * d) * gates * hidden);
        b.set(reorderGates(fields[`bias_hh${s}`]!, order, hidden), (2 * d + 1) * gates * hidden);
      });
      inputs.push(ctx.weight(`${prefix}B_l${layer}`, b, [directions, 2 * gates * hidden]));
    }
    const attributes: Parameters<ExportContext['node']>[2] = {
      hidden_size: int(hidden),
      direction: str(m.bidirectional ? 'bidirectional' : 'forward'),
    };
    if (m.kind === 'RNN') attributes['activations'] = strs(new Array<string>(directions).fill(m.relu ? 'Relu' : 'Tanh'));
    if (m.kind === 'GRU') attributes['linear_before_reset'] = int(1);
    // Y: [T, directions, N, H] -> [T, N, directions * H], the next layer's input.
    const [y] = ctx.node(m.kind, inputs, attributes, 1);
    const yt = ctx.node('Transpose', [y!], { perm: ints([0, 2, 1, 3]) })[0]!;
    seq = ctx.node('Reshape', [yt, ctx.int64s([0, 0, directions * hidden])])[0]!;
  }
  if (unbatched) return ctx.node('Squeeze', [seq, ctx.int64s([1])])[0]!;
  return m.batchFirst ? ctx.node('Transpose', [seq], { perm: ints([1, 0, 2]) })[0]! : seq;
};

/** The module-level exporters, by class. */
const moduleConverters: readonly (readonly [abstract new (...args: never[]) => Module, ModuleConverter])[] = [
  [MaxPool2d, maxPool(2)],
  [MaxPool1d, maxPool(1)],
  [Embedding, embedding],
  [RNN, recurrent],
  [LSTM, recurrent],
  [GRU, recurrent],
];

/** The module-level exporter of `module`, or undefined when its traced ops are exported. */
export function moduleConverterOf(module: Module): ModuleConverter | undefined {
  return moduleConverters.find(([type]) => module instanceof type)?.[1];
}
