/**
 * A backward pass's sweep over a scalar tape (see tape.ts): the part of the engine's walk (engine.ts)
 * that runs tape entries rather than graph nodes, in reverse recording order.
 */
import { checkBackwardAnomaly } from './anomaly.js';
import { isAnomalyDetectionEnabled, runRule } from './mode.js';
import { checkStorageUnchanged, currentMutation } from './mutation.js';
import { scalar } from './ops/creation.js';
import { SCALAR_SHAPE } from './shape.js';
import { ADD, ENTRY_SIZE, MUL, NEEDS_GRAD_0, NEEDS_GRAD_1, NO_INPUT, OP_BITS, RELEASED, SUB, Tape, tapeKinds, tapeRules } from './tape.js';
import type { Tensor } from './tensor.js';
import { fitToInput, roundingOf, runHooks, valueOf, type BackwardPass } from './engine.js';
import { releasedError } from './graph-node.js';

/**
 * A backward pass's walk over one tape: the gradients delivered to its entries and its leaves, and
 * the sweep that runs the entries from the highest one reached down to the lowest one their graphs
 * reach. An entry that no gradient reached is skipped. As on nodes, a pass that records nothing
 * (`numeric`) runs the scalar rules on numbers; otherwise each entry's tensor rule runs, on a node
 * describing the entry.
 */
export class TapeSweep {
  private high = -1;
  private low: number;
  /**
   * By index (an entry's index, or `tape.length` + a ref slot): whether a gradient arrived, and
   * their sum, as a number or (a pass that is not numeric) as a tensor.
   */
  private readonly has: Uint8Array;
  private readonly grads: Float64Array;
  private readonly tensorGrads: (Tensor | null)[] | null;
  /** The ref slots that received gradients, in order of arrival. */
  private readonly refOrder: number[] = [];
  /** Where the walk stops (see `capture`), by entry. */
  private stops: Map<number, Tensor> | null = null;
  private readonly round: (v: number) => number;

  constructor(
    private readonly tape: Tape,
    private readonly numeric: boolean,
    private readonly retainGraph: boolean,
  ) {
    const size = tape.length + tape.refs.length;
    this.low = tape.length;
    this.has = new Uint8Array(size);
    this.grads = new Float64Array(numeric ? size : 0);
    this.tensorGrads = numeric ? null : new Array<Tensor | null>(size).fill(null);
    this.round = roundingOf(tape.dtype);
  }

  stopAt(t: Tensor): void {
    (this.stops ??= new Map()).set(t.offset, t);
  }

  /** Adds a gradient from outside the tape (a node, or the root's seed) to entry `i`. */
  addNumber(i: number, value: number): void {
    this.reached(i);
    this.deliver(i, this.round(value));
  }

  addTensor(i: number, grad: Tensor): void {
    this.reached(i);
    if (this.numeric) this.deliver(i, this.round(valueOf(grad)));
    else this.deliverTensor(i, grad);
  }

  private reached(i: number): void {
    if (i > this.high) this.high = i;
    const low = this.tape.lowAt(i);
    if (low < this.low) this.low = low;
  }

  /** Sums `value` into the gradient at `index`. */
  private deliver(index: number, value: number): void {
    if (this.has[index] === 1) {
      this.grads[index] = this.round(this.grads[index]! + value);
    } else {
      this.grads[index] = value;
      this.has[index] = 1;
      if (index >= this.tape.length) this.refOrder.push(index - this.tape.length);
    }
  }

  private deliverTensor(index: number, grad: Tensor): void {
    const sums = this.tensorGrads!;
    if (this.has[index] === 1) {
      sums[index] = sums[index]!.add(grad);
    } else {
      sums[index] = grad;
      this.has[index] = 1;
      if (index >= this.tape.length) this.refOrder.push(index - this.tape.length);
    }
  }

  /** The index (in `has` and the sums) of input slot `slot`. */
  private indexOf(slot: number): number {
    return slot >= 0 ? slot : this.tape.length - 2 - slot;
  }

  /** Runs the entries reached, then hands the leaves' gradients to the pass. */
  run(pass: BackwardPass): void {
    if (this.numeric) this.sweepNumbers(pass);
    else this.sweepTensors(pass);
    const { refs } = this.tape;
    for (const slot of this.refOrder) {
      const index = this.tape.length + slot;
      if (this.numeric) pass.addNumber(refs[slot]!, this.grads[index]!);
      else pass.addGrad(refs[slot]!, this.tensorGrads![index]!);
    }
  }

