/** What `fit` returns: every log per epoch, as Keras's History. */
import type { Logs } from './callbacks.js';

export class History {
  /** The epochs run (0-based). */
  readonly epoch: number[] = [];
  /** Each log (`loss`, `accuracy`, `val_loss`, ...) per epoch. */
  readonly history: Record<string, number[]> = {};

  /** Records the logs of one epoch. */
  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (this.history[key] ??= []).push(value);
  }
}
