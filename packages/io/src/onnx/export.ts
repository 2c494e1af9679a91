/**
 * exportOnnx: a module's forward, traced on an example input, written as an ONNX ModelProto.
 *
 * How: the forward runs (in eval mode, under no-grad) with the op trace of @nn/autograd on; each
 * traced op is written as its ONNX nodes (ops.ts), each leaf module (modules.ts) as its ONNX op.
 * Parameters and buffers become float32 initializers under their state-dict names; any other tensor
 * an op reads that no traced op made (a number operand, a mask built with `tensor`) is a constant.
 *
 * A second trace, on an input with the rows rolled by one (and one more row with `dynamicBatch`),
 * checks the first: a constant whose values differ between the two was computed from the input
 * outside the traced ops (so it would be wrong for any other input) and is an error; with
 * `dynamicBatch`, the sizes that differ between the traces are those that follow the batch size.
 */
import { checkOptions, concat, describeValue, noGrad, Tensor } from '@nn/autograd';
import { Module } from '@nn/layers';
import { encodeModel, type ValueInfo } from './messages.js';
import { dataTypeOf, GraphBuilder } from './graph.js';
import { opConverters, tensorsRead } from './ops.js';
import { moduleConverterOf } from './modules.js';
import { describeModule, recordForward, type TraceEvent } from './record.js';

/** Options of `exportOnnx`. */
export interface ExportOnnxOptions {
  /** The ONNX opset (default 17); one of `SUPPORTED_OPSETS`. */
  opset?: number;
  /** The graph input's name (default 'input'). */
  inputName?: string;
  /** The graph output's name (default 'output'). */
  outputName?: string;
  /** Make axis 0 of the input (and the sizes that follow it) symbolic, 'batch' (default false). */
  dynamicBatch?: boolean;
}

/** The opsets `exportOnnx` writes. */
export const SUPPORTED_OPSETS: readonly number[] = [13, 14, 15, 16, 17, 18];

/** The IR version written with each opset (the one released beside it). */
const IR_VERSION: Readonly<Record<number, number>> = { 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8 };

const OPTION_NAMES = ['opset', 'inputName', 'outputName', 'dynamicBatch'];

function checkedOptions(opts: ExportOnnxOptions): Required<ExportOnnxOptions> {
  checkOptions('exportOnnx', opts, OPTION_NAMES);
  const opset = opts.opset ?? 17;
  if (!SUPPORTED_OPSETS.includes(opset)) throw new Error(`exportOnnx: opset ${describeValue(opset)} is not supported (supported: ${SUPPORTED_OPSETS.join(', ')})`);
  const name = (key: 'inputName' | 'outputName', fallback: string): string => {
    const v = opts[key] ?? fallback;
    if (typeof v !== 'string' || v === '') throw new Error(`exportOnnx: ${key} must be a non-empty string, got ${describeValue(v)}`);
    return v;
  };
  const inputName = name('inputName', 'input');
  const outputName = name('outputName', 'output');
  if (inputName === outputName) throw new Error(`exportOnnx: inputName and outputName must differ, both are '${inputName}'`);
  const dynamicBatch = opts.dynamicBatch ?? false;
  if (typeof dynamicBatch !== 'boolean') throw new Error(`exportOnnx: dynamicBatch must be a boolean, got ${describeValue(dynamicBatch)}`);
  return { opset, inputName, outputName, dynamicBatch };
}

/** The second trace's input: rows rolled by one, plus a copy of the first row with `grow`. */
function secondInput(x: Tensor, grow: boolean): Tensor {
  return noGrad(() => {
    const n = x.shape[0]!;
    const rest = x.shape.slice(1);
    const from = (s: number, e: number): Tensor => x.slice([s, ...rest.map(() => 0)], [e, ...rest]);
    const rolled = n > 1 ? concat([from(1, n), from(0, 1)], 0) : x;
    return grow ? concat([rolled, from(0, 1)], 0) : rolled;
  });
}

