/** StepLR: multiply the learning rate by gamma every stepSize epochs. */
import { positive, positiveInteger, type OptionSpec } from '../options.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './scheduler.js';

/** The options of {@link StepLR}. */
export interface StepLROptions {
  /** The number of epochs between decays. */
  stepSize: number;
  /** The factor applied at each decay. Default 0.1. */
  gamma?: number;
}

const SPEC: OptionSpec<Required<StepLROptions>> = {
  stepSize: { rule: positiveInteger },
  gamma: { rule: positive, default: 0.1 },
};

/**
 * Decays each group's learning rate by `gamma` every `stepSize` epochs, as PyTorch's `StepLR`:
 * lr at epoch e is `baseLr · gamma^⌊e / stepSize⌋`, computed recursively (`lr ← lr·gamma` at each
 * multiple of `stepSize`).
 *
 * @example
 * const scheduler = new StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); scheduler.step(); }
 */
export class StepLR extends LRScheduler<Required<StepLROptions>> {
  constructor(optimizer: Optimizer, options: StepLROptions) {
    super('StepLR', optimizer, options, SPEC);
  }

  protected computeLr(): number[] {
    const { stepSize, gamma } = this.options;
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0 || this.lastEpoch % stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * gamma);
  }
}
