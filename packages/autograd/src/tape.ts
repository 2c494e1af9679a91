/**
 * The scalar tape: how rank-0 ops are recorded without a graph node each. The backward engine
 * (engine.ts) sweeps the tapes a pass leads into; see `TapeSweep` there.
 */
import type { OpRecord, ScalarRule } from './op.js';
import type { DType, Storage } from './dtype.js';
import { allocate } from './dtype.js';
import { isAnomalyDetectionEnabled, isGradEnabled } from './mode.js';
import { currentMutation } from './mutation.js';
import { Tensor } from './tensor.js';
import { SCALAR_SHAPE } from './shape.js';
import { Node } from './graph-node.js';

// ---------------------------------------------------------------------------------------------
// The scalar tape.
//
// A micrograd-style graph is tens of thousands of rank-0 ops. As graph nodes, each op costs a node
// object that lives until backward (so every minor garbage collection copies the whole graph), and
// backward must walk the objects twice (find the nodes, then run them). On the tape, an op is a few
// numbers in typed arrays: its op's code, its inputs (an earlier entry or a leaf) and its value,
// which is the storage of the op's result tensor. The result tensor itself points only to the tape,
// so the tensors the caller drops die young. Entries are in recording order, which is a topological
// order: backward sweeps the entries from the root down, running the scalar rules on numbers.
//
// A tape entry's inputs are leaves or entries of the same tape, never graph nodes or other tapes,
// so a backward pass can run all graph nodes first and then each tape on its own. An op whose input
// was recorded elsewhere (a node, or an earlier tape) is recorded as a node. Each dtype has a current
// tape; a backward pass starts new ones, so that each training step records into a tape of its own,
// and an old tape is freed with the last tensor of its graphs.
// ---------------------------------------------------------------------------------------------

/** The bits of an entry's code: the op's code, whether each input needs a gradient, released. */
export const OP_BITS = 0x1f;
export const NEEDS_GRAD_0 = 0x20;
export const NEEDS_GRAD_1 = 0x40;
export const RELEASED = 0x80;
/** The second input slot of a unary op's entry. An input slot is an entry index, or -2 - a ref slot. */
export const NO_INPUT = -1;
/** What `Tape.slotOf` returns for a tensor that cannot be an input on the tape. */
const REJECTED = -0x80000000;
/** The numbers of an entry in `Tape.entries`. */
export const ENTRY_SIZE = 4;
/**
 * A tape stops taking entries at this length (a new one starts). The current tape lives until the
 * next backward pass, so this bounds what ops recorded without one (say, evaluation with grad on)
 * keep alive: 24 bytes an entry, about 50 MB (and a 1e6-link chain of two ops a link still fits).
 */
const MAX_TAPE_LENGTH = 1 << 21;
const MIN_TAPE_CAPACITY = 256;

/** The ops recorded on tapes, by code, with their scalar rules and forwards, and their kinds. */
const tapeOps: OpRecord<unknown>[] = [];
const tapeForwards: ((a: number, b: number) => number)[] = [];
export const tapeRules: (readonly ScalarRule[])[] = [];
export const tapeKinds: number[] = [];

/** The arithmetic ops the tape computes inline (see `OpRecord.scalarArithmetic`); OTHER calls the op's functions. */
const OTHER = 0;
export const ADD = 1;
export const SUB = 2;
export const MUL = 3;
const DIV = 4;
const KINDS = { add: ADD, sub: SUB, mul: MUL, div: DIV } as const;

/** The code of an op on the tape, or -1 when it cannot be recorded there. */
function tapeCodeOf(op: OpRecord<unknown>): number {
  // A short scan (a dozen ops at most): small enough for V8 to inline into every op call.
  for (let code = 0; code < tapeOps.length; code++) if (tapeOps[code] === op) return code;
  return registerTapeOp(op);
}

/** Gives `op` a code on first use, or -1 when it has no scalar rules (or the codes are used up). */
function registerTapeOp(op: OpRecord<unknown>): number {
  const { scalarForward, scalarBackward } = op;
  if (scalarForward === undefined || scalarBackward === undefined || tapeOps.length > OP_BITS) return -1;
  tapeOps.push(op);
  tapeForwards.push(scalarForward);
  tapeRules.push(scalarBackward);
  tapeKinds.push(op.scalarArithmetic === undefined ? OTHER : KINDS[op.scalarArithmetic]);
  return tapeOps.length - 1;
}

/**
 * A tape of rank-0 ops of one dtype (see above). Entry `i`'s result is the tensor at offset `i` of
 * `values`; its op and inputs are four numbers at `4 * i` of `entries` (one array, so that recording
 * an op writes one place and the sweep reads neighbouring memory).
 */
