/** TerminateOnNaN: Keras's callback that stops training at the first NaN or infinite loss. */
import type { Callback, Logs, TrainingTarget } from './callbacks.js';
import { defaultSink, type ProgressSink } from './progress.js';

/** Options of `TerminateOnNaN`. */
export interface TerminateOnNaNOptions {
  /** Where the line saying that training stops goes (default: standard output, or the console). */
  output?: ProgressSink;
}

/**
 * Stops `fit` at the end of the batch where the loss (the epoch's running mean, as in Keras's logs)
 * becomes NaN or infinite, and writes one line saying so: the epoch and batch, 1-based as the
 * progress line counts them. The epoch ends as usual (validation, `onEpochEnd`, the history), then
 * training stops, as in Keras.
 */
export class TerminateOnNaN implements Callback {
  /** Where training stopped (0-based epoch and batch), or null while it has not. */
  stoppedAt: { epoch: number; batch: number } | null = null;
  private epoch = 0;
  private readonly output: ProgressSink;

  constructor(opts: TerminateOnNaNOptions = {}) {
    this.output = opts.output ?? defaultSink();
  }

  onTrainBegin(): void {
    this.stoppedAt = null;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  onBatchEnd(batch: number, logs: Logs, target: TrainingTarget): void {
    const loss = logs.loss;
    if (loss === undefined || Number.isFinite(loss)) return;
    this.stoppedAt = { epoch: this.epoch, batch };
    this.output.write(`TerminateOnNaN: the loss is ${loss} at epoch ${this.epoch + 1}, batch ${batch + 1}; training stops\n`);
    target.stopTraining = true;
  }
}
