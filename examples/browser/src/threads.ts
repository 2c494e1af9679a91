/**
 * The training worker's thread setup, in one place. In a cross-origin isolated page the large
 * products run on a pool of Web Workers (`setNumThreads` of `@nn/autograd/web`), which is allowed
 * here because this is a dedicated worker; elsewhere the pool stays at one thread, silently, and
 * the results are the same.
 */
import { getNumThreads, setNumThreads } from '@nn/autograd/web';

/** Most threads the page asks for: the digits CNN's products are small, more would sit idle. */
const MAX_THREADS = 4;

/**
 * Starts the kernels' threads and resolves to a line for the page's status. The pool's worker
 * script is the bundle of `@nn/autograd/web-worker` that examples/browser/build.ts writes next to
 * this worker's bundle (the package's default URL, relative to its own module, does not hold inside
 * a bundle).
 */
export async function enableThreads(): Promise<string> {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  await setNumThreads(Math.max(1, Math.min(cores, MAX_THREADS)), { workerUrl: new URL('./thread-worker.js', import.meta.url).href });
  const threads = getNumThreads();
  return `threads: ${threads} (${isolated ? 'cross-origin isolated: large products run on Web Workers' : 'not cross-origin isolated: one thread'})`;
}