export class Tape {
  private static count = 0;
  /** Tells tapes apart (see `Tensor.refSlotIn`). */
  readonly id = Tape.count++;
  /** By entry, four numbers: the op's code and flags (see OP_BITS), the two input slots (see NO_INPUT), and `low`. */
  entries: Int32Array;
  /** By entry: the value. Growing replaces the array; earlier tensors keep theirs (see `valueArrays`). */
  values: Storage;
  /** Every values array this tape has had: the storages of its tensors. */
  readonly valueArrays: Storage[];
  length = 0;
  /** The leaves (and constants) that entries take as inputs, each once. */
  readonly refs: Tensor[] = [];
  /**
   * The in-place change counter (see mutation.ts) when entries were recorded: from entry
   * `mutationStarts[k]` on, it was `mutationCounts[k]`; `mutation` is the last one.
   */
  readonly mutationStarts: number[] = [0];
  readonly mutationCounts: number[];
  private mutation: number;
  /** The tensors with hooks, by entry (hooks are rare; the sweep looks here). */
  hooked: Map<number, Tensor> | null = null;
  /** The nodes describing entries that `Tensor.node` has been asked for. */
  private views: Map<number, Node> | null = null;

  constructor(
    readonly dtype: DType,
    capacity: number,
  ) {
    this.entries = new Int32Array(ENTRY_SIZE * capacity);
    this.values = allocate(dtype, capacity);
    this.valueArrays = [this.values];
    this.mutation = currentMutation();
    this.mutationCounts = [this.mutation];
  }

  /** Whether the tape is full: a new one takes the next ops. */
  get full(): boolean {
    return this.length >= MAX_TAPE_LENGTH;
  }

  /**
   * The input slot for `t` as an input of a new entry, or REJECTED when `t` can be no input here
   * (it was recorded elsewhere, or is no rank-0 tensor of the tape's dtype).
   */
  slotOf(t: Tensor): number {
    const producer = t.producer;
    if (producer === this) return t.offset;
    if (producer !== null) return REJECTED;
    let slot = t.refSlotIn(this.id);
    if (slot < 0) {
      // A leaf met for the first time: checked once, then remembered (so that this is no lookup).
      if (t.shape.length !== 0 || t.dtype !== this.dtype) return REJECTED;
      slot = this.refs.length;
      this.refs.push(t);
      t.setRefSlot(this.id, slot);
    }
    return -2 - slot;
  }

  /**
   * Appends an entry for the op `code & OP_BITS` on `a` and `b` (in slots `in0` and `in1`) and
   * returns its result tensor. (It takes the tensors, not their values: a number passed to or
   * returned from a call that is not inlined is boxed, an allocation per op.)
   */
  record(code: number, in0: number, in1: number, a: Tensor, b: Tensor | null): Tensor {
    const x = a.storage[a.offset]!;
    const y = b === null ? 0 : b.storage[b.offset]!;
    // The arithmetic inline, for the same reason.
    const kind = tapeKinds[code & OP_BITS];
    const value =
      kind === ADD ? x + y : kind === SUB ? x - y : kind === MUL ? x * y : kind === DIV ? x / y : tapeForwards[code & OP_BITS]!(x, y);
    const i = this.length;
    const at = ENTRY_SIZE * i;
    if (at === this.entries.length) this.grow();
    const entries = this.entries;
    let low = in0 >= 0 ? entries[ENTRY_SIZE * in0 + 3]! : i;
    if (in1 >= 0 && entries[ENTRY_SIZE * in1 + 3]! < low) low = entries[ENTRY_SIZE * in1 + 3]!;
    entries[at] = code;
    entries[at + 1] = in0;
    entries[at + 2] = in1;
    entries[at + 3] = low;
    this.values[i] = value;
    this.length = i + 1;
    if (currentMutation() !== this.mutation) this.noteMutation(i);
    const t = new Tensor(this.values, SCALAR_SHAPE, SCALAR_SHAPE, i);
    t.requiresGrad = true;
    t.producer = this;
    return t;
  }

  private noteMutation(i: number): void {
    this.mutation = currentMutation();
    this.mutationStarts.push(i);
    this.mutationCounts.push(this.mutation);
  }

  private grow(): void {
    const entries = new Int32Array(2 * this.entries.length);
    entries.set(this.entries);
    this.entries = entries;
    const values = allocate(this.dtype, 2 * this.values.length);
    values.set(this.values);
    this.values = values;
    this.valueArrays.push(values);
  }

  /** Entry `i`'s code and flags, inputs and lowest reachable entry. */
  codeAt(i: number): number {
    return this.entries[ENTRY_SIZE * i]!;
  }

  inputSlot(i: number, k: 0 | 1): number {
    return this.entries[ENTRY_SIZE * i + 1 + k]!;
  }

  lowAt(i: number): number {
    return this.entries[ENTRY_SIZE * i + 3]!;
  }

  /** Whether entry `i` was released by a backward pass without `retainGraph`. */
  isReleased(i: number): boolean {
    return (this.codeAt(i) & RELEASED) !== 0;
  }

  /** Marks entry `i` released (see `retainGraph`), and the node describing it, if one was made. */
  release(i: number): void {
    this.entries[ENTRY_SIZE * i] = this.entries[ENTRY_SIZE * i]! | RELEASED;
    this.views?.get(i)?.release();
  }

