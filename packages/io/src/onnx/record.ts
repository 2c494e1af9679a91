/**
 * Records a module's forward for export: the op trace of @nn/autograd (`traceOps`), with the
 * module path each op ran in, and "leaf" modules (those with a module-level exporter, see
 * modules.ts) recorded as one event each, the ops inside them left out. Module calls are seen by
 * shadowing each module's `forward` with a wrapper for the duration of the recording; the wrappers
 * are removed afterwards, whatever happens.
 */
import { noGrad, traceOps, type Tensor, type TracedOp } from '@nn/autograd';
import type { Module } from '@nn/layers';

/** One recorded event: an op call, or a call of a leaf module. */
export type TraceEvent =
  | { readonly kind: 'op'; readonly op: TracedOp; readonly path: string }
  | { readonly kind: 'module'; readonly module: Module; readonly input: Tensor; readonly output: Tensor; readonly path: string };

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
  for (const [path, module] of root.namedModules()) {
    const fields = module as unknown as Record<string, unknown>;
    const hadOwn = Object.hasOwn(fields, 'forward');
    const previous = fields['forward'];
    const original = module.forward;
    const leaf = isLeaf(module);
    fields['forward'] = function tracedForward(this: Module, ...args: unknown[]): Tensor {
      stack.push(path);
      try {
        if (!leaf || insideLeaf > 0) return (original as (...a: unknown[]) => Tensor).apply(this, args);
        if (args.length !== 1) {
          throw new Error(`exportOnnx: ${describeModule(path, module)} was called with ${args.length} arguments; only forward(x) can be exported`);
        }
        insideLeaf++;
        let output: Tensor;
        try {
          output = (original as (...a: unknown[]) => Tensor).apply(this, args);
        } finally {
          insideLeaf--;
        }
        events.push({ kind: 'module', module, input: args[0] as Tensor, output, path });
        return output;
      } finally {
        stack.pop();
      }
    };
    restore.push(() => {
      if (hadOwn) fields['forward'] = previous;
      else delete fields['forward'];
    });
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
