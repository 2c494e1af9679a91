/**
 * The Tensor: a typed array (float32, float64 or int32) read through a shape, strides and an offset, so that
 * reshape, transpose, permute, expand, squeeze, unsqueeze and slice can be views that copy nothing.
 * Tensors are immutable values: every op returns a new tensor.
 *
 * The op methods (`x.exp()`, `x.sum(axis)`, ...) are not written here: each op family's file in `ops/`
 * holds them beside its ops, each calling the free function of the same name, and the class takes
 * them in below (see ops/methods.ts).
 */
import type { DType, Storage } from './dtype.js';
import { allocate, dtypeOf } from './dtype.js';
import type { BackwardOptions } from './engine.js';
import { runBackward } from './engine.js';
import type { Node } from './graph-node.js';
import { Tape } from './tape.js';
import type { Shape } from './shape.js';
import { formatShape, isContiguous, SCALAR_SHAPE, shapesEqual, sizeOf } from './shape.js';
import { contiguousData, onesLike } from './ops/creation.js';
import { castTo } from './ops/reduce-to-shape.js';
import { assignInPlace } from './ops/assign.js';
import { installOpMethods, type OpMethods } from './ops/methods.js';
import { checkOptions } from './options.js';

/**
 * A function that sees a tensor's gradient during backward and may replace it by returning a tensor
 * of the same dtype and shape (or return nothing to keep it). Another dtype or shape is an error
 * naming the hook (by its function name): a leaf's `.grad` always has the leaf's dtype and shape.
 */
export type GradientHook = (grad: Tensor) => Tensor | void;

/** A nested JS array of numbers, as `tensor()` takes and `toArray()` gives. */
export type NestedArray = number | NestedArray[];

/** A tensor operand: a Tensor, or a JS number (taken as a rank-0 tensor of the other operand's dtype). */
export type TensorLike = Tensor | number;

/** Axes of a reduction: one axis, several, or (undefined) all. Negative axes count from the end. */
export type Axis = number | readonly number[];

/**
 * What only some tensors have: an accumulated gradient or hooks (PyTorch keeps these apart in its
 * AutogradMeta too). A scalar graph makes a tensor per op and almost none gets either, so they live
 * here, made on first use, rather than as two more fields of every tensor.
 */
class GradState {
  grad: Tensor | null = null;
  hooks: GradientHook[] | null = null;
  /**
   * A leaf's slot in the reference table of the last tape that took it as an input (see
   * `Tape.slotOf`), and that tape's id (an id, not the tape, so that the leaf does not keep it alive).
   */
  refTape = -1;
  refSlot = -1;
}

/** The op methods, declared with their TSDoc in the op families' files (see ops/methods.ts). */
export interface Tensor extends OpMethods {}

export class Tensor {
  /** See `requiresGrad`. */
  private tracked = false;
  /**
   * @internal What recorded this tensor: its graph node, or the scalar tape that holds it at index
   * `offset` (see tape.ts); null for a leaf or an untracked result.
   */
  producer: Node | Tape | null = null;
  /** The gradient and hooks, once either is set. */
  private gradState: GradState | null = null;

  /** @internal Tensors are made with `tensor()`, `zeros()` and the other creation functions. */
  constructor(
    /** The typed array holding the elements (possibly shared with other views). */
    readonly storage: Storage,
    readonly shape: Shape,
    /** Element steps between neighbours along each axis (0 on broadcast axes). */
    readonly strides: readonly number[],
    /** Index into `storage` of the first element. */
    readonly offset: number,
  ) {}

  /**
   * The graph node that produced this tensor, or null for a leaf or an untracked result. (For a
   * tensor on the scalar tape, a node describing its tape entry, made on first use.)
   */
  get node(): Node | null {
    const producer = this.producer;
    return producer instanceof Tape ? producer.nodeAt(this.offset, this) : producer;
  }

  set node(node: Node | null) {
    this.producer = node;
  }

