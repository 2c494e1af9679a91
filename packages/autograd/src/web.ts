/**
 * @nn/autograd/web: threads in the browser. The main entry stays free of it (and of workers).
 *
 * `setNumThreads(n)` runs large matrix products (and so convolutions, lowered onto them) on n
 * threads: the calling thread and n - 1 module Web Workers sharing one WebAssembly memory. The
 * calling thread blocks in Atomics.wait while the workers finish their part of a product, which
 * browsers allow in workers but not on a page's main thread: so call it, and train, in a dedicated
 * worker of a cross-origin isolated page (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`). Products stay synchronous; only starting the
 * workers is asynchronous, and products run single-threaded until they are ready.
 *
 * ```ts
 * // in a dedicated worker (new Worker(url, { type: 'module' })) of an isolated page
 * import { setNumThreads } from '@nn/autograd/web';
 * await setNumThreads(navigator.hardwareConcurrency); // stays 1 where the page is not isolated
 * ```
 */
import { wasmMatmulAvailable } from './kernels/wasm/matmul.js';
import { threadSetting } from './kernels/wasm/thread-setting.js';
import { mayBlock, sharedMemoryAllowed, web, type WebUrl } from './kernels/wasm/web-api.js';
import { WebThreadPool } from './kernels/wasm/web-thread-pool.js';

/** Options of {@link setNumThreads}. */
export interface WebThreadOptions {
  /**
   * The URL of the worker script, dist/kernels/wasm/web-thread-worker.js of this package. By default
   * it is found relative to this module (`new URL('./kernels/wasm/web-thread-worker.js',
   * import.meta.url)`), which holds when the package is served as built (through an import map, say).
   * An app whose code is bundled moves this module, so it serves that file, or its own bundle of
   * `@nn/autograd/web-worker` (the same file, exported for bundlers), and passes its URL here.
   * The script must come from the same package version as this module (they share the job layout).
   */
  readonly workerUrl?: string | WebUrl;
}

const setting = threadSetting<WebThreadPool>();

/**
 * Runs large matrix products (WebAssembly kernels), and the convolutions lowered onto them, on `n`
 * threads: starts n - 1 module Web Workers and resolves once they are ready; 1 stops them
 * (single-threaded, the default). Products run on one thread below a size where threads pay off.
 *
 * - Where the page is not cross-origin isolated (`crossOriginIsolated` false, so no
 *   SharedArrayBuffer to share memory through): resolves and stays at one thread, silently. Results
 *   are the same either way (a product split over threads sums every element in the same order).
 * - On a page's main thread, where Atomics.wait throws: rejects with an Error saying to call it from
 *   a dedicated worker, even where the page is not isolated. Running products on workers from there
 *   would need them to be asynchronous; silently staying at one thread would hide, behind a slower
 *   page, a mistake the caller can fix, so the call fails at once and the same way under any headers.
 * - Rejects with a RangeError unless n is a whole number from 1 to 256, and with an Error where there
 *   is no Worker constructor (Node: use @nn/autograd/node), no WebAssembly SIMD, or when the workers
 *   cannot start (`options.workerUrl` wrong, say); products then stay single-threaded.
 * - A worker that fails or stops answering later turns the threads off: the product in hand throws,
 *   and the next ones run on one thread (`getNumThreads()` is 1 again).
 *
 * `setNumThreads(1)` always resolves, wherever it is called.
 */
export function setNumThreads(n: number, options: WebThreadOptions = {}): Promise<void> {
  return setting.set(n, async (threads, onFailure) => {
    if (web.Worker === undefined) throw new Error(`setNumThreads(${threads}): there is no Worker constructor here (in Node, use @nn/autograd/node)`);
    if (!mayBlock()) {
      throw new Error(`setNumThreads(${threads}): called on a page's main thread, where Atomics.wait is not allowed; call it (and train) in a dedicated worker, new Worker(url, { type: 'module' })`);
    }
    if (!sharedMemoryAllowed()) return null; // not cross-origin isolated: one thread, silently
    if (!wasmMatmulAvailable()) throw new Error(`setNumThreads: ${threads} threads asked for, but this engine has no WebAssembly SIMD`);
    const url = options.workerUrl ?? new web.URL('./kernels/wasm/web-thread-worker.js', (import.meta as ImportMeta & { readonly url: string }).url);
    return WebThreadPool.start(threads, url, onFailure);
  });
}

/** The threads large products currently run on: 1 until `setNumThreads` has resolved with more. */
export function getNumThreads(): number {
  return setting.get();
}
