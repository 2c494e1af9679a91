/**
 * The thread count behind `setNumThreads` / `getNumThreads`, shared by Node's entry (../../node.ts,
 * worker threads) and the browser's (../../web.ts, Web Workers): which pool runs large products,
 * calls applied one after another (each waits for the workers of the previous one to start or
 * stop), and a pool that breaks turned off. The entries differ only in how a pool starts, which
 * they pass in.
 */
import { setParallelExecutor, type ParallelExecutor } from './parallel.js';

/** The most threads `setNumThreads` accepts. */
export const MAX_THREADS = 256;

/** A pool as the setting holds it. */
export interface ThreadPoolHandle extends ParallelExecutor {
  readonly threads: number;
  close(): Promise<void>;
}

/**
 * Starts a pool of `n` threads that calls `onFailure` if it breaks later; resolves to null to stay
 * on one thread silently (a page that is not cross-origin isolated), rejects when it cannot start.
 */
export type StartPool<P extends ThreadPoolHandle> = (n: number, onFailure: (broken: P) => void) => Promise<P | null>;

export interface ThreadSetting<P extends ThreadPoolHandle> {
  /** Validates `n`, then, after the calls before it, stops the current pool and starts one of n threads (none for 1). */
  set(n: number, start: StartPool<P>): Promise<void>;
  /** The threads large products currently run on: 1 until a `set` has resolved with more. */
  get(): number;
}

/** One entry's setting: its own pool, its own queue of calls. */
export function threadSetting<P extends ThreadPoolHandle>(): ThreadSetting<P> {
  let pool: P | null = null;
  let queue: Promise<void> = Promise.resolve();

  /** A pool that broke (a worker failed or timed out): products go back to one thread, and the workers are stopped. */
  const onFailure = (broken: P): void => {
    if (pool !== broken) return;
    pool = null;
    setParallelExecutor(null);
    void broken.close();
  };

  const apply = async (n: number, start: StartPool<P>): Promise<void> => {
    if ((pool?.threads ?? 1) === n) return;
    const previous = pool;
    pool = null;
    setParallelExecutor(null);
    if (previous !== null) await previous.close();
    if (n === 1) return;
    const started = await start(n, onFailure);
    if (started === null) return;
    pool = started;
    setParallelExecutor(started);
  };

  return {
    set(n, start) {
      if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
        return Promise.reject(new RangeError(`setNumThreads: expected a whole number of threads from 1 to ${MAX_THREADS}, got ${String(n)}`));
      }
      const next = queue.then(() => apply(n, start));
      queue = next.catch(() => undefined);
      return next;
    },
    get: () => pool?.threads ?? 1,
  };
}
