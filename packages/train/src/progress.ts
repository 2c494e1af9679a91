/**
 * Progress output of `fit`. In a terminal, one live line per epoch redrawn after each batch:
 * `Epoch 3/30  45/45 [==============================] loss 0.1234  accuracy 0.9710  4 ms/step`.
 * Elsewhere (CI, a log file, a browser console), one plain line per finished epoch.
 */
import type { Logs } from './callbacks.js';

export type Verbosity = 0 | 1 | 2;

export interface ProgressSink {
  /** True when the output is a terminal that can redraw a line. */
  isTTY: boolean;
  write(text: string): void;
}

/** Standard output when there is one (Node), else the console. */
export function defaultSink(): ProgressSink {
  const stdout = (globalThis as { process?: { stdout?: { isTTY?: boolean; write(text: string): unknown } } }).process?.stdout;
  if (stdout !== undefined) return { isTTY: stdout.isTTY === true, write: (text) => void stdout.write(text) };
  return { isTTY: false, write: (text) => console.log(text.replace(/\n$/, '')) };
}

const BAR_WIDTH = 30;

function formatLogs(logs: Logs): string {
  return Object.entries(logs).map(([key, value]) => `${key} ${value.toFixed(4)}`).join('  ');
}

/** `[=====>....]`: the share of batches done, with the head of the bar at the current batch. */
function bar(done: number, total: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.floor((BAR_WIDTH * done) / total);
  if (filled >= BAR_WIDTH) return '='.repeat(BAR_WIDTH);
  return `${'='.repeat(filled)}>${'.'.repeat(BAR_WIDTH - filled - 1)}`;
}

/** Reports one `fit` run. Verbosity 0 is silent; 1 is the live line in a terminal; 2 one line per epoch. */
export class Progress {
  private epochStart = 0;
  private readonly live: boolean;

  constructor(private readonly verbosity: Verbosity, private readonly epochs: number, private readonly sink: ProgressSink) {
    this.live = verbosity === 1 && sink.isTTY;
  }

  epochBegin(): void {
    this.epochStart = performance.now();
  }

  batchEnd(epoch: number, batch: number, batches: number, logs: Logs): void {
    if (!this.live) return;
    this.sink.write(`\r${this.line(epoch, batch + 1, batches, logs)}\u001b[K`);
  }

  /** The end of an epoch of `batches` batches, after `done` of them (fewer when a callback stopped it). */
  epochEnd(epoch: number, batches: number, logs: Logs, done = batches): void {
    if (this.verbosity === 0) return;
    const line = this.line(epoch, done, batches, logs);
    this.sink.write(this.live ? `\r${line}\u001b[K\n` : `${line}\n`);
  }

  /** A warning line, written whatever the verbosity (on a line of its own below a live line). */
  warn(text: string): void {
    this.sink.write(this.live ? `\n${text}\n` : `${text}\n`);
  }

  private line(epoch: number, done: number, total: number, logs: Logs): string {
    const msPerStep = done === 0 ? 0 : (performance.now() - this.epochStart) / done;
    const width = String(total).length;
    return `Epoch ${epoch + 1}/${this.epochs}  ${String(done).padStart(width)}/${total} [${bar(done, total)}] ${formatLogs(logs)}  ${msPerStep < 10 ? msPerStep.toFixed(1) : Math.round(msPerStep)} ms/step`;
  }
}
