/** CosineAnnealingLR: follow a cosine from the base lr down to etaMin over tMax epochs, and back. */
import { nonNegative, positiveInteger, type OptionSpec } from '../options.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './scheduler.js';

/** The options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** The number of epochs of half a cosine period (from the base lr down to etaMin). */
  tMax: number;
  /** The minimum learning rate. Default 0. */
  etaMin?: number;
}

const SPEC: OptionSpec<Required<CosineAnnealingLROptions>> = {
  tMax: { rule: positiveInteger },
  etaMin: { rule: nonNegative, default: 0 },
};

/** The remainder with the sign of the divisor, as Python's `%` (JavaScript's `%` keeps the dividend's sign). */
function floorMod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/**
 * Cosine annealing, as PyTorch's `CosineAnnealingLR` (without restarts; past `tMax` the cosine rises
 * again). The closed form is `etaMin + (baseLr − etaMin)·(1 + cos(π·e/tMax))/2`; like PyTorch this
 * computes it recursively from the current lr, so that it composes with other changes to the lr,
 * and gives PyTorch's numbers to the last bits:
 *
 * ```text
 * lr ← (1 + cos(π·e/tMax)) / (1 + cos(π·(e−1)/tMax)) · (lr − etaMin) + etaMin
 * lr ← lr + (baseLr − etaMin)·(1 − cos(π/tMax))/2      at the bottom of the cosine, (e − 1 − tMax) mod 2tMax = 0
 * ```
 *
 * @example
 * const scheduler = new CosineAnnealingLR(opt, { tMax: 50, etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler<Required<CosineAnnealingLROptions>> {
  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super('CosineAnnealingLR', optimizer, options, SPEC);
  }

  protected computeLr(): number[] {
    const { tMax, etaMin } = this.options;
    const e = this.lastEpoch;
    const lrs = this.groupLrs();
    if (e === 0) return lrs;
    // Same expressions, same order as PyTorch's get_lr.
    if (floorMod(e - 1 - tMax, 2 * tMax) === 0) {
      return lrs.map((lr, i) => lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return lrs.map(
      (lr) => ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (lr - etaMin) + etaMin,
    );
  }
}