  /**
   * @internal Cuts a rank-0 tensor of the scalar tape loose from the tape, once its entry is
   * released: its value is copied to a storage of its own, and `node` (the released node of its
   * entry, which names the op) becomes its producer. The tape's value array holds every value of
   * its graph, so a loss kept after backward would otherwise keep all of them, and the tape, alive.
   * The value, shape and dtype stay the same: to the user this is the same immutable tensor.
   */
  leaveTape(node: Node): void {
    const own = allocate(this.dtype, 1);
    own[0] = this.storage[this.offset]!;
    // The one place a tensor's storage changes: `storage` and `offset` are readonly to everyone else.
    const fields = this as { storage: Storage; offset: number };
    fields.storage = own;
    fields.offset = 0;
    this.producer = node;
  }

  /** @internal This leaf's slot in the reference table of the tape `tapeId`, or -1 (see `Tape.slotOf`). */
  refSlotIn(tapeId: number): number {
    const state = this.gradState;
    return state !== null && state.refTape === tapeId ? state.refSlot : -1;
  }

  /** @internal Remembers this leaf's slot in the reference table of the tape `tapeId`. */
  setRefSlot(tapeId: number, slot: number): void {
    const state = this.ownGradState();
    state.refTape = tapeId;
    state.refSlot = slot;
  }

  /**
   * Whether gradients are tracked for this tensor (set on leaves by the user, on results by ops).
   * An int32 tensor never requires grad: setting it true throws.
   */
  get requiresGrad(): boolean {
    return this.tracked;
  }

  set requiresGrad(requiresGrad: boolean) {
    if (requiresGrad && this.storage instanceof Int32Array) {
      throw new Error(`requiresGrad: an int32 tensor cannot require grad (shape ${formatShape(this.shape)}); only float tensors have gradients`);
    }
    this.tracked = requiresGrad;
  }

  /** The element type, read from the storage. */
  get dtype(): DType {
    return dtypeOf(this.storage);
  }

  /** The accumulated gradient of a leaf after `backward()`, or null. */
  get grad(): Tensor | null {
    return this.gradState === null ? null : this.gradState.grad;
  }

  set grad(grad: Tensor | null) {
    if (grad !== null || this.gradState !== null) this.ownGradState().grad = grad;
  }

  /** Gradient hooks (see `registerHook`), or null when there are none. */
  get hooks(): GradientHook[] | null {
    return this.gradState === null ? null : this.gradState.hooks;
  }

  set hooks(hooks: GradientHook[] | null) {
    if (hooks !== null || this.gradState !== null) this.ownGradState().hooks = hooks;
  }

  /** The gradient state, made now if this tensor has none yet. */
  private ownGradState(): GradState {
    return (this.gradState ??= new GradState());
  }

  /** The number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** The rank: the number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** True for a tensor not produced by a recorded op: a user-created tensor or a detached one. */
  get isLeaf(): boolean {
    return this.producer === null;
  }