  /** The op of entry `i`. */
  opAt(i: number): OpRecord<unknown> {
    return tapeOps[this.codeAt(i) & OP_BITS]!;
  }

  /** The tensor in input slot `slot`: a ref, or a new tensor for an entry. */
  inputTensor(slot: number): Tensor {
    if (slot < 0) return this.refs[-2 - slot]!;
    const t = new Tensor(this.values, SCALAR_SHAPE, SCALAR_SHAPE, slot);
    t.requiresGrad = true;
    t.producer = this;
    return t;
  }

  /** The value of a ref slot (an input slot below NO_INPUT). */
  refValue(slot: number): number {
    const ref = this.refs[-2 - slot]!;
    return ref.storage[ref.offset]!;
  }

  /**
   * A node describing entry `i` (for `Tensor.node`, and for the tensor rules of a recorded backward
   * pass), made once per entry: its output is `output`, its inputs are the entry's inputs.
   */
  nodeAt(i: number, output: Tensor): Node {
    let node = this.views === null ? undefined : this.views.get(i);
    if (node === undefined) {
      const inputs = [this.inputTensor(this.inputSlot(i, 0))];
      if (this.inputSlot(i, 1) !== NO_INPUT) inputs.push(this.inputTensor(this.inputSlot(i, 1)));
      node = new Node(this.opAt(i), inputs, undefined, output);
      (this.views ??= new Map()).set(i, node);
    }
    if (this.isReleased(i)) node.release();
    return node;
  }

  /** Notes that the tensor of entry `i` has hooks. */
  noteHook(i: number, t: Tensor): void {
    (this.hooked ??= new Map()).set(i, t);
  }

  /** The tensor of entry `i` whose hooks must run, or null. */
  hookedAt(i: number): Tensor | null {
    const t = this.hooked === null ? undefined : this.hooked.get(i);
    return t !== undefined && t.hooks !== null ? t : null;
  }
}

/** The tapes ops record on now, by dtype (null until the first op after a backward pass). */
let tape64: Tape | null = null;
let tape32: Tape | null = null;
/** The length of the last tape: a new tape starts that large, so that a training step does not grow it. */
let lastTapeLength = 0;

/** The tape that ops of `dtype` record on. */
function currentTape(dtype: DType): Tape {
  const tape = dtype === 'float64' ? tape64 : tape32;
  return tape !== null && !tape.full ? tape : newTape(dtype);
}

function newTape(dtype: DType): Tape {
  let capacity = MIN_TAPE_CAPACITY;
  while (capacity < lastTapeLength && capacity < MAX_TAPE_LENGTH) capacity *= 2;
  const tape = new Tape(dtype, capacity);
  if (dtype === 'float64') tape64 = tape;
  else tape32 = tape;
  return tape;
}

/** Starts new tapes: later ops that take a tensor of the old ones are recorded as nodes. */
export function startNewTapes(): void {
  // (Two backward passes in a row, with nothing recorded between them, keep the last length.)
  if (tape64 === null && tape32 === null) return;
  lastTapeLength = Math.max(tape64 === null ? 0 : tape64.length, tape32 === null ? 0 : tape32.length);
  tape64 = null;
  tape32 = null;
}

/**
 * Records a rank-0 op on the tape: `a` and `b` (null for a unary op) rank-0 of one dtype, each a
 * leaf or a tensor of the current tape, and one requiring grad, while recording. Returns the result,
 * or null when the op must go the general way (a graph node, or no recording at all).
 */
export function recordOnTape(op: OpRecord<unknown>, a: Tensor, b: Tensor | null): Tensor | null {
  const needs0 = a.requiresGrad;
  const needs1 = b !== null && b.requiresGrad;
  if (!(needs0 || needs1) || !isGradEnabled() || isAnomalyDetectionEnabled()) return null;
  // Tapes are float32 or float64; an int32 operand (which never requires grad) makes the op a node.
  if (a.storage instanceof Int32Array) return null;
  const code = tapeCodeOf(op);
  if (code < 0) return null;
  // The tape of `a`'s dtype; `slotOf` checks the rest.
  const tape = a.producer instanceof Tape ? a.producer : currentTape(a.dtype);
  if (tape !== tape64 && tape !== tape32) return null;
  const slot0 = tape.slotOf(a);
  const slot1 = b === null ? NO_INPUT : tape.slotOf(b);
  if (slot0 === REJECTED || slot1 === REJECTED || tape.full) return null;
  return tape.record(code | (needs0 ? NEEDS_GRAD_0 : 0) | (needs1 ? NEEDS_GRAD_1 : 0), slot0, slot1, a, b);
}

/**
 * A key for a tensor's place in the graph: the tensor itself, or for a tensor on a tape, the node
 * describing its entry (several tensor objects may stand for one entry).
 */
export function graphIdentity(t: Tensor): object {
  return t.producer instanceof Tape ? t.node! : t;
}
