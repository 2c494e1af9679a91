/**
 * Timing for the browser benchmark page: the median of repeated runs after a warm-up, as
 * bench/measure.ts does in Node, but awaiting each run (jax-js and TensorFlow.js read results back
 * asynchronously) and warming up by time as well as by count.
 */

/** A median, how many runs it came from, and its samples (milliseconds per run, one per batch). */
export interface Timed {
  readonly ms: number;
  readonly runs: number;
  readonly samples: readonly number[];
}

/** The median of several timings' samples together (the rounds of one figure). */
export function mergeTimed(timings: readonly Timed[]): Timed {
  const samples = timings.flatMap((t) => t.samples);
  return { ms: median(samples), runs: timings.reduce((sum, t) => sum + t.runs, 0), samples };
}

/** How long to time each figure. */
export interface TimingOptions {
  /** Timed runs at least (default 5). */
  readonly minRuns?: number;
  /** Total timed milliseconds at least (default 1000). */
  readonly minMillis?: number;
  /** Milliseconds of warm-up at least, after at least two warm-up runs (default 200). */
  readonly warmMillis?: number;
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median: no values');
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The median wall time of `fn` in milliseconds. The warm-up runs until the time settles: V8 starts a
 * WebAssembly module on its baseline tier and tiers up in the background, so the first runs are slow.
 * A page that is not cross-origin isolated reads `performance.now()` to only 0.1 ms, so a fast `fn`
 * is timed in batches of runs that take at least 20 ms each (the clock's step is then at most 0.5%
 * of a sample), and a sample is a batch's time per run. The batch size is found by doubling it until
 * a batch takes that long: estimated from the warm-up's time per run, it came out far too small when
 * the first slow runs (before tier-up) dominated the warm-up, and batches of a 32 x 32 product then
 * read 0 ms (an infinite GFLOPS figure).
 */
export async function timeMedian(fn: () => void | Promise<void>, options: TimingOptions = {}): Promise<Timed> {
  const { minRuns = 5, minMillis = 1000, warmMillis = 200 } = options;
  const warmStart = performance.now();
  let warmRuns = 0;
  while (warmRuns < 2 || performance.now() - warmStart < warmMillis) {
    await fn();
    warmRuns++;
  }
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) await fn();
    if (performance.now() - t0 >= 20 || batch >= 1 << 20) break;
    batch *= 2;
  }
  const times: number[] = [];
  const started = performance.now();
  while (times.length < minRuns || performance.now() - started < minMillis) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) await fn();
    times.push((performance.now() - t0) / batch);
    if (times.length >= 500) break;
  }
  return { ms: median(times), runs: times.length * batch, samples: times };
}

/** Yields to the event loop, so that the page paints and the driver's messages get through. */
export function yieldToPage(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