  /** True when the elements lie row-major and without gaps in `storage`. */
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new Error(`item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements, item() needs exactly 1`);
    }
    return this.storage[this.offset]!;
  }

  /** The elements as a nested JS array (a plain number for rank 0). */
  toArray(): NestedArray {
    const flat = this.data();
    if (this.shape.length === 0) return flat[0]!;
    let position = 0;
    const build = (axis: number): NestedArray[] => {
      const length = this.shape[axis]!;
      const out: NestedArray[] = new Array(length);
      for (let i = 0; i < length; i++) out[i] = axis === this.shape.length - 1 ? flat[position++]! : build(axis + 1);
      return out;
    };
    return build(0);
  }

  /**
   * A contiguous copy of the elements: a `Float32Array` exactly when the dtype is float32, an
   * `Int32Array` exactly when it is int32.
   */
  data(): Storage {
    return contiguousData(this);
  }

  /**
   * The same values in another dtype (differentiable between float dtypes; the gradient is cast
   * back). To int32 it truncates toward zero, as PyTorch's `x.to(torch.int32)`; see `cast`.
   */
  cast(dtype: DType): Tensor {
    return castTo(this, dtype);
  }

  // The op methods, from the op families' files (ops/methods.ts); the interface Tensor below types them.
  static {
    installOpMethods(this.prototype);
  }

  /**
   * Back-propagates from this tensor, accumulating gradients into the `.grad` of the leaves.
   * `grad` (the cotangent) defaults to 1 for a one-element tensor and is required otherwise.
   */
  backward(grad?: Tensor, opts: BackwardOptions = {}): void {
    checkOptions('backward', opts, ['retainGraph', 'createGraph']);
    if (!this.requiresGrad) {
      throw new Error(
        `backward: this tensor of shape ${formatShape(this.shape)} does not require grad ` +
          '(no input of the ops that made it had requiresGrad: true, or it was made under noGrad)',
      );
    }
    let seed: Tensor;
    if (grad === undefined) {
      if (this.size !== 1) {
        throw new Error(
          `backward: a gradient must be given for a tensor of shape ${formatShape(this.shape)} ` +
            `(${this.size} elements); only a one-element tensor is seeded with 1`,
        );
      }
      seed = onesLike(this);
    } else {
      if (!(grad instanceof Tensor)) throw new Error('backward: grad must be a Tensor');
      if (!shapesEqual(grad.shape, this.shape)) {
        throw new Error(
          `backward: grad of shape ${formatShape(grad.shape)} does not match the tensor's shape ${formatShape(this.shape)}`,
        );
      }
      seed = grad.dtype === this.dtype ? grad : grad.cast(this.dtype);
    }
    runBackward(this, seed, opts);
  }

  /**
   * A tensor with the same values, cut from the graph (a leaf that does not require grad). It
   * shares this tensor's storage, except on the scalar tape, whose value array holds the values of a
   * whole graph: there the one value is copied, so that the result keeps no graph alive.
   */
  detach(): Tensor {
    if (this.producer instanceof Tape) return new Tensor(allocate(this.dtype, 1).fill(this.item()), SCALAR_SHAPE, SCALAR_SHAPE, 0);
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }

  /**
   * Registers a hook that sees this tensor's total gradient in every backward pass, before it is
   * accumulated into `.grad` (a leaf) or handed to the op that made the tensor (an intermediate),
   * and may replace it with a gradient of the same dtype and shape. Returns a function that removes
   * the hook.
   */
  registerHook(hook: GradientHook): () => void {
    if (typeof hook !== 'function') throw new Error('registerHook: expected a function');
    if (!this.requiresGrad) {
      throw new Error(`registerHook: a tensor of shape ${formatShape(this.shape)} that does not require grad never gets a gradient`);
    }
    this.hooks = [...(this.hooks ?? []), hook];
    if (this.producer instanceof Tape) this.producer.noteHook(this.offset, this);
    return () => {
      const remaining = (this.hooks ?? []).filter((h) => h !== hook);
      this.hooks = remaining.length > 0 ? remaining : null;
    };
  }

  /**
   * Overwrites this tensor's elements in place with `source` (a tensor or number broadcast to this
   * shape, or a typed array of `size` values in row-major order), converting to this dtype. This is
   * how optimizers update parameters. A tensor that requires grad can only be changed inside
   * `noGrad`; a backward pass through an op that saved this tensor before the change throws.
   *
   * A typed array over this tensor's own elements (`storage.subarray(offset, offset + size)` of a
   * contiguous tensor), changed by the caller in place, is not copied: the call only records the
   * change, with the same checks, so that backward passes that saved this tensor still throw.
   */
  assign(source: Tensor | number | Storage): this {
    assignInPlace(this, source);
    return this;
  }

  /** Clears the accumulated gradient. */
  zeroGrad(): void {
    this.grad = null;
  }

  /**
   * A short description with the values of small tensors, e.g. `Tensor(float64, [2], [0.5,-1])`, so
   * that a failing property test prints a counterexample that can be rebuilt.
   */
  toString(): string {
    const values = this.size <= 32 ? `, ${JSON.stringify(Array.from(this.data()))}` : '';
    return `Tensor(${this.dtype}, ${formatShape(this.shape)}${values}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}
