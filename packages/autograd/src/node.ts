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
import { MAX_THREADS, threadSetting } from './kernels/wasm/thread-setting.js';
import { ThreadPool } from './kernels/wasm/thread-pool.js';
import { wasmMatmulAvailable } from './kernels/wasm/matmul.js';

const setting = threadSetting<ThreadPool>();

/**
 * Runs large matrix products (WebAssembly kernels) on `n` threads: starts n - 1 worker threads and
 * resolves once they are ready; 1 stops the workers (single-threaded, the default). Rejects with a
 * RangeError unless n is a whole number from 1 to 256, and with an Error if workers cannot start
 * (or WebAssembly SIMD is missing), leaving products single-threaded. Workers never keep the process
 * alive. Products run on one thread below a size where threads pay off (see ./kernels/wasm/matmul.ts).
 */
export function setNumThreads(n: number): Promise<void> {
  return setting.set(n, (threads, onFailure) => {
    if (!wasmMatmulAvailable()) throw new Error(`setNumThreads: ${threads} threads asked for, but this engine has no WebAssembly SIMD`);
    return ThreadPool.start(threads, onFailure);
  });
}

/** The threads large products currently run on: 1 until `setNumThreads` has resolved with more. */
export function getNumThreads(): number {
  return setting.get();
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
