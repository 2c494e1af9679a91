/**
 * A pool of matmul Web Workers for browsers (only ../../web.ts imports this file): Node's pool
 * (./thread-pool.ts) over module workers instead of worker_threads. The workers and the owning
 * thread run instances of one module on one shared WebAssembly memory; the owner posts products and
 * blocks in Atomics.wait until they are done (./thread-protocol.ts, shared with Node's pool), so the
 * owner must be a thread that may block: a dedicated worker, not a page's main thread (../../web.ts
 * checks). A worker that fails (an 'error' event: its script did not load, or threw) or does not
 * answer in time turns the pool off with an error, as in Node.
 */
import { sharedRuntime, type MatmulRuntime } from './runtime.js';
import { CONTROL_SLOTS, QUEUE_SLOTS, SharedMemoryPool, sharedInt32s, type WorkerData } from './thread-protocol.js';
import { web, type WebEvent, type WebUrl, type WebWorker } from './web-api.js';

/** How long workers get to start (fetch the script, compile nothing: the module comes compiled). */
const START_TIMEOUT_MS = 30_000;

/**
 * Module Web Workers on the shared runtime's memory, lent to large products (a `ParallelExecutor`);
 * started by `WebThreadPool.start`, stopped by `close`.
 */
export class WebThreadPool extends SharedMemoryPool {
  private constructor(
    threads: number,
    runtime: MatmulRuntime,
    private readonly workers: readonly WebWorker[],
    controls: readonly Int32Array[],
    queue: Int32Array,
    onFailure: (pool: WebThreadPool) => void,
  ) {
    super(threads, runtime, controls, queue, 'web worker', (pool) => onFailure(pool as WebThreadPool));
    for (const [index, worker] of workers.entries()) {
      worker.addEventListener('error', (event) => this.fail(`web worker ${index + 1} failed: ${describeEvent(event)}`));
      worker.addEventListener('messageerror', () => this.fail(`web worker ${index + 1} could not read a message`));
    }
  }

  /**
   * Starts `threads - 1` module workers from `url` (with the calling thread, `threads`) and resolves
   * once every one has instantiated the shared module and is waiting for work. `onFailure` is told
   * when the pool breaks later on.
   */
  static async start(threads: number, url: string | WebUrl, onFailure: (pool: WebThreadPool) => void): Promise<WebThreadPool> {
    const Worker = web.Worker;
    if (Worker === undefined) throw new Error('setNumThreads: this context has no Worker constructor');
    const shared = sharedRuntime();
    const workers: WebWorker[] = [];
    const controls: Int32Array[] = [];
    const queue = sharedInt32s(QUEUE_SLOTS);
    const readied: Promise<void>[] = [];
    try {
      for (let thread = 1; thread < threads; thread++) {
        const control = sharedInt32s(CONTROL_SLOTS);
        const worker = new Worker(url, { type: 'module', name: `nn matmul ${thread}` });
        workers.push(worker);
        controls.push(control);
        readied.push(ready(worker, thread));
        const data: WorkerData = { module: shared.module, memory: shared.memory, control, queue, thread };
        worker.postMessage(data); // kept by the browser until the worker's script has run and listens
      }
      await Promise.all(readied);
    } catch (error) {
      for (const worker of workers) worker.terminate();
      throw new Error(`setNumThreads: could not start ${threads - 1} web worker(s) from ${typeof url === 'string' ? url : url.href}: ${describe(error)}`, { cause: error });
    }
    return new WebThreadPool(threads, shared.runtime, workers, controls, queue, onFailure);
  }

  /** Stops the workers: they finish the job in hand (none: products are synchronous), then are terminated. */
  close(): Promise<void> {
    this.quit();
    for (const worker of this.workers) worker.terminate();
    return Promise.resolve();
  }
}

/** Resolves when `worker` says 'ready'; rejects if it fails or takes too long first. */
function ready(worker: WebWorker, index: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = web.setTimeout(() => settle(new Error(`web worker ${index} not ready after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onMessage = (event: WebEvent): void => settle(event.data === 'ready' ? undefined : new Error(`web worker ${index} said ${String(event.data)}`));
    const onError = (event: WebEvent): void => settle(new Error(`web worker ${index} failed: ${describeEvent(event)}`));
    function settle(error: Error | undefined): void {
      web.clearTimeout(timer);
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      worker.removeEventListener('messageerror', onError);
      if (error === undefined) resolve();
      else reject(error);
    }
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    worker.addEventListener('messageerror', onError);
  });
}

/**
 * An ErrorEvent's message and place; a worker whose script failed to load (a 404, a syntax error
 * in a module it imports) gets a bare Event with neither.
 */
function describeEvent(event: WebEvent): string {
  if (typeof event.message === 'string' && event.message !== '') {
    return typeof event.filename === 'string' && event.filename !== '' ? `${event.message} (${event.filename}:${String(event.lineno)})` : event.message;
  }
  return 'its script did not load or run (check the worker URL, and that it is served as JavaScript)';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
