/**
 * The base of the epoch-based learning-rate schedulers, as PyTorch's `_LRScheduler`: construction
 * records each group's starting lr and takes step 0; each `step()` moves to the next epoch and sets
 * every group's `lr`. Call `scheduler.step()` after the epoch's `optimizer.step()` calls.
 */
import { describeValue } from '@nn/autograd';
import { isRecord, nonNegativeInteger, pickOptions, resolveOptions, type OptionSpec, type OptionValue } from '../options.js';
import { Optimizer, type ParamGroup } from '../optimizer.js';

/** A scheduler's state as plain data. */
export interface SchedulerStateDict {
  /** The scheduler's options. */
  options: Record<string, OptionValue>;
  /** The number of `step()` calls since construction (0 right after it). */
  lastEpoch: number;
  /** Each group's learning rate before any scheduler changed it. */
  baseLrs: number[];
  /** Each group's learning rate after the last step. */
  lastLr: number[];
}

/** Throws unless `optimizer` is an Optimizer (schedulers work on its parameter groups). */
export function checkOptimizer(owner: string, optimizer: unknown): asserts optimizer is Optimizer {
  if (!(optimizer instanceof Optimizer)) throw new Error(`${owner}: expected an Optimizer, got ${describeValue(optimizer)}`);
}

/**
 * Each group's lr when the first scheduler was attached to it: PyTorch's `initial_lr`, which a group
 * keeps, so that a second scheduler on the same optimizer starts from the same base lrs as the first
 * (not from an lr the first one already changed). Kept here rather than on the group object.
 */
const initialLrs = new WeakMap<ParamGroup, number>();

function initialLr(group: ParamGroup): number {
  let lr = initialLrs.get(group);
  if (lr === undefined) {
    lr = group.lr;
    initialLrs.set(group, lr);
  }
  return lr;
}

/**
 * Throws if parameter groups were added to the optimizer after the scheduler was made (there is no
 * base lr, minLr, ... for them).
 */
export function checkGroupCount(owner: string, optimizer: Optimizer, expected: number): void {
  const groups = optimizer.paramGroups.length;
  if (groups !== expected) {
    throw new Error(`${owner}: the optimizer has ${groups} parameter groups, but the scheduler was made for ${expected}`);
  }
}

/** Checks that `value` is a list of one number per parameter group of `optimizer`. */
export function checkLrList(owner: string, what: string, value: unknown, optimizer: Optimizer): number[] {
  const groups = optimizer.paramGroups.length;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number')) {
    throw new Error(`${owner}: loadStateDict: ${what} must be an array of numbers, got ${describeValue(value)}`);
  }
  if (value.length !== groups) {
    throw new Error(`${owner}: loadStateDict: ${what} has ${value.length} values, the optimizer has ${groups} parameter groups`);
  }
  return (value as number[]).slice();
}

/**
 * A learning-rate scheduler that sets every group's lr once per epoch. Subclasses give the
 * recursive ("chainable") rule `computeLr` that PyTorch's `get_lr` implements: the new lrs from the
 * groups' current lrs and `lastEpoch`.
 */
export abstract class LRScheduler<C = object> {
  /** The number of `step()` calls so far (0 after construction). */
  lastEpoch = -1;
  /** Each group's learning rate before any scheduler changed it. */
  baseLrs: number[];
  /** The scheduler's options, checked, defaults filled in. */
  options: C;
  private lastLr: number[] = [];

  protected constructor(
    /** The scheduler's name, which every error message starts with. */
    readonly name: string,
    /** The optimizer whose groups' `lr` this scheduler sets. */
    readonly optimizer: Optimizer,
    options: unknown,
    private readonly spec: OptionSpec<C>,
  ) {
    checkOptimizer(name, optimizer);
    this.options = resolveOptions(name, spec, options);
    const problem = this.checkOptions(this.options);
    if (problem !== undefined) throw new Error(`${name}: ${problem}`);
    this.baseLrs = optimizer.paramGroups.map(initialLr);
    this.step();
  }

  /** The new learning rate of every group, from their current ones, at epoch `lastEpoch`. */
  protected abstract computeLr(): number[];

  /** Checks that involve several options at once; returns what is wrong, or undefined. */
  protected checkOptions(_options: C): string | undefined {
    return undefined;
  }

  /** The current learning rate of each group. */
  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Moves to the next epoch and sets each group's learning rate. */
  step(): void {
    checkGroupCount(this.name, this.optimizer, this.baseLrs.length);
    this.lastEpoch++;
    const lrs = this.computeLr();
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = lrs[i]!;
    });
    this.lastLr = this.groupLrs();
  }

  /** The learning rate of each group as the last `step()` (or the construction) set it. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The scheduler's state as plain data (a copy). The optimizer's lrs are in its own state dict. */
  stateDict(): SchedulerStateDict {
    return {
      options: pickOptions(this.spec, this.options),
      lastEpoch: this.lastEpoch,
      baseLrs: this.baseLrs.slice(),
      lastLr: this.lastLr.slice(),
    };
  }

  /** Restores a state saved by `stateDict()`; a mismatch throws, naming what differs. */
  loadStateDict(dict: SchedulerStateDict): void {
    const given: unknown = dict;
    if (!isRecord(given)) throw new Error(`${this.name}: loadStateDict: expected an object as stateDict() returns, got ${describeValue(given)}`);
    const options = resolveOptions(this.name, this.spec, given.options, { where: 'loadStateDict: ' });
    if (!nonNegativeInteger.accepts(given.lastEpoch)) {
      throw new Error(`${this.name}: loadStateDict: lastEpoch must be an integer >= 0, got ${describeValue(given.lastEpoch)}`);
    }
    const baseLrs = checkLrList(this.name, 'baseLrs', given.baseLrs, this.optimizer);
    const lastLr = checkLrList(this.name, 'lastLr', given.lastLr, this.optimizer);
    this.options = options;
    this.lastEpoch = given.lastEpoch;
    this.baseLrs = baseLrs;
    this.lastLr = lastLr;
  }
}
