/**
 * ModelCheckpoint: Keras's callback that saves the model (`Model.save`) at the end of every epoch,
 * or only when a monitored log improves.
 */
import { checkOptions, describeValue } from '@nn/autograd';
import type { Callback, Logs, TrainingTarget } from './callbacks.js';

/** Options of `ModelCheckpoint`. */
export interface ModelCheckpointOptions {
  /**
   * The file to save to. `{epoch}` is replaced by the epoch, 1-based as Keras numbers it, and
   * `{name}` by the log `name` (`{val_loss}`); a format may follow a colon as in Keras's Python
   * format strings: `{epoch:02d}` (zero-padded integer), `{val_loss:.4f}` (fixed decimals).
   */
  path: string;
  /** The log to watch for `saveBestOnly` (default 'val_loss'). */
  monitor?: string;
  /** Save only when the monitored log improves on the best so far (default false: every epoch). */
  saveBestOnly?: boolean;
  /** 'min', 'max', or 'auto' (default): 'max' for accuracy-like logs, else 'min'. */
  mode?: 'min' | 'max' | 'auto';
}

const FIELD = /\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g;

/** Keras's path formatting: `{epoch}` 1-based, `{log}` from the logs, with `d` and `.Nf` formats. */
export function formatCheckpointPath(path: string, epoch: number, logs: Logs): string {
  return path.replace(FIELD, (whole, name: string, format: string | undefined) => {
    const value = name === 'epoch' ? epoch + 1 : logs[name];
    if (value === undefined) throw new Error(`ModelCheckpoint: the path '${path}' names '${name}', which is neither epoch nor a log (logs: ${Object.keys(logs).join(', ')})`);
    if (format === undefined || format === '') return String(value);
    const integer = /^(0?)(\d*)d$/.exec(format);
    if (integer !== null) return String(Math.trunc(value)).padStart(Number(integer[2] || 0), integer[1] === '0' ? '0' : ' ');
    const fixed = /^\.(\d+)f$/.exec(format);
    if (fixed !== null) return value.toFixed(Number(fixed[1]));
    throw new Error(`ModelCheckpoint: unsupported format '${whole}' in the path '${path}' (supported: {name}, {name:02d}, {name:.4f})`);
  });
}

/**
 * Saves the model at the end of each epoch (Keras's ModelCheckpoint), with `model.save`: an atomic
 * write, so a run killed during a save keeps the previous file. With `saveBestOnly`, only epochs
 * where `monitor` improves are saved (the mode inferred from the name: 'max' for accuracy, else
 * 'min'). Node only, as `model.save`.
 *
 * ```ts
 * await model.fit(x, y, { epochs: 10, validationSplit: 0.2, callbacks: [new ModelCheckpoint({ path: 'best.safetensors', saveBestOnly: true })] });
 * ```
 */
export class ModelCheckpoint implements Callback {
  readonly path: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly mode: 'min' | 'max';
  /** The best value of `monitor` so far. */
  best = Infinity;
  /** The files saved, in order (formatted paths). */
  readonly saved: string[] = [];

  constructor(opts: ModelCheckpointOptions) {
    checkOptions('ModelCheckpoint', opts, ['path', 'monitor', 'saveBestOnly', 'mode']);
    if (opts === undefined || typeof opts.path !== 'string' || opts.path === '') {
      throw new Error(`ModelCheckpoint: path must be a non-empty string, got ${describeValue(opts?.path)}`);
    }
    this.path = opts.path;
    this.monitor = opts.monitor ?? 'val_loss';
    this.saveBestOnly = opts.saveBestOnly ?? false;
    if (typeof this.saveBestOnly !== 'boolean') throw new Error(`ModelCheckpoint: saveBestOnly must be a boolean, got ${describeValue(opts.saveBestOnly)}`);
    const mode = opts.mode ?? 'auto';
    if (mode !== 'min' && mode !== 'max' && mode !== 'auto') throw new Error(`ModelCheckpoint: mode must be 'min', 'max' or 'auto', got ${describeValue(mode)}`);
    this.mode = mode === 'auto' ? (/acc|precision|recall/.test(this.monitor) ? 'max' : 'min') : mode;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  onTrainBegin(): void {
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  async onEpochEnd(epoch: number, logs: Logs, target: TrainingTarget): Promise<void> {
    if (typeof target.save !== 'function') throw new Error('ModelCheckpoint: the model being trained has no save method (ModelCheckpoint works with Model.fit)');
    if (this.saveBestOnly) {
      const value = logs[this.monitor];
      if (value === undefined) {
        throw new Error(`ModelCheckpoint: the log '${this.monitor}' does not exist (logs: ${Object.keys(logs).join(', ')}); validation logs need validationSplit or validationData`);
      }
      // NaN never improves (a comparison with NaN is false), as in Keras.
      const improved = this.mode === 'min' ? value < this.best : value > this.best;
      if (!improved) return;
      this.best = value;
    }
    const path = formatCheckpointPath(this.path, epoch, logs);
    await target.save(path);
    this.saved.push(path);
  }
}