/** Runs the forward in eval mode, restoring each submodule's mode afterwards. */
function inEvalMode<T>(module: Module, fn: () => T): T {
  const modes = module.namedModules().map(([, m]) => [m, m.training] as const);
  module.eval();
  try {
    return fn();
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}

/**
 * Exports `module` as an ONNX model (the bytes of a ModelProto), traced on `exampleInput`.
 *
 * The graph is what the forward ran on the example: control flow on tensor values is captured as
 * it went, as `torch.onnx.export` traces. The export runs in eval mode (Dropout the identity,
 * BatchNorm on its running statistics) and restores the module's mode after. Parameters become
 * float32 initializers named by their state-dict keys; the input and output are named by
 * `inputName` and `outputName`; `dynamicBatch` makes axis 0 symbolic. An op with no ONNX form
 * throws an Error naming the op and the module path where it ran.
 *
 * ```ts
 * const bytes = exportOnnx(net, zeros([1, 64]), { dynamicBatch: true });
 * ```
 */
export function exportOnnx(module: Module, exampleInput: Tensor, opts: ExportOnnxOptions = {}): Uint8Array {
  if (!(module instanceof Module)) throw new Error(`exportOnnx: module must be a Module, got ${describeValue(module)}`);
  if (!(exampleInput instanceof Tensor)) throw new Error(`exportOnnx: exampleInput must be a Tensor, got ${describeValue(exampleInput)}`);
  const { opset, inputName, outputName, dynamicBatch } = checkedOptions(opts);
  if (exampleInput.ndim === 0 || exampleInput.shape[0] === 0) {
    throw new Error(`exportOnnx: exampleInput must have a non-empty first axis (the batch), got shape [${exampleInput.shape.join(', ')}]`);
  }
  const isLeaf = (m: Module): boolean => moduleConverterOf(m) !== undefined;
  const [first, second] = inEvalMode(module, () => {
    // A first, untraced run fills what a forward caches (a causal mask, ...), so that the two traces
    // see the same state: otherwise the first would record ops that the second skips.
    noGrad(() => module.forward(exampleInput));
    const a = recordForward(module, exampleInput, isLeaf);
    const b = recordForward(module, secondInput(exampleInput, dynamicBatch), isLeaf);
    return [a, b];
  });
  const comparable = sameStructure(first.events, second.events);
  if (!comparable && dynamicBatch) {
    throw new Error('exportOnnx: the traced ops differ between two batch sizes (control flow on the batch size or on values?); export without dynamicBatch');
  }

  const parameterNames = new Map<Tensor, string>();
  for (const [name, t] of [...module.namedParameters(), ...module.namedBuffers()]) if (!parameterNames.has(t)) parameterNames.set(t, name);
  const altBatch = dynamicBatch ? exampleInput.shape[0]! + 1 : exampleInput.shape[0]!;
  const graph = new GraphBuilder(opset, parameterNames, { name: inputName, batch: exampleInput.shape[0]!, altBatch });
  graph.reserve(inputName);
  graph.reserve(outputName);
  graph.bind(exampleInput, inputName);
  const alt = comparable ? second : null;
  if (alt !== null) {
    graph.setAltShape(exampleInput, secondInputShape(exampleInput, dynamicBatch));
    noteAltShapes(graph, first.events, alt.events);
  }
  const modules = new Map(module.namedModules());

  first.events.forEach((event, i) => {
    graph.current = describeModule(event.path, modules.get(event.path));
    if (event.kind === 'module') {
      const convert = moduleConverterOf(event.module)!;
      const names = convert(graph, event.module, event.call, event.path);
      for (const [key, t] of Object.entries(event.call.results)) {
        const name = names[key];
        if (name === undefined) throw graph.fail(`the result '${key}' of ${event.call.method} has no ONNX form`);
        graph.bind(t, name);
      }
      return;
    }
    const convert = opConverters[event.op.name];
    if (convert === undefined) throw graph.fail(`op '${event.op.name}' has no ONNX form`);
    const altEvent = alt?.events[i];
    const result = convert(graph, event.op, altEvent?.kind === 'op' ? altEvent.op : null);
    if (result !== null) graph.bind(event.op.output, result);
  });
  graph.current = '';
  graph.node('Identity', [graph.value(first.output)]);
  // The last node writes the output under its name.
  const last = graph.nodes.pop()!;
  graph.nodes.push({ ...last, outputs: [outputName] });
  if (alt !== null) checkConstants(graph, first.events, alt.events, modules);

  // A size that follows the batch is symbolic: 'batch' where it is the batch size, else named by its axis.
  const dims = (t: Tensor, name: string): (number | string)[] => {
    const axes = graph.batchAxes(t);
    return t.shape.map((d, i) => (!axes[i] ? d : d === exampleInput.shape[0] && graph.altShape(t)[i] === altBatch ? 'batch' : `${name}_dim${i}`));
  };
  const inputInfo: ValueInfo = { name: inputName, dataType: dataTypeOf(exampleInput), dims: dims(exampleInput, inputName) };
  const outputInfo: ValueInfo = { name: outputName, dataType: dataTypeOf(first.output), dims: dims(first.output, outputName) };
  return encodeModel({
    irVersion: IR_VERSION[opset]!,
    opsetVersion: opset,
    producerName: '@nn/io',
    producerVersion: '0.1.0',
    graph: { name: module.constructor.name, nodes: graph.nodes, initializers: graph.initializers, inputs: [inputInfo], outputs: [outputInfo] },
  });
}

function secondInputShape(x: Tensor, grow: boolean): number[] {
  return grow ? [x.shape[0]! + 1, ...x.shape.slice(1)] : [...x.shape];
}

/** Whether two traces ran the same ops and leaf modules in the same order. */
function sameStructure(a: readonly TraceEvent[], b: readonly TraceEvent[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((e, i) => {
    const f = b[i]!;
    if (e.kind !== f.kind || e.path !== f.path) return false;
    return e.kind === 'op'
      ? f.kind === 'op' && e.op.name === f.op.name && e.op.inputs.length === f.op.inputs.length
      : f.kind === 'module' && e.module === f.module && e.call.method === f.call.method;
  });
}

/** Gives every tensor of the first trace its shape in the second. */
function noteAltShapes(graph: GraphBuilder, a: readonly TraceEvent[], b: readonly TraceEvent[]): void {
  a.forEach((e, i) => {
    const f = b[i]!;
    if (e.kind === 'op' && f.kind === 'op') {
      const reads = tensorsRead(e.op);
      const altReads = tensorsRead(f.op);
      reads.forEach((t, j) => graph.setAltShape(t, altReads[j]!.shape));
      graph.setAltShape(e.op.output, f.op.output.shape);
    } else if (e.kind === 'module' && f.kind === 'module') {
      e.call.args.forEach((t, j) => {
        const u = f.call.args[j];
        if (t !== undefined && u !== undefined) graph.setAltShape(t, u.shape);
      });
      for (const [key, t] of Object.entries(e.call.results)) {
        const u = f.call.results[key];
        if (u !== undefined) graph.setAltShape(t, u.shape);
      }
    }
  });
}

/**
 * The constants of the graph must be the same in the second trace: one that is not was computed
 * from the input outside the traced ops (its value would be frozen at the example's).
 */
function checkConstants(graph: GraphBuilder, a: readonly TraceEvent[], b: readonly TraceEvent[], modules: Map<string, Module>): void {
  const constants = new Set(graph.constants.map((c) => c.tensor));
  a.forEach((e, i) => {
    const f = b[i]!;
    if (e.kind !== 'op' || f.kind !== 'op') return;
    const altReads = tensorsRead(f.op);
    tensorsRead(e.op).forEach((t, j) => {
      if (!constants.has(t)) return;
      const u = altReads[j]!;
      const where = `, in ${describeModule(e.path, modules.get(e.path))}`;
      if (u.shape.length !== t.shape.length || u.shape.some((d, k) => d !== t.shape[k])) {
        throw new Error(`exportOnnx: op '${e.op.name}' reads a tensor of shape [${t.shape.join(', ')}] that no traced op made and whose shape follows the batch size${where}; it cannot be a constant of the graph`);
      }
      if (!sameValues(t, u)) {
        throw new Error(`exportOnnx: op '${e.op.name}' reads a tensor of shape [${t.shape.join(', ')}] that was computed from the input outside the traced ops (it has no ONNX form: it would stay fixed at the example's values)${where}`);
      }
    });
  });
}

function sameValues(t: Tensor, u: Tensor): boolean {
  const x = t.data();
  const y = u.data();
  for (let i = 0; i < x.length; i++) if (!(x[i] === y[i] || (Number.isNaN(x[i]!) && Number.isNaN(y[i]!)))) return false;
  return true;
}
