/**
 * @nn/autograd/node: extras for Node only. The main entry stays browser-safe; this one may use
 * worker_threads.
 *
 * `setNumThreads(n)` runs large matrix products on n threads: the calling thread and n - 1 workers
 * sharing one WebAssembly memory. Calls stay synchronous; only starting the workers is asynchronous,
 * and products run single-threaded until they are ready. The environment variable NN_NUM_THREADS,
 * read when this entry is first imported, does the same as a call.
 *
 * ```ts
 * import { setNumThreads } from '@nn/autograd/node';
 * await setNumThreads(4);
 * ```
 */
import { setParallelExecutor } from './kernels/wasm/parallel.js';
import { ThreadPool } from './kernels/wasm/thread-pool.js';
import { wasmMatmulAvailable } from './kernels/wasm/matmul.js';

/** The most threads `setNumThreads` accepts. */
const MAX_THREADS = 256;

let pool: ThreadPool | null = null;
/** Calls apply one after another: each waits for the workers of the previous one to start or stop. */
let queue: Promise<void> = Promise.resolve();

/**
 * Runs large matrix products (WebAssembly kernels) on `n` threads: starts n - 1 worker threads and
 * resolves once they are ready; 1 stops the workers (single-threaded, the default). Rejects with a
 * RangeError unless n is a whole number from 1 to 256, and with an Error if workers cannot start
 * (or WebAssembly SIMD is missing), leaving products single-threaded. Workers never keep the process
 * alive. Products run on one thread below a size where threads pay off (see ./kernels/wasm/matmul.ts).
 */
export function setNumThreads(n: number): Promise<void> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    return Promise.reject(new RangeError(`setNumThreads: expected a whole number of threads from 1 to ${MAX_THREADS}, got ${String(n)}`));
  }
  const next = queue.then(() => apply(n));
  queue = next.catch(() => undefined);
  return next;
}

/** The threads large products currently run on: 1 until `setNumThreads` has resolved with more. */
export function getNumThreads(): number {
  return pool?.threads ?? 1;
}

async function apply(n: number): Promise<void> {
  if (getNumThreads() === n) return;
  const previous = pool;
  pool = null;
  setParallelExecutor(null);
  if (previous !== null) await previous.close();
  if (n === 1) return;
  if (!wasmMatmulAvailable()) throw new Error(`setNumThreads: ${n} threads asked for, but this engine has no WebAssembly SIMD`);
  const started = await ThreadPool.start(n, onFailure);
  pool = started;
  setParallelExecutor(started);
}

/** A pool that broke (a worker died or timed out): products go back to one thread, and the workers are stopped. */
function onFailure(broken: ThreadPool): void {
  if (pool !== broken) return;
  pool = null;
  setParallelExecutor(null);
  void broken.close();
}

/** NN_NUM_THREADS=n: as `setNumThreads(n)` at import. A bad value throws here; a failed start warns. */
function fromEnvironment(): void {
  const process = (globalThis as { process?: { env?: Record<string, string | undefined>; emitWarning?: (warning: string) => void } }).process;
  const value = process?.env?.NN_NUM_THREADS;
  if (value === undefined || value === '') return;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new Error(`NN_NUM_THREADS: expected a whole number of threads from 1 to ${MAX_THREADS}, got ${JSON.stringify(value)}`);
  }
  setNumThreads(n).catch((error: unknown) => process?.emitWarning?.(`NN_NUM_THREADS=${value}: ${error instanceof Error ? error.message : String(error)}`));
}

fromEnvironment();
