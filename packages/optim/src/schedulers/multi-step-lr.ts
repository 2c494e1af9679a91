/** MultiStepLR: multiply the learning rate by gamma at given epochs. */
import { positive, positiveIntegers, type OptionSpec } from '../options.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './scheduler.js';

/** The options of {@link MultiStepLR}. */
export interface MultiStepLROptions {
  /** The epochs at which to decay (any order; an epoch listed twice decays twice). */
  milestones: readonly number[];
  /** The factor applied at each milestone. Default 0.1. */
  gamma?: number;
}

const SPEC: OptionSpec<Required<MultiStepLROptions>> = {
  milestones: { rule: positiveIntegers },
  gamma: { rule: positive, default: 0.1 },
};

/**
 * Decays each group's learning rate by `gamma` at each milestone epoch, as PyTorch's `MultiStepLR`
 * (which counts the milestones, so one listed k times multiplies by `gamma^k`).
 *
 * @example
 * const scheduler = new MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler<Required<MultiStepLROptions>> {
  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    super('MultiStepLR', optimizer, options, SPEC);
  }

  protected computeLr(): number[] {
    const { milestones, gamma } = this.options;
    const lrs = this.groupLrs();
    const count = milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return lrs;
    return lrs.map((lr) => lr * gamma ** count);
  }
}
