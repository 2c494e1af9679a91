/**
 * The backward engine. A graph node is recorded for each op output that requires grad; `backward`
 * walks the nodes reachable from a tensor in reverse dependency order and hands each node's
 * gradient to its op's rule.
 *
 * Nothing here recurses on graph depth: reachable nodes are found with an explicit worklist, and a
 * node runs once all of its consumers have delivered their gradients (Kahn's algorithm, as PyTorch's
 * engine does), so a chain of millions of ops is fine.
 *
 * Rank-0 ops with scalar rules (a micrograd-style graph) are not recorded as nodes but on a tape: see
 * tape.ts. A backward pass first runs the nodes, then sweeps the tapes they (or the root) lead into
 * (tape-sweep.ts).
 */
import type { OpContext, OpRecord, ScalarCall, ScalarRule } from './op.js';
import type { DType } from './dtype.js';
import { allocate, forgetFreshStorages, takeFreshStorage, trackFreshStorages } from './dtype.js';
import { describeValue } from './describe-value.js';
import { isAnomalyDetectionEnabled, runRule, withGradMode } from './mode.js';
import { checkBackwardAnomaly } from './anomaly.js';
import { Tensor, type GradientHook } from './tensor.js';
import { formatShape, SCALAR_SHAPE, shapesEqual } from './shape.js';
import { castTo, sumToShape } from './ops/reduce-to-shape.js';
import { fromStorage, scalar } from './ops/creation.js';
import { startNewTapes, Tape } from './tape.js';
import { checkReady, Node } from './graph-node.js';
import { TapeSweep } from './tape-sweep.js';

/** The producer of `t` when it is a graph node (not the tape). */
function nodeOf(t: Tensor): Node | null {
  const producer = t.producer;
  return producer instanceof Node ? producer : null;
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
  if (total.requiresGrad) {
    leaf.grad = total;
    return;
  }
  // A storage made in this pass that the total fills exactly is given to the leaf as it is, as
  // PyTorch steals a gradient no one else holds: copying it cost a new array the size of the
  // parameter each step (in Chromium, page faults on each 4 KiB of it). Else a copy, so that no two
  // leaves, and nothing the caller holds (the seed, say), share the leaf's gradient.
  const fillsItsStorage = total.isContiguous && total.offset === 0 && total.storage.length === total.size;
  const storage = fillsItsStorage && takeFreshStorage(total.storage) ? total.storage : total.data();
  leaf.grad = fromStorage(storage, total.shape);
}

/**
 * `accumulateIntoLeaf` for a rank-0 leaf's gradient held as a number (in the leaf's dtype): the
 * same sum, without making a tensor for `value` first.
 */
function accumulateNumberIntoLeaf(leaf: Tensor, value: number): void {
  const previous = leaf.grad;
  if (previous !== null && (previous.shape.length !== 0 || previous.dtype !== leaf.dtype)) {
    accumulateIntoLeaf(leaf, scalar(value, leaf.dtype));
    return;
  }
  const storage = allocate(leaf.dtype, 1);
  storage[0] = previous === null ? value : previous.storage[previous.offset]! + value;
  leaf.grad = fromStorage(storage, SCALAR_SHAPE);
}

/** A leaf's gradient summed over a walk: a tensor, or (a rank-0 leaf on the scalar path) a number. */
class LeafSum {
  constructor(
    public tensor: Tensor | null,
    public value: number,
  ) {}
}

const keep = (v: number): number => v;

/** What storing a value in a tensor of `dtype` does to it. */
export function roundingOf(dtype: DType): (v: number) => number {
  return dtype === 'float32' ? Math.fround : keep;
}

/** The value of a rank-0 tensor. */
export function valueOf(t: Tensor): number {
  return t.storage[t.offset]!;
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
  // What the pass records (createGraph) and every later op go on new tapes: the tapes swept here
  // stay as they are.
  startNewTapes();
  const pass = new BackwardPass(retainGraph, !createGraph && !isAnomalyDetectionEnabled(), capture);
  const outer = trackFreshStorages(createGraph ? null : new WeakSet());
  try {
    withGradMode(createGraph, () => pass.run(root, seed));
  } finally {
    trackFreshStorages(outer);
  }
}

/**
 * One backward walk, and its state: for each node reached (by `Node.slot`), the consumers still to
 * deliver a gradient and the gradient summed so far; for each tape reached, a `TapeSweep`.
 *
 * The scalar path: in a pass that records nothing (no `createGraph`, no anomaly detection), the
 * gradient of a rank-0 tensor is held as a plain number rather than as a rank-0 tensor, and an op
 * whose record has `scalarBackward` runs those rules on numbers when its inputs are rank-0 and share
 * the output's dtype. A micrograd-style graph then goes backward without making a tensor per node;
 * a tensor is made only where one is needed: for a rule without a scalar form, a hook, a captured
 * gradient, and a leaf's `.grad`.
 */
