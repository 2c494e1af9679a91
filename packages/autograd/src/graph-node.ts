/**
 * A graph node: the record of one op call that a backward pass runs, and what happens to it when a
 * pass without `retainGraph` releases it.
 */
import type { OpContext, OpRecord } from './op.js';
import { checkUnchangedSince, currentMutation } from './mutation.js';
import type { Tensor } from './tensor.js';

/**
 * The record of one op call in the graph: what its backward rule needs, and a little walk
 * bookkeeping. A scalar graph records a node per op, millions of them, and their size is most of the
 * cost of recording (the garbage collector copies them), so a node is kept small: the first two
 * inputs are fields rather than an array, what only some ops have is kept apart, and the state of a
 * backward walk lives in the walk.
 */
export class Node implements OpContext<unknown> {
  readonly op: OpRecord<unknown>;
  /** The first input, and the second (or null): most ops take one or two. Both null once released. */
  input0: Tensor | null;
  input1: Tensor | null;
  readonly output: Tensor;
  /** Whether each input requires grad; fixed at record time. */
  readonly needsInputGrad: readonly boolean[];
  /** Where the last backward walk that reached this node keeps its state (see `BackwardPass`). */
  slot = 0;
  /** The in-place change counter when the op ran (see mutation.ts). */
  readonly mutation: number;
  /** The attrs and the inputs array, kept only for an op with attrs or more than two inputs. */
  private extras: { readonly attrs: unknown; readonly inputs: readonly Tensor[] } | null;

  constructor(op: OpRecord<unknown>, inputs: readonly Tensor[], attrs: unknown, output: Tensor) {
    this.op = op;
    this.input0 = inputs[0]!;
    this.input1 = inputs.length > 1 ? inputs[1]! : null;
    this.output = output;
    this.needsInputGrad = needsGradPattern(inputs);
    this.mutation = currentMutation();
    this.extras = attrs !== undefined || inputs.length > 2 ? { attrs, inputs } : null;
  }

  /** A node already released, for `output` as `op`'s result (see `releaseRoot`). */
  static releasedFor(op: OpRecord<unknown>, output: Tensor): Node {
    const node = new Node(op, [output], undefined, output);
    node.release();
    return node;
  }

  /** Whether the graph through this node was released by a backward pass without `retainGraph`. */
  get released(): boolean {
    return this.input0 === null;
  }

  /**
   * Drops what the backward rule would have read (the inputs and attrs), as PyTorch frees a node's
   * saved tensors: a tensor kept after backward (a loss) then keeps no intermediate of its graph
   * alive. The node keeps its op, to name it when a later pass reaches it (`releasedError`).
   */
  release(): void {
    this.input0 = null;
    this.input1 = null;
    this.extras = null;
  }

  /** The inputs of the forward call (a new array for an op of one or two inputs). */
  get inputs(): readonly Tensor[] {
    if (this.extras !== null) return this.extras.inputs;
    if (this.input0 === null) throw releasedError(this.op.name);
    return this.input1 === null ? [this.input0] : [this.input0, this.input1];
  }

  /** The op's non-tensor arguments. */
  get attrs(): unknown {
    if (this.released) throw releasedError(this.op.name);
    return this.extras === null ? undefined : this.extras.attrs;
  }

  /** The number of inputs: none once released (a walk goes no further up). */
  get inputCount(): number {
    return this.released ? 0 : this.needsInputGrad.length;
  }

  /** Input `i`, without making the `inputs` array. */
  input(i: number): Tensor {
    if (this.input0 === null) throw releasedError(this.op.name);
    return i === 0 ? this.input0 : i === 1 ? this.input1! : this.extras!.inputs[i]!;
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

/** Throws when a node cannot run: its graph was released, or a tensor it saved was changed since. */
export function checkReady(node: Node): void {
  if (node.released) throw releasedError(node.op.name);
  checkUnchangedSince(node.mutation, node, node.op.name);
}

/** The error of a pass that reaches a node (or tape entry) an earlier pass released. */
export function releasedError(opName: string): Error {
  return new Error(
    `backward: the graph through '${opName}' was already released by an earlier backward(); ` +
      'pass { retainGraph: true } to that first call to backward through the graph twice',
  );
}
