/**
 * The worker's thread setup, in one place. In a cross-origin isolated page the kernels could run on
 * a pool of Web Workers (`setNumThreads` of `@nn/autograd/web`, which is not there yet); until it
 * is, training runs on this worker's one thread, which is correct everywhere.
 */

/**
 * Sets up the kernels' threads for training and resolves to a line for the page's status. Async
 * because starting a pool of workers is: the worker awaits it before training.
 */
export async function enableThreads(): Promise<string> {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return `threads: 1 (the browser thread pool is not wired yet; page ${isolated ? 'is' : 'is not'} cross-origin isolated)`;
}
