/**
 * The backward engine. A graph node is recorded for each op output that requires grad; `backward`
 * walks the nodes reachable from a tensor in reverse dependency order and hands each node's
 * gradient to its op's rule.
 *
 * Nothing here recurses on graph depth: reachable nodes are found with an explicit stack, and a node
 * runs once all of its consumers have delivered their gradients (Kahn's algorithm, as PyTorch's engine
 * does), so a chain of millions of ops is fine.
 */
import type { OpContext, OpRecord } from './op.js';
import { isAnomalyDetectionEnabled, runRule, withGradMode } from './mode.js';
import { checkBackwardAnomaly } from './anomaly.js';
import { checkUnchangedSince, currentMutation } from './mutation.js';
import { Tensor } from './tensor.js';
import { formatShape, shapesEqual } from './shape.js';
import { castTo, sumToShape } from './ops/reduce-to-shape.js';
import { fromStorage } from './ops/creation.js';

let currentWalk = 0;

/** The record of one op call in the graph: what its backward rule needs, and walk bookkeeping. */
export class Node implements OpContext<unknown> {
  /** Whether each input requires grad; fixed at record time. */
  readonly needsInputGrad: readonly boolean[];
  /** Set once the graph has been released by a backward pass without `retainGraph`. */
  released = false;
  /** Walk bookkeeping: the walk that last reached this node, and consumers still to deliver. */
  walk = 0;
  pending = 0;
  /** The gradient of `output` summed so far in the current walk. */
  gradSum: Tensor | null = null;
  /** Where the op was called (a stack trace), recorded only under `detectAnomaly`. */
  createdAt: string | null = null;
  /** The in-place change counter when the op ran (see mutation.ts). */
  readonly mutation = currentMutation();

  constructor(
    readonly op: OpRecord<unknown>,
    readonly inputs: readonly Tensor[],
    readonly attrs: unknown,
    readonly output: Tensor,
  ) {
    this.needsInputGrad = needsGradPattern(inputs);
  }
}

/**
 * Which inputs require grad, as a shared frozen array for the common one- and two-input cases, so
 * that recording an op (millions of times in a scalar graph) allocates no array for it.
 */
const PATTERNS: readonly (readonly boolean[])[] = [[false], [true], [false, false], [true, false], [false, true], [true, true]].map(
  (pattern) => Object.freeze(pattern),
);

function needsGradPattern(inputs: readonly Tensor[]): readonly boolean[] {
  if (inputs.length === 1) return PATTERNS[inputs[0]!.requiresGrad ? 1 : 0]!;
  if (inputs.length === 2) return PATTERNS[2 + (inputs[0]!.requiresGrad ? 1 : 0) + (inputs[1]!.requiresGrad ? 2 : 0)]!;
  return inputs.map((input) => input.requiresGrad);
}

export interface BackwardOptions {
  /** Keep the graph so that backward can run through it again. Default: the value of `createGraph`. */
  retainGraph?: boolean;
  /** Record the backward pass itself, so that gradients are differentiable. Default false. */
  createGraph?: boolean;
}

/**
 * Adds `grad` into a leaf's `.grad`, keeping the leaf's shape and dtype. A plain (not recorded)
 * gradient is stored as a contiguous tensor of its own: what a rule returns may be a broadcast view
 * or shared with another leaf (`x.add(y)` hands both the same tensor), and `.grad` must be safe to
 * change in place (gradient clipping does).
 */
function accumulateIntoLeaf(leaf: Tensor, grad: Tensor): void {
  const total = leaf.grad === null ? grad : leaf.grad.add(grad);
  leaf.grad = total.requiresGrad ? total : fromStorage(total.data(), total.shape);
}

/** Sums `grad` into the entry of `key`. */
function addInto<K>(sums: Map<K, Tensor>, key: K, grad: Tensor): void {
  const sum = sums.get(key);
  sums.set(key, sum === undefined ? grad : sum.add(grad));
}

/**
 * Back-propagates from `root`: accumulates d(root)/d(leaf), contracted with `seed`, into the `.grad`
 * of every leaf that requires grad.
 *
 * With `capture` (the functional form, as `torch.autograd.grad`), no `.grad` is touched: the total
 * gradient of each tensor in `capture` is stored in its entry, and the walk stops there, so it never
 * goes further up the graph than the tensors asked for.
 *
 * A tensor's hooks see its total gradient (all uses summed) and may replace it: a leaf's before it
 * is accumulated, an intermediate tensor's before its op's rule runs.
 */
