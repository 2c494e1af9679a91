/**
 * The hook through which a thread pool lends its threads to the WebAssembly matmul. The core library
 * stays free of workers: ../../node.ts (worker_threads) and ../../web.ts (Web Workers) start them
 * and install an executor here, and ./matmul.ts cuts large products into chunks for its threads
 * when one is installed. Everything
 * stays synchronous to the caller: the executor blocks the calling thread until every chunk is done.
 */
import type { Share, Split } from './blocked.js';
import type { MatmulRuntime } from './runtime.js';

/** Runs chunks of a product on several threads that share one WebAssembly memory. */
export interface ParallelExecutor {
  /** Threads that work on a product, the calling one included (2 or more). */
  readonly threads: number;
  /** The runtime on the shared memory: while this executor is installed, products run in it. */
  readonly runtime: MatmulRuntime;
  /**
   * Computes `whole` (a whole product, staged in the runtime's memory) cut as `split`, on the calling
   * thread and the workers together (see `computeChunks`), and returns once every chunk is done.
   * Throws if a worker failed or did not answer.
   */
  run(whole: Share, split: Split): void;
}

let executor: ParallelExecutor | null = null;

/** Installs the executor that large products are split over, or removes it (null): single-threaded again. */
export function setParallelExecutor(next: ParallelExecutor | null): void {
  executor = next;
}

/** The installed executor, or null when products run on the calling thread alone. */
export function parallelExecutor(): ParallelExecutor | null {
  return executor;
}
