/**
 * Records a module's forward for export: the op trace of @nn/autograd (`traceOps`), with the
 * module path each op ran in, and "leaf" modules (those with a module-level exporter, see
 * modules.ts) recorded as one event each, the ops inside them left out. Module calls are seen by
 * shadowing each module's `forward` with a wrapper for the duration of the recording; the wrappers
 * are removed afterwards, whatever happens.
 */
import { noGrad, traceOps, Tensor, type TracedOp } from '@nn/autograd';
import type { Module } from '@nn/layers';

/**
 * A call of a leaf module: `forward(x, h?)`, or `run(x, h0?)` / `run(x, { h, c }?)` of a recurrent
 * layer, its tensor arguments as [x, h, c] and its results by name (`result` for forward's tensor;
 * `output`, `h`, `c` for run's fields).
 */
export interface ModuleCall {
  readonly method: 'forward' | 'run';
  readonly args: readonly (Tensor | undefined)[];
  readonly results: Readonly<Record<string, Tensor>>;
}

/** One recorded event: an op call, or a call of a leaf module. */
export type TraceEvent =
  | { readonly kind: 'op'; readonly op: TracedOp; readonly path: string }
  | { readonly kind: 'module'; readonly module: Module; readonly call: ModuleCall; readonly path: string };

/** The tensor arguments of a leaf call as [x, h, c]; anything else is an error. */
function tensorArgs(args: readonly unknown[], where: string): (Tensor | undefined)[] {
  const [x, state, ...rest] = args;
  if (!(x instanceof Tensor) || rest.length > 0) throw new Error(`exportOnnx: ${where} must be called with a tensor and at most a state to be exported`);
  if (state === undefined || state instanceof Tensor) return [x, state];
  if (typeof state === 'object' && state !== null && 'h' in state && 'c' in state) {
    const { h, c } = state as { h: unknown; c: unknown };
    if (h instanceof Tensor && c instanceof Tensor) return [x, h, c];
  }
  throw new Error(`exportOnnx: ${where}: the state must be a tensor or { h, c } of tensors to be exported`);
}

/** The results of a leaf call by name. */
function namedResults(result: unknown, where: string): Record<string, Tensor> {
  if (result instanceof Tensor) return { result };
  const named: Record<string, Tensor> = {};
  if (typeof result === 'object' && result !== null) {
    for (const [key, value] of Object.entries(result)) if (value instanceof Tensor) named[key] = value;
  }
  if (Object.keys(named).length === 0) throw new Error(`exportOnnx: ${where} returned no tensor`);
  return named;
}

/** How a module is named in messages: its path and class (`'layers.2' (MaxPool2d)`). */
export function describeModule(path: string, module: Module | undefined): string {
  const where = path === '' ? 'the root module' : `module '${path}'`;
  return module === undefined ? where : `${where} (${module.constructor.name})`;
}

/**
 * Runs `root.forward(input)` under no-grad and returns the events and the output. `isLeaf` says
 * which modules are recorded whole.
 */
export function recordForward(root: Module, input: Tensor, isLeaf: (m: Module) => boolean): { events: TraceEvent[]; output: Tensor } {
  const events: TraceEvent[] = [];
  const stack: string[] = [];
  let insideLeaf = 0;
  const restore: (() => void)[] = [];
  const wrap = (path: string, module: Module, method: 'forward' | 'run', leaf: boolean): void => {
    const fields = module as unknown as Record<string, unknown>;
    const original = fields[method];
    if (typeof original !== 'function') return;
    const hadOwn = Object.hasOwn(fields, method);
    fields[method] = function traced(this: Module, ...args: unknown[]): unknown {
      stack.push(path);
      try {
        if (!leaf || insideLeaf > 0) return (original as (...a: unknown[]) => unknown).apply(this, args);
        const where = `${describeModule(path, module)}.${method}`;
        const tensors = tensorArgs(args, where);
        insideLeaf++;
        let result: unknown;
        try {
          result = (original as (...a: unknown[]) => unknown).apply(this, args);
        } finally {
          insideLeaf--;
        }
        events.push({ kind: 'module', module, call: { method, args: tensors, results: namedResults(result, where) }, path });
        return result;
      } finally {
        stack.pop();
      }
    };
    restore.push(() => {
      if (hadOwn) fields[method] = original;
      else delete fields[method];
    });
  };
  for (const [path, module] of root.namedModules()) {
    const leaf = isLeaf(module);
    wrap(path, module, 'forward', leaf);
    // A recurrent layer's run (its states too) is exported whole as well.
    if (leaf) wrap(path, module, 'run', leaf);
  }
  try {
    const output = noGrad(() =>
      traceOps(
        () => root.forward(input),
        (op) => {
          if (insideLeaf === 0) events.push({ kind: 'op', op, path: stack[stack.length - 1] ?? '' });
        },
      ),
    );
    return { events, output };
  } finally {
    for (const undo of restore) undo();
  }
}