export function runBackward(root: Tensor, seed: Tensor, options: BackwardOptions, capture?: Map<Tensor, Tensor | null>): void {
  // As in PyTorch, a recorded backward keeps the graph: the new graph reaches into the old one.
  const retainGraph = options.retainGraph ?? options.createGraph ?? false;
  const createGraph = options.createGraph ?? false;
  const isStop = (node: Node): boolean => capture !== undefined && capture.has(node.output);
  withGradMode(createGraph, () => {
    const leafGrads = new Map<Tensor, Tensor>();
    const rootNode = root.node;
    if (rootNode === null) {
      leafGrads.set(root, seed);
    } else {
      const walk = ++currentWalk;
      countConsumers(rootNode, walk, isStop);
      rootNode.gradSum = seed;
      const ready: Node[] = [rootNode];
      while (ready.length > 0) {
        const node = ready.pop()!;
        const grad = runHooks(node.output, node.gradSum!);
        node.gradSum = null;
        if (isStop(node)) {
          capture!.set(node.output, grad);
          continue;
        }
        if (node.released) {
          throw new Error(
            `backward: the graph through '${node.op.name}' was already released by an earlier backward(); ` +
              'pass { retainGraph: true } to that first call to backward through the graph twice',
          );
        }
        checkUnchangedSince(node.mutation, node.inputs, node.op.name);
        checkUnchangedSince(node.mutation, [node.output], node.op.name);
        const inputGrads = runRule(() => node.op.backward(grad, node));
        if (!retainGraph) node.released = true;
        if (isAnomalyDetectionEnabled()) checkBackwardAnomaly(node, inputGrads);
        for (let i = 0; i < node.inputs.length; i++) {
          if (!node.needsInputGrad[i]) continue;
          const input = node.inputs[i]!;
          const raw = inputGrads[i] ?? null;
          const inputGrad = raw === null ? null : fitToInput(raw, input, node.op.name, i);
          const inputNode = input.node;
          if (inputNode === null) {
            if (inputGrad !== null) addInto(leafGrads, input, inputGrad);
            continue;
          }
          if (inputGrad !== null) {
            inputNode.gradSum = inputNode.gradSum === null ? inputGrad : inputNode.gradSum.add(inputGrad);
          }
          if (--inputNode.pending === 0) {
            if (inputNode.gradSum !== null) ready.push(inputNode);
            else releaseWithoutGrad(inputNode, retainGraph, ready, isStop);
          }
        }
      }
    }
    for (const [leaf, grad] of leafGrads) {
      const total = runHooks(leaf, grad);
      if (capture === undefined) accumulateIntoLeaf(leaf, total);
      else if (capture.has(leaf)) capture.set(leaf, total);
    }
  });
}

/** Passes a tensor's total gradient through its hooks, in registration order. */
function runHooks(tensor: Tensor, grad: Tensor): Tensor {
  const hooks = tensor.hooks;
  if (hooks === null) return grad;
  let current = grad;
  for (const hook of hooks) {
    const replaced = hook(current);
    if (replaced === undefined) continue;
    if (!(replaced instanceof Tensor) || !shapesEqual(replaced.shape, grad.shape)) {
      const got = replaced instanceof Tensor ? `a gradient of shape ${formatShape(replaced.shape)}` : String(replaced);
      throw new Error(`registerHook: a hook on a tensor of shape ${formatShape(tensor.shape)} returned ${got}; it must return a gradient of shape ${formatShape(grad.shape)} or nothing`);
    }
    current = replaced;
  }
  return current;
}

/**
 * A node whose consumers all returned no gradient gets none either; its own inputs must still be
 * told, so that nodes further up that do receive gradients from elsewhere become ready.
 */
function releaseWithoutGrad(start: Node, retainGraph: boolean, ready: Node[], isStop: (node: Node) => boolean): void {
  const stack = [start];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isStop(node)) continue;
    if (!retainGraph) node.released = true;
    for (let i = 0; i < node.inputs.length; i++) {
      const inputNode = node.needsInputGrad[i] ? node.inputs[i]!.node : null;
      if (inputNode === null) continue;
      if (--inputNode.pending === 0) {
        if (inputNode.gradSum !== null) ready.push(inputNode);
        else stack.push(inputNode);
      }
    }
  }
}

/**
 * Marks every node reachable from `rootNode` (not looking past stop nodes) with `walk` and counts,
 * for each, its consumers.
 */
function countConsumers(rootNode: Node, walk: number, isStop: (node: Node) => boolean): void {
  rootNode.walk = walk;
  rootNode.pending = 0;
  const stack: Node[] = [rootNode];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isStop(node)) continue;
    for (let i = 0; i < node.inputs.length; i++) {
      if (!node.needsInputGrad[i]) continue;
      const inputNode = node.inputs[i]!.node;
      if (inputNode === null) continue;
      if (inputNode.walk !== walk) {
        inputNode.walk = walk;
        inputNode.pending = 0;
        inputNode.gradSum = null;
        stack.push(inputNode);
      }
      inputNode.pending++;
    }
  }
}

/**
 * The one place where gradients are unbroadcast: a rule may return a gradient of the output's
 * broadcast shape, and it is summed back to the input's shape and cast to the input's dtype here.
 */
function fitToInput(grad: Tensor, input: Tensor, opName: string, index: number): Tensor {
  if (!(grad instanceof Tensor)) {
    throw new Error(`backward of '${opName}' returned ${String(grad)} for input ${index}; expected a Tensor or null`);
  }
  let fitted = grad;
  if (!shapesEqual(grad.shape, input.shape)) {
    fitted = sumToShape(grad, input.shape, () =>
      new Error(
        `backward of '${opName}' returned a gradient of shape ${formatShape(grad.shape)} ` +
          `for an input of shape ${formatShape(input.shape)}`,
      ),
    );
  }
  return fitted.dtype === input.dtype ? fitted : castTo(fitted, input.dtype);
}
