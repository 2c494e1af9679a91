/**
 * traceOps: a low-level hook that reports every op call while a function runs. It is what
 * `exportOnnx` of @nn/io records a module's forward with: the define-by-run graph, seen where every
 * op goes through (`apply` of op.ts, and the comparisons, which carry no gradient and so skip
 * `apply`), rather than by reading code. Not part of the modelling API: most code never needs it.
 */
import type { Tensor } from './tensor.js';

/** One op call as the trace sees it. */
export interface TracedOp {
  /** The op's name: a primitive's (`matmul`, `reshape`, ...), a comparison's (`gt`) or a custom op's. */
  readonly name: string;
  /** The tensor inputs, in the op's order. */
  readonly inputs: readonly Tensor[];
  /**
   * The op's non-tensor arguments as its record holds them (`{ axes, keepDims }`, a shape, ...;
   * undefined for an op without). The shape of each op's attrs is internal to @nn/autograd.
   */
  readonly attrs: unknown;
  /** The result. */
  readonly output: Tensor;
}

/** The listener of the active trace, or null: the one check an op call pays when nothing traces. */
let listener: ((op: TracedOp) => void) | null = null;

/** The active listener (read by `apply` on every op call). */
export function activeTracer(): ((op: TracedOp) => void) | null {
  return listener;
}

/**
 * Runs `forward` of an op with the trace suspended, so that the ops inside one op's forward (a custom
 * op's body, a kernel built from other ops) are not reported, then reports the call itself.
 */
export function tracedForward<Attrs>(name: string, inputs: readonly Tensor[], attrs: Attrs, forward: () => Tensor): Tensor {
  const outer = listener;
  if (outer === null) return forward();
  listener = null;
  let output: Tensor;
  try {
    output = forward();
  } finally {
    listener = outer;
  }
  outer({ name, inputs, attrs, output });
  return output;
}

/**
 * Calls `fn` and reports to `onOp` every op that runs inside it, in the order they run: the ops
 * that are called directly, not those an op runs inside its own forward. Traces do not nest: a trace
 * started inside another is an error. Low-level (the building block of ONNX export); while a trace
 * runs, rank-0 ops are recorded as graph nodes rather than on the scalar tape, so that each is seen.
 */
export function traceOps<T>(fn: () => T, onOp: (op: TracedOp) => void): T {
  if (typeof fn !== 'function' || typeof onOp !== 'function') throw new Error('traceOps: fn and onOp must be functions');
  if (listener !== null) throw new Error('traceOps: a trace is already running (traces do not nest)');
  listener = onOp;
  try {
    return fn();
  } finally {
    listener = null;
  }
}