export class BackwardPass {
  /** The nodes reached, by slot: `node.slot` is a node's slot in this walk when `nodes[node.slot] === node`. */
  private readonly nodes: Node[] = [];
  /** Nodes whose consumers have all delivered their gradients. */
  private readonly ready: Node[] = [];
  /** By slot: the consumers still to deliver. */
  private pending = new Int32Array(64);
  /** By slot: the gradient summed so far as a tensor, or null (made on first use). */
  private tensorGrads: (Tensor | null)[] | null = null;
  /** By slot, on the scalar path: whether a numeric gradient has arrived, and their sum. */
  private hasScalarGrad = new Uint8Array(0);
  private scalarGrads = new Float64Array(0);
  /** What a scalar rule reads (one object for the walk, its fields rewritten for each node). */
  readonly call: ScalarCall = { grad: NaN, a: NaN, b: NaN, output: NaN };
  /** The leaves' gradients, in the order they were first reached. */
  private readonly leafGrads = new Map<Tensor, LeafSum>();
  /** The tapes the walk leads into, with their part of the walk. */
  private readonly sweeps = new Map<Tape, TapeSweep>();

  constructor(
    private readonly retainGraph: boolean,
    /** Whether rank-0 gradients are held as numbers (the scalar path). */
    private readonly numeric: boolean,
    private readonly capture: Map<Tensor, Tensor | null> | undefined,
  ) {}

  run(root: Tensor, seed: Tensor): void {
    const rootNode = nodeOf(root);
    if (rootNode !== null) {
      this.countConsumers(rootNode);
      if (this.numeric) {
        this.hasScalarGrad = new Uint8Array(this.nodes.length);
        this.scalarGrads = new Float64Array(this.nodes.length);
      }
    }
    this.addGrad(root, seed);
    if (rootNode !== null) {
      this.ready.push(rootNode);
      this.runReady();
    }
    // Tapes take no input from nodes or other tapes: each can go once every node has run.
    for (const sweep of this.sweeps.values()) sweep.run(this);
    // Every leaf's hooks run before any gradient is stored: a hook may keep the gradient it sees,
    // which can share storage with another leaf's, and must do so before that storage is given away
    // (see accumulateIntoLeaf).
    const totals: [Tensor, Tensor][] = [];
    for (const [leaf, sum] of this.leafGrads) {
      if (sum.tensor === null && leaf.hooks === null && this.capture === undefined) {
        accumulateNumberIntoLeaf(leaf, sum.value);
        continue;
      }
      totals.push([leaf, runHooks(leaf, sum.tensor ?? scalar(sum.value, leaf.dtype))]);
    }
    for (const [leaf, total] of totals) {
      if (this.capture === undefined) accumulateIntoLeaf(leaf, total);
      else if (this.capture.has(leaf)) this.capture.set(leaf, total);
    }
    if (!this.retainGraph) releaseRoot(root);
  }

  private isStop(node: Node): boolean {
    return this.capture !== undefined && this.capture.has(node.output);
  }

  /** The part of the walk on `tape`, made when the walk first reaches it. */
  private sweepOf(tape: Tape): TapeSweep {
    let sweep = this.sweeps.get(tape);
    if (sweep === undefined) {
      sweep = new TapeSweep(tape, this.numeric, this.retainGraph);
      if (this.capture !== undefined) {
        for (const t of this.capture.keys()) if (t.producer === tape) sweep.stopAt(t);
      }
      this.sweeps.set(tape, sweep);
    }
    return sweep;
  }

  /** Stores the gradient of a tensor the walk stops at (see `capture`). */
  captured(t: Tensor, grad: Tensor): void {
    this.capture!.set(t, grad);
  }

  /**
   * Finds every node reachable from `rootNode` (not looking past stop nodes), breadth first, gives
   * each a slot in this walk and counts its consumers.
   */
  private countConsumers(rootNode: Node): void {
    const nodes = this.nodes;
    this.reach(rootNode);
    for (let next = 0; next < nodes.length; next++) {
      const node = nodes[next]!;
      if (this.isStop(node)) continue;
      for (let i = 0; i < node.inputCount; i++) {
        if (!node.needsInputGrad[i]) continue;
        const inputNode = nodeOf(node.input(i));
        if (inputNode === null) continue;
        if (nodes[inputNode.slot] !== inputNode) this.reach(inputNode);
        this.pending[inputNode.slot]!++;
      }
    }
  }

