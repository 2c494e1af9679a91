/** ExponentialLR: multiply the learning rate by gamma every epoch. */
import { positive, type OptionSpec } from '../options.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './scheduler.js';

/** The options of {@link ExponentialLR}. */
export interface ExponentialLROptions {
  /** The factor applied every epoch. */
  gamma: number;
}

const SPEC: OptionSpec<ExponentialLROptions> = {
  gamma: { rule: positive },
};

/**
 * Decays each group's learning rate by `gamma` every epoch, as PyTorch's `ExponentialLR`:
 * `lr ← lr·gamma`, so lr at epoch e is `baseLr · gamma^e`.
 *
 * @example
 * const scheduler = new ExponentialLR(opt, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler<ExponentialLROptions> {
  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super('ExponentialLR', optimizer, options, SPEC);
  }

  protected computeLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0) return lrs;
    return lrs.map((lr) => lr * this.options.gamma);
  }
}
