/**
 * A pool of matmul worker threads for Node (only ../../node.ts imports this file). The workers and
 * the main thread run instances of one module on one shared WebAssembly memory; the pool is the
 * `ParallelExecutor` (./parallel.ts) that ./matmul.ts hands the shares of large products to.
 *
 * The main thread stays synchronous: it posts the product to each worker through its control block,
 * computes chunks of it alongside them, then blocks in Atomics.wait (allowed on Node's main thread)
 * until every worker is done; that part, and the workers' job loop, is ./thread-protocol.ts, which
 * the browser's pool (./web-thread-pool.ts) shares. A failure in a worker comes back as an Error
 * thrown on the main thread; a worker that does not answer in time (or dies) makes the wait time
 * out and throw, and turns the pool off, rather than hang. Workers are unref'd: they never keep a
 * process alive.
 */
import { host, loadWorkerThreads, type NodeUrl, type NodeWorker } from './node-api.js';
import { sharedRuntime, type MatmulRuntime } from './runtime.js';
import { CONTROL_SLOTS, QUEUE_SLOTS, SharedMemoryPool, sharedInt32s, type WorkerData } from './thread-protocol.js';

/** How long workers get to start. */
const START_TIMEOUT_MS = 30_000;

/**
 * Worker threads on the shared runtime's memory, lent to large products (a `ParallelExecutor`);
 * started by `ThreadPool.start`, stopped by `close`.
 */
export class ThreadPool extends SharedMemoryPool {
  private running: number;

  private constructor(
    threads: number,
    runtime: MatmulRuntime,
    private readonly workers: readonly NodeWorker[],
    controls: readonly Int32Array[],
    queue: Int32Array,
    onFailure: (pool: ThreadPool) => void,
  ) {
    super(threads, runtime, controls, queue, 'worker thread', (pool) => onFailure(pool as ThreadPool));
    this.running = workers.length;
    for (const [index, worker] of workers.entries()) {
      worker.on('error', (error) => this.fail(`worker thread ${index + 1} failed: ${describe(error)}`));
      worker.on('exit', (code) => {
        this.running--;
        this.fail(`worker thread ${index + 1} exited (code ${String(code)})`);
      });
      worker.unref(); // after the listeners: adding a 'message' listener would ref the worker again
    }
  }

  /**
   * Starts `threads - 1` workers (with the calling thread, `threads`) and resolves once every one has
   * compiled the module and is waiting for work. `onFailure` is told when the pool breaks later on.
   */
  static async start(threads: number, onFailure: (pool: ThreadPool) => void): Promise<ThreadPool> {
    const workerThreads = await loadWorkerThreads();
    const shared = sharedRuntime();
    const workers: NodeWorker[] = [];
    const controls: Int32Array[] = [];
    const queue = sharedInt32s(QUEUE_SLOTS);
    try {
      for (let thread = 1; thread < threads; thread++) {
        const control = sharedInt32s(CONTROL_SLOTS);
        const workerData: WorkerData = { module: shared.module, memory: shared.memory, control, queue, thread };
        workers.push(new workerThreads.Worker(workerUrl(), { workerData }));
        controls.push(control);
      }
      await Promise.all(workers.map((worker, index) => ready(worker, index + 1)));
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw new Error(`setNumThreads: could not start ${threads - 1} worker thread(s): ${describe(error)}`, { cause: error });
    }
    return new ThreadPool(threads, shared.runtime, workers, controls, queue, onFailure);
  }

  /** Workers that have not exited yet (0 once `close` has resolved). */
  get liveWorkers(): number {
    return this.running;
  }

  /** Stops the workers (they finish the job in hand first) and resolves once they have exited. */
  async close(): Promise<void> {
    this.quit();
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** Resolves when `worker` says 'ready'; rejects if it fails, exits or takes too long first. */
function ready(worker: NodeWorker, index: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = host.setTimeout(() => settle(new Error(`worker thread ${index} not ready after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onMessage = (message: unknown): void => settle(message === 'ready' ? undefined : new Error(`worker thread ${index} said ${String(message)}`));
    const onError = (error: unknown): void => settle(new Error(`worker thread ${index} failed: ${describe(error)}`));
    const onExit = (code: unknown): void => settle(new Error(`worker thread ${index} exited (code ${String(code)})`));
    function settle(error: Error | undefined): void {
      host.clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (error === undefined) resolve();
      else reject(error);
    }
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/**
 * The worker script. From the build (dist/) it sits next to this file. Run from the TypeScript
 * sources, as the tests do, this file is src/kernels/wasm/thread-pool.ts and the worker comes from
 * the build, dist/kernels/wasm/thread-worker.js (Node cannot start a worker from a .ts file), so
 * build first (`npx tsc -b`).
 */
function workerUrl(): NodeUrl {
  const here = (import.meta as ImportMeta & { readonly url: string }).url;
  return here.endsWith('.ts') ? new host.URL('../../../dist/kernels/wasm/thread-worker.js', here) : new host.URL('./thread-worker.js', here);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