  private reach(node: Node): void {
    const slot = this.nodes.length;
    if (slot === this.pending.length) {
      const grown = new Int32Array(2 * slot);
      grown.set(this.pending);
      this.pending = grown;
    }
    node.slot = slot;
    this.nodes.push(node);
  }

  /** Runs the ready nodes, each once all of its consumers have delivered. */
  private runReady(): void {
    const ready = this.ready;
    while (ready.length > 0) {
      const node = ready.pop()!;
      const rules = node.op.scalarBackward;
      if (rules !== undefined && this.hasScalarGrad[node.slot] === 1 && node.output.hooks === null && !this.isStop(node) && hasScalarInputs(node)) {
        checkReady(node);
        this.runScalarRule(node, rules);
        continue;
      }
      const grad = runHooks(node.output, this.takeGrad(node));
      if (this.isStop(node)) {
        this.capture!.set(node.output, grad);
        continue;
      }
      checkReady(node);
      this.runRule(node, grad);
    }
  }

  /** Runs a node's tensor rule and delivers the gradients it returns. */
  private runRule(node: Node, grad: Tensor): void {
    const inputGrads = runRule(node.op, grad, node);
    if (isAnomalyDetectionEnabled()) checkBackwardAnomaly(node, inputGrads);
    for (let i = 0; i < node.inputCount; i++) {
      if (!node.needsInputGrad[i]) continue;
      const input = node.input(i);
      const raw = inputGrads[i] ?? null;
      if (raw !== null) this.addGrad(input, fitToInput(raw, input, node.op.name, i));
      const inputNode = nodeOf(input);
      if (inputNode !== null) this.delivered(inputNode);
    }
    if (!this.retainGraph) node.release();
  }

  /** Runs a node's rules on numbers (the scalar path) and delivers the results. */
  private runScalarRule(node: Node, rules: readonly ScalarRule[]): void {
    // Not released: runReady checked that the inputs are rank-0.
    const input0 = node.input0!;
    const { input1, output } = node;
    const call = this.call;
    call.grad = this.scalarGrads[node.slot]!;
    call.a = valueOf(input0);
    call.b = input1 === null ? 0 : valueOf(input1);
    call.output = valueOf(output);
    this.hasScalarGrad[node.slot] = 0;
    const round = roundingOf(output.dtype);
    if (!this.retainGraph) node.release();
    if (node.needsInputGrad[0]) {
      this.addNumber(input0, rules[0]!(call, round));
      const inputNode = nodeOf(input0);
      if (inputNode !== null) this.delivered(inputNode);
    }
    if (input1 !== null && node.needsInputGrad[1]) {
      this.addNumber(input1, rules[1]!(call, round));
      const inputNode = nodeOf(input1);
      if (inputNode !== null) this.delivered(inputNode);
    }
  }

  /** The total gradient of a node's output, as a tensor, taken out of the walk. */
  private takeGrad(node: Node): Tensor {
    const slot = node.slot;
    if (this.hasScalarGrad[slot] === 1) {
      this.hasScalarGrad[slot] = 0;
      return scalar(this.scalarGrads[slot]!, node.output.dtype);
    }
    const grad = this.tensorGrads![slot]!;
    this.tensorGrads![slot] = null;
    return grad;
  }

  /** Sums `grad` (of `input`'s shape and dtype) into `input`'s gradient. */
  addGrad(input: Tensor, grad: Tensor): void {
    if (this.numeric && input.shape.length === 0) {
      this.addNumber(input, valueOf(grad));
      return;
    }
    if (input.producer instanceof Tape) {
      this.sweepOf(input.producer).addTensor(input.offset, grad);
      return;
    }
    const node = nodeOf(input);
    if (node !== null) {
      this.tensorGrads ??= new Array<Tensor | null>(this.nodes.length).fill(null);
      const sum = this.tensorGrads[node.slot]!;
      this.tensorGrads[node.slot] = sum === null ? grad : sum.add(grad);
      return;
    }
    const sum = this.leafGrads.get(input);
    if (sum === undefined) this.leafGrads.set(input, new LeafSum(grad, 0));
    else sum.tensor = sum.tensor!.add(grad);
  }

  /** `addGrad` for the gradient of a rank-0 `input` held as a number (in `input`'s dtype). */
  addNumber(input: Tensor, value: number): void {
    if (input.producer instanceof Tape) {
      this.sweepOf(input.producer).addNumber(input.offset, value);
      return;
    }
    const node = nodeOf(input);
    if (node !== null) {
      const slot = node.slot;
      // The sum rounded to the dtype, as `add` would give it.
      this.scalarGrads[slot] = this.hasScalarGrad[slot] === 1 ? roundingOf(input.dtype)(this.scalarGrads[slot]! + value) : value;
      this.hasScalarGrad[slot] = 1;
      return;
    }
    const sum = this.leafGrads.get(input);
    if (sum === undefined) this.leafGrads.set(input, new LeafSum(null, value));
    else sum.value = roundingOf(input.dtype)(sum.value + value);
  }

