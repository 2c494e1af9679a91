/**
 * Callbacks: hooks into `fit`, as Keras's. A callback implements any of the methods; `logs` hold the
 * metric values so far (`loss`, `accuracy`, ..., and `val_` ones at the end of an epoch).
 */
import { checkOptions, describeValue, type Tensor } from '@nn/autograd';

export type Logs = Record<string, number>;

/** What a callback can reach of the model being trained. */
export interface TrainingTarget {
  /** Set to true to stop training: at the end of the current batch when set in onBatchEnd, else of the current epoch. */
  stopTraining: boolean;
  /** The weights, as copies (to restore later). */
  getWeights(): Record<string, Tensor>;
  setWeights(weights: Record<string, Tensor>): void;
  /** The optimizer's learning rate (of its first parameter group). */
  getLearningRate(): number;
  setLearningRate(lr: number): void;
  /** Saves the model to a file (Model.save), for ModelCheckpoint. */
  save?(path: string): Promise<void>;
}

/** Hooks into `fit`. A hook may return a promise (ModelCheckpoint writes a file); `fit` awaits it before going on. */
export interface Callback {
  onTrainBegin?(target: TrainingTarget): void | Promise<void>;
  onEpochBegin?(epoch: number, target: TrainingTarget): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs, target: TrainingTarget): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs, target: TrainingTarget): void | Promise<void>;
  onTrainEnd?(logs: Logs, target: TrainingTarget): void | Promise<void>;
}

export interface EarlyStoppingOptions {
  /** The log to watch (default 'val_loss'). */
  monitor?: string;
  /** Epochs without improvement after which training stops (default 0: at the first epoch without one). */
  patience?: number;
  /** The smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** 'min', 'max', or 'auto' (default): 'max' for accuracy-like logs, else 'min'. */
  mode?: 'min' | 'max' | 'auto';
  /** Restore the weights of the best epoch when stopping (default false). */
  restoreBestWeights?: boolean;
}

/** Stops training when a monitored log stops improving (Keras's EarlyStopping). */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: 'min' | 'max';
  readonly restoreBestWeights: boolean;
  /** The epoch training stopped at, or null while it has not. */
  stoppedEpoch: number | null = null;
  /** The best value seen and its epoch. */
  best = Infinity;
  bestEpoch = -1;
  private wait = 0;
  private bestWeights: Record<string, Tensor> | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    checkOptions('EarlyStopping', opts, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights']);
    this.monitor = opts.monitor ?? 'val_loss';
    this.patience = opts.patience ?? 0;
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    const mode = opts.mode ?? 'auto';
    this.mode = mode === 'auto' ? (/acc|precision|recall/.test(this.monitor) ? 'max' : 'min') : mode;
    this.restoreBestWeights = opts.restoreBestWeights ?? false;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new Error(`EarlyStopping: patience must be a non-negative integer, got ${describeValue(opts.patience)}`);
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestEpoch = -1;
    this.stoppedEpoch = null;
    this.bestWeights = null;
  }

  onEpochEnd(epoch: number, logs: Logs, target: TrainingTarget): void {
    const value = logs[this.monitor];
    if (value === undefined) {
      throw new Error(`EarlyStopping: the log '${this.monitor}' does not exist (logs: ${Object.keys(logs).join(', ')}); validation logs need validationSplit or validationData`);
    }
    const improved = this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta;
    if (improved) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = target.getWeights();
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      target.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights !== null) target.setWeights(this.bestWeights);
    }
  }
}

/** Anything with `step()`: a learning-rate scheduler of @nn/optim. */
export interface SchedulerLike {
  step(): void;
}

/**
 * Adjusts the learning rate each epoch: with a scheduler of @nn/optim, steps it at the end of every
 * epoch; with a function, sets the rate it returns for the epoch at the start of every epoch
 * (Keras's LearningRateScheduler).
 */
export class LearningRateScheduler implements Callback {
  constructor(private readonly schedule: SchedulerLike | ((epoch: number, lr: number) => number)) {}

  onEpochBegin(epoch: number, target: TrainingTarget): void {
    if (typeof this.schedule === 'function') {
      const lr = this.schedule(epoch, target.getLearningRate());
      if (!Number.isFinite(lr) || lr < 0) throw new Error(`LearningRateScheduler: the schedule returned ${lr} for epoch ${epoch}; expected a non-negative number`);
      target.setLearningRate(lr);
    }
  }

  onEpochEnd(): void {
    if (typeof this.schedule !== 'function') this.schedule.step();
  }
}
