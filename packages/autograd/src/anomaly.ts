/**
 * Anomaly detection (see `detectAnomaly`): finding the op that first makes a NaN or an infinity,
 * in forward or in backward, and saying where it was called.
 */
import type { Node } from './graph-node.js';
import type { Tensor } from './tensor.js';
import { formatShape } from './shape.js';

/** The index of the first non-finite element of `t`, or -1. */
function firstNonFinite(t: Tensor): number {
  const values = t.data();
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

function unravel(flat: number, shape: readonly number[]): string {
  const index = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = flat % shape[axis]!;
    flat = Math.floor(flat / shape[axis]!);
  }
  return `[${index.join(',')}]`;
}

/** Where each op recorded under `detectAnomaly` was called (kept beside the graph, not in every node). */
const callSites = new WeakMap<Node, string>();

/** Records where the op of `node` was called. */
export function recordCallSite(node: Node): void {
  callSites.set(node, callSite());
}

/** The call stack of the op, without the library's own frames. */
export function callSite(): string {
  const stack = new Error().stack ?? '';
  return stack.split('\n').slice(1).filter((line) => !/[\\/]autograd[\\/](src|dist)[\\/]/.test(line)).join('\n') || stack;
}

/** Throws when `output` has a non-finite element although all of `inputs` are finite. */
export function checkForwardAnomaly(opName: string, inputs: readonly Tensor[], output: Tensor): void {
  const bad = firstNonFinite(output);
  if (bad < 0 || inputs.some((input) => firstNonFinite(input) >= 0)) return;
  const value = output.data()[bad];
  throw new Error(
    `detectAnomaly: '${opName}' produced ${value} at ${unravel(bad, output.shape)} of its output (shape ${formatShape(output.shape)}) ` +
      `from finite inputs of shapes ${inputs.map((t) => formatShape(t.shape)).join(', ')}; the op was called at:\n${callSite()}`,
  );
}

/** Throws when a backward rule returns a non-finite gradient for a finite incoming one. */
export function checkBackwardAnomaly(node: Node, inputGrads: readonly (Tensor | null)[]): void {
  inputGrads.forEach((grad, i) => {
    if (grad === null || grad === undefined) return;
    const bad = firstNonFinite(grad);
    if (bad < 0) return;
    throw new Error(
      `detectAnomaly: the backward of '${node.op.name}' returned ${grad.data()[bad]} at ${unravel(bad, grad.shape)} ` +
        `of the gradient for input ${i} (shape ${formatShape(node.inputs[i]!.shape)}); the op was called at:\n${callSites.get(node) ?? '(unknown: the op ran outside detectAnomaly)'}`,
    );
  });
}
