/** ReduceLROnPlateau: cut the learning rate when a metric stops improving. */
import { describeValue, Tensor } from '@nn/autograd';
import {
  isRecord,
  nonNegative,
  nonNegativeInteger,
  nonNegativeOrList,
  oneOf,
  pickOptions,
  resolveOptions,
  unitInterval,
  type OptionSpec,
  type OptionValue,
} from '../options.js';
import type { Optimizer } from '../optimizer.js';
import { checkGroupCount, checkLrList, checkOptimizer } from './scheduler.js';

/** The options of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should go down (a loss); 'max': up (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** The factor the lr is multiplied by on a plateau, in [0, 1). Default 0.1. */
  factor?: number;
  /** The number of epochs without improvement tolerated before cutting the lr. Default 10. */
  patience?: number;
  /** How much better than the best so far counts as an improvement. Default 1e-4. */
  threshold?: number;
  /** 'rel': better than best·(1 ∓ threshold); 'abs': better than best ∓ threshold. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** The number of epochs to wait after a cut before counting bad epochs again. Default 0. */
  cooldown?: number;
  /** The lowest lr, for all groups or one per group. Default 0. */
  minLr?: number | readonly number[];
  /** A cut smaller than this is not made. Default 1e-8. */
  eps?: number;
}

type PlateauConfig = Required<ReduceLROnPlateauOptions>;

const SPEC: OptionSpec<PlateauConfig> = {
  mode: { rule: oneOf('min', 'max'), default: 'min' },
  factor: { rule: unitInterval, default: 0.1 },
  patience: { rule: nonNegativeInteger, default: 10 },
  threshold: { rule: nonNegative, default: 1e-4 },
  thresholdMode: { rule: oneOf('rel', 'abs'), default: 'rel' },
  cooldown: { rule: nonNegativeInteger, default: 0 },
  minLr: { rule: nonNegativeOrList, default: 0 },
  eps: { rule: nonNegative, default: 1e-8 },
};

/** The state of a {@link ReduceLROnPlateau} as plain data. */
export interface ReduceLROnPlateauStateDict {
  options: Record<string, OptionValue>;
  /** The number of `step(metric)` calls so far. */
  lastEpoch: number;
  /** The best metric so far (Infinity, or -Infinity in 'max' mode, before the first). */
  best: number;
  numBadEpochs: number;
  cooldownCounter: number;
  lastLr: number[];
}

/**
 * Multiplies each group's learning rate by `factor` once the metric passed to `step(metric)` has not
 * improved for more than `patience` epochs, as PyTorch's `ReduceLROnPlateau`. After a cut it waits
 * `cooldown` epochs before counting again; no lr goes below its `minLr`, and a cut smaller than
 * `eps` is skipped.
 *
 * @example
 * const scheduler = new ReduceLROnPlateau(opt, { patience: 5, factor: 0.5 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); scheduler.step(validationLoss()); }
 */
export class ReduceLROnPlateau {
  /** The options, checked, defaults filled in. */
  options: PlateauConfig;
  /** The number of `step(metric)` calls so far. */
  lastEpoch = 0;
  /** The best metric so far. */
  best: number;
  /** Epochs since the last improvement (reset by a cut and during cooldown). */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  private lastLr: number[];

  constructor(
    /** The optimizer whose groups' `lr` this scheduler sets. */
    readonly optimizer: Optimizer,
    options: ReduceLROnPlateauOptions = {},
  ) {
    checkOptimizer('ReduceLROnPlateau', optimizer);
    this.options = this.resolve(options, '');
    this.best = this.worst();
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private resolve(options: unknown, where: string): PlateauConfig {
    const config = resolveOptions('ReduceLROnPlateau', SPEC, options, { where });
    const groups = this.optimizer.paramGroups.length;
    if (typeof config.minLr !== 'number' && config.minLr.length !== groups) {
      throw new Error(`ReduceLROnPlateau: ${where}minLr has ${config.minLr.length} values, the optimizer has ${groups} parameter groups`);
    }
    return config;
  }

  /** The starting value of `best`: nothing is worse. */
  private worst(): number {
    return this.options.mode === 'min' ? Infinity : -Infinity;
  }

  /** Whether `a` improves on `best` (PyTorch's `is_better`, same expressions). */
  private isBetter(a: number, best: number): boolean {
    const { mode, thresholdMode, threshold } = this.options;
    if (mode === 'min' && thresholdMode === 'rel') return a < best * (1 - threshold);
    if (mode === 'min') return a < best - threshold;
    if (thresholdMode === 'rel') return a > best * (threshold + 1);
    return a > best + threshold;
  }

  /** Records the epoch's metric (a number or a one-element tensor) and cuts the lrs after a plateau. */
  step(metric: number | Tensor): void {
    let current: number;
    if (typeof metric === 'number') current = metric;
    else if (metric instanceof Tensor && metric.size === 1) current = metric.item();
    else throw new Error(`ReduceLROnPlateau: step(metric) takes a number or a one-element tensor, got ${describeValue(metric)}`);
    checkGroupCount('ReduceLROnPlateau', this.optimizer, this.lastLr.length);
    this.lastEpoch++;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > this.options.patience) {
      this.reduceLr();
      this.cooldownCounter = this.options.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    const { factor, minLr, eps } = this.options;
    this.optimizer.paramGroups.forEach((group, i) => {
      const oldLr = group.lr;
      const newLr = Math.max(oldLr * factor, typeof minLr === 'number' ? minLr : minLr[i]!);
      if (oldLr - newLr > eps) group.lr = newLr;
    });
  }

  /** The learning rate of each group after the last `step(metric)` (the optimizer's lrs before any). */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The scheduler's state as plain data (a copy). */
  stateDict(): ReduceLROnPlateauStateDict {
    return {
      options: pickOptions(SPEC, this.options),
      lastEpoch: this.lastEpoch,
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastLr: this.lastLr.slice(),
    };
  }

  /** Restores a state saved by `stateDict()`; a mismatch throws, naming what differs. */
  loadStateDict(dict: ReduceLROnPlateauStateDict): void {
    const given: unknown = dict;
    const fail = (message: string): never => {
      throw new Error(`ReduceLROnPlateau: loadStateDict: ${message}`);
    };
    if (!isRecord(given)) return fail(`expected an object as stateDict() returns, got ${describeValue(given)}`);
    const options = this.resolve(given.options, 'loadStateDict: ');
    for (const key of ['lastEpoch', 'numBadEpochs', 'cooldownCounter'] as const) {
      if (!nonNegativeInteger.accepts(given[key])) fail(`${key} must be an integer >= 0, got ${describeValue(given[key])}`);
    }
    if (typeof given.best !== 'number') fail(`best must be a number, got ${describeValue(given.best)}`);
    const lastLr = checkLrList('ReduceLROnPlateau', 'lastLr', given.lastLr, this.optimizer);
    this.options = options;
    this.lastEpoch = given.lastEpoch as number;
    this.best = given.best as number;
    this.numBadEpochs = given.numBadEpochs as number;
    this.cooldownCounter = given.cooldownCounter as number;
    this.lastLr = lastLr;
  }
}
