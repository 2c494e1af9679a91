/** LinearLR: scale the learning rate by a factor moving linearly (warm-up or decay). */
import { closedUnitInterval, openClosedUnitInterval, positiveInteger, type OptionSpec } from '../options.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './scheduler.js';

/** The options of {@link LinearLR}. */
export interface LinearLROptions {
  /** The factor at epoch 0, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** The factor from epoch totalIters on, in [0, 1]. Default 1. */
  endFactor?: number;
  /** The number of epochs over which the factor moves. Default 5. */
  totalIters?: number;
}

const SPEC: OptionSpec<Required<LinearLROptions>> = {
  startFactor: { rule: openClosedUnitInterval, default: 1 / 3 },
  endFactor: { rule: closedUnitInterval, default: 1 },
  totalIters: { rule: positiveInteger, default: 5 },
};

/**
 * Multiplies each group's base learning rate by a factor that moves linearly from `startFactor` to
 * `endFactor` over `totalIters` epochs, then stays, as PyTorch's `LinearLR` (a warm-up with the
 * defaults). Like PyTorch this is computed recursively from the current lr:
 *
 * ```text
 * e = 0:             lr ← lr·startFactor
 * 0 < e ≤ totalIters: lr ← lr·(1 + (end − start) / (totalIters·start + (e − 1)·(end − start)))
 * ```
 *
 * @example
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 10 });
 */
export class LinearLR extends LRScheduler<Required<LinearLROptions>> {
  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super('LinearLR', optimizer, options, SPEC);
  }

  protected computeLr(): number[] {
    const { startFactor, endFactor, totalIters } = this.options;
    const e = this.lastEpoch;
    const lrs = this.groupLrs();
    if (e === 0) return lrs.map((lr) => lr * startFactor);
    if (e > totalIters) return lrs;
    return lrs.map(
      (lr) => lr * (1 + (endFactor - startFactor) / (totalIters * startFactor + (e - 1) * (endFactor - startFactor))),
    );
  }
}