  private hasGrad(node: Node): boolean {
    return this.hasScalarGrad[node.slot] === 1 || (this.tensorGrads !== null && this.tensorGrads[node.slot] !== null);
  }

  /** One of `node`'s consumers has delivered (or has no gradient for it); the last makes it ready. */
  private delivered(node: Node): void {
    if (--this.pending[node.slot]! === 0) {
      if (this.hasGrad(node)) this.ready.push(node);
      else this.releaseWithoutGrad(node);
    }
  }

  /**
   * A node whose consumers all returned no gradient gets none either; its own inputs must still be
   * told, so that nodes further up that do receive gradients from elsewhere become ready.
   */
  private releaseWithoutGrad(start: Node): void {
    const stack = [start];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (this.isStop(node)) continue;
      for (let i = 0; i < node.inputCount; i++) {
        const inputNode = node.needsInputGrad[i] ? nodeOf(node.input(i)) : null;
        if (inputNode === null) continue;
        if (--this.pending[inputNode.slot]! === 0) {
          if (this.hasGrad(inputNode)) this.ready.push(inputNode);
          else stack.push(inputNode);
        }
      }
      if (!this.retainGraph) node.release();
    }
  }
}

/**
 * The last step of releasing a graph: the root keeps its value and nothing else. A node root has
 * dropped its inputs already (`Node.release`); a root on the scalar tape still reads its value from
 * the tape's value array, so it leaves the tape (unless the walk stopped at it, leaving it unreleased).
 */
function releaseRoot(root: Tensor): void {
  const tape = root.producer;
  if (tape instanceof Tape && tape.isReleased(root.offset)) root.leaveTape(Node.releasedFor(tape.opAt(root.offset), root));
}

/**
 * Whether a node's scalar rules apply: it has one or two inputs, rank-0 and of the output's dtype
 * (the output is rank-0, as its gradient is a number), so that every step of a rule rounds to one
 * dtype, as the tensor rule's ops do.
 */
function hasScalarInputs(node: Node): boolean {
  const { input0, input1, output } = node;
  if (input0 === null || node.inputCount > 2 || input0.shape.length !== 0 || input0.dtype !== output.dtype) return false;
  return input1 === null || (input1.shape.length === 0 && input1.dtype === output.dtype);
}

/**
 * Passes a tensor's total gradient through its hooks, in registration order. This is the one place
 * hooks run, so it is where the contract holds: a gradient has its tensor's dtype and shape (a
 * leaf's `.grad` always has the leaf's). A hook returning another dtype or shape is an error naming
 * the hook, as PyTorch's "hook 'h' has changed the type of value": casting it back would hide the
 * bug of the hook.
 */
export function runHooks(tensor: Tensor, grad: Tensor): Tensor {
  const hooks = tensor.hooks;
  if (hooks === null) return grad;
  let current = grad;
  for (const hook of hooks) {
    const replaced = hook(current);
    forgetFreshStorages([current, replaced instanceof Tensor ? replaced : null]); // the hook may keep either
    if (replaced === undefined) continue;
    if (!(replaced instanceof Tensor) || replaced.dtype !== tensor.dtype || !shapesEqual(replaced.shape, tensor.shape)) {
      throw badHookResult(hook, tensor, replaced);
    }
    current = replaced;
  }
  return current;
}

function badHookResult(hook: GradientHook, tensor: Tensor, replaced: unknown): Error {
  const named = hook.name === '' ? 'a hook' : `the hook '${hook.name}'`;
  const what = (t: Tensor): string => `${t.dtype} ${t === tensor ? 'tensor' : 'gradient'} of shape ${formatShape(t.shape)}`;
  const got = replaced instanceof Tensor ? `a ${what(replaced)}` : describeValue(replaced);
  return new Error(
    `registerHook: ${named} on a ${what(tensor)} returned ${got}; ` +
      `it must return a ${tensor.dtype} gradient of shape ${formatShape(tensor.shape)}, or nothing`,
  );
}

/**
 * The one place where gradients are unbroadcast: a rule may return a gradient of the output's
 * broadcast shape, and it is summed back to the input's shape and cast to the input's dtype here.
 */
export function fitToInput(grad: Tensor, input: Tensor, opName: string, index: number): Tensor {
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