  /**
   * The scalar path: every entry's rules on numbers. The loop is the hot spot of a scalar graph's
   * backward, so it reads the tape's arrays directly.
   */
  private sweepNumbers(pass: BackwardPass): void {
    const tape = this.tape;
    const { entries, values } = tape;
    const { has, grads, round } = this;
    const changes = new ChangeCheck(tape, this.high);
    const call = pass.call;
    // What is the same for every entry, read once.
    const checkChanges = changes.any;
    const hooks = tape.hooked !== null;
    const stops = this.stops;
    const release = !this.retainGraph;
    for (let i = this.high; i >= this.low; i--) {
      if (has[i] === 0) continue;
      has[i] = 0;
      const at = ENTRY_SIZE * i;
      const code = entries[at]!;
      if ((code & RELEASED) !== 0) throw releasedError(tape.opAt(i).name);
      if (checkChanges) changes.check(i);
      let grad = grads[i]!;
      if (hooks) {
        const hooked = tape.hookedAt(i);
        if (hooked !== null) grad = round(valueOf(runHooks(hooked, scalar(grad, tape.dtype))));
      }
      if (stops !== null && stops.has(i)) {
        pass.captured(stops.get(i)!, scalar(grad, tape.dtype));
        continue;
      }
      if (release) entries[at] = code | RELEASED;
      const slot0 = entries[at + 1]!;
      const slot1 = entries[at + 2]!;
      const needs0 = (code & NEEDS_GRAD_0) !== 0;
      const needs1 = (code & NEEDS_GRAD_1) !== 0;
      // add, sub and mul inline (their scalar rules, without the calls that box numbers).
      const kind = tapeKinds[code & OP_BITS];
      if (kind === ADD || kind === SUB) {
        if (needs0) this.deliver(this.indexOf(slot0), grad);
        if (needs1) this.deliver(this.indexOf(slot1), kind === ADD ? grad : -grad);
        continue;
      }
      const a = slot0 >= 0 ? values[slot0]! : tape.refValue(slot0);
      const b = slot1 >= 0 ? values[slot1]! : slot1 === NO_INPUT ? 0 : tape.refValue(slot1);
      if (kind === MUL) {
        if (needs0) this.deliver(this.indexOf(slot0), round(grad * b));
        if (needs1) this.deliver(this.indexOf(slot1), round(grad * a));
        continue;
      }
      const rules = tapeRules[code & OP_BITS]!;
      call.grad = grad;
      call.a = a;
      call.b = b;
      call.output = values[i]!;
      if (needs0) this.deliver(this.indexOf(slot0), rules[0]!(call, round));
      if (needs1) this.deliver(this.indexOf(slot1), rules[1]!(call, round));
    }
  }

  /** A recorded (createGraph) or checked (anomaly detection) pass: every entry's tensor rule. */
  private sweepTensors(pass: BackwardPass): void {
    const tape = this.tape;
    const sums = this.tensorGrads!;
    const changes = new ChangeCheck(tape, this.high);
    for (let i = this.high; i >= this.low; i--) {
      if (this.has[i] === 0) continue;
      this.has[i] = 0;
      const code = tape.codeAt(i);
      const op = tape.opAt(i);
      if ((code & RELEASED) !== 0) throw releasedError(op.name);
      if (changes.any) changes.check(i);
      let grad = sums[i]!;
      sums[i] = null;
      const hooked = tape.hookedAt(i);
      if (hooked !== null) grad = runHooks(hooked, grad);
      if (this.stops !== null && this.stops.has(i)) {
        pass.captured(this.stops.get(i)!, grad);
        continue;
      }
      const node = tape.nodeAt(i, hooked ?? tape.inputTensor(i));
      const inputGrads = runRule(op, grad, node);
      if (isAnomalyDetectionEnabled()) checkBackwardAnomaly(node, inputGrads);
      for (const k of [0, 1] as const) {
        if ((code & (k === 0 ? NEEDS_GRAD_0 : NEEDS_GRAD_1)) === 0) continue;
        const raw = inputGrads[k] ?? null;
        if (raw !== null) this.deliverTensor(this.indexOf(tape.inputSlot(i, k)), fitToInput(raw, node.input(k), op.name, k));
      }
      if (!this.retainGraph) tape.release(i);
    }
  }
}

/**
 * The in-place change check of a sweep (see mutation.ts): an entry's saved tensors must not have
 * changed since the entry was recorded. `any` is false, and no entry is looked at, when nothing
 * changed since the tape began.
 */
class ChangeCheck {
  readonly any: boolean;
  /** The change point (see `Tape.mutationStarts`) of the entries being checked. */
  private point: number;

  constructor(
    private readonly tape: Tape,
    high: number,
  ) {
    const counts = tape.mutationCounts;
    this.any = counts.length > 1 || counts[0] !== currentMutation();
    this.point = counts.length - 1;
    while (this.point > 0 && tape.mutationStarts[this.point]! > high) this.point--;
  }

  /** Throws if an input or the result of entry `i` was changed in place after `i` was recorded. */
  check(i: number): void {
    const tape = this.tape;
    while (this.point > 0 && tape.mutationStarts[this.point]! > i) this.point--;
    const since = tape.mutationCounts[this.point]!;
    if (since === currentMutation()) return;
    const name = tape.opAt(i).name;
    // The entries' tensors (the result, and inputs recorded here) live in the tape's value arrays.
    for (const values of tape.valueArrays) checkStorageUnchanged(since, values, SCALAR_SHAPE, name);
    for (const k of [0, 1] as const) {
      const slot = tape.inputSlot(i, k);
      if (slot >= NO_INPUT) continue;
      const ref = tape.refs[-2 - slot]!;
      checkStorageUnchanged(since, ref.storage, ref.shape, name);
    }
  }
}
