/**
 * A dedicated worker that runs @nn's side of the browser benchmark (nn-workloads.ts) off the page's
 * thread: compare.ts posts it one request at a time and waits for the answer. Bundled by bundle.ts
 * into build/browser/bench/nn-worker.js.
 *
 * Each request says how many threads to run on: before the workload the worker calls
 * `setNumThreads(threads)` of `@nn/autograd/web`, with the URL of the thread pool's worker script
 * that bundle.ts writes beside this one. More than one thread needs a cross-origin isolated page;
 * elsewhere the pool stays at one thread, and the request is answered with that error rather than
 * a one-thread figure under a two-thread heading.
 */
import { getNumThreads, setNumThreads } from '@nn/autograd/web';
import { nnDigitsFit, nnMatmul, nnMlpStep, useNn, type Fitted, type NnVariant } from './nn-workloads.js';
import type { Timed, TimingOptions } from './timing.js';

/** What compare.ts asks the worker to run. */
export type NnWorkerRequest = { readonly variant: NnVariant; readonly threads: number } & (
  | { readonly kind: 'matmul'; readonly n: number; readonly timing: TimingOptions }
  | { readonly kind: 'mlp-step'; readonly timing: TimingOptions }
  | { readonly kind: 'digits-fit'; readonly epochs: number }
);

/** The worker's answer: the figure, or why there is none. */
export type NnWorkerResponse = { readonly ok: true; readonly timed?: Timed; readonly fitted?: Fitted } | { readonly ok: false; readonly error: string };

/** The parts of a dedicated worker's global scope used here (the packages' lib has no DOM types). */
interface WorkerScope {
  onmessage: ((event: { data: NnWorkerRequest }) => void) | null;
  postMessage(message: NnWorkerResponse): void;
}

/** The thread pool's worker script, bundled by bundle.ts next to this file. */
const THREAD_WORKER_URL = new URL('./nn-thread-worker.js', import.meta.url).href;

async function answer(request: NnWorkerRequest): Promise<NnWorkerResponse> {
  if (!useNn(request.variant)) return { ok: false, error: `the ${request.variant} kernels are not available in this worker` };
  if (getNumThreads() !== request.threads) await setNumThreads(request.threads, { workerUrl: THREAD_WORKER_URL });
  if (getNumThreads() !== request.threads) {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    return { ok: false, error: `asked for ${request.threads} threads, running on ${getNumThreads()} (page ${isolated ? 'is' : 'is not'} cross-origin isolated)` };
  }
  switch (request.kind) {
    case 'matmul':
      return { ok: true, timed: await nnMatmul(request.n, request.timing) };
    case 'mlp-step':
      return { ok: true, timed: await nnMlpStep(request.timing) };
    case 'digits-fit':
      return { ok: true, fitted: await nnDigitsFit(request.epochs) };
  }
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = (event) => {
  answer(event.data).then(
    (response) => scope.postMessage(response),
    (error: unknown) => scope.postMessage({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
};
