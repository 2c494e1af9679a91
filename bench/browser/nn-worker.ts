/**
 * A dedicated worker that runs @nn's side of the browser benchmark (nn-workloads.ts) off the page's
 * thread: compare.ts posts it one request at a time and waits for the answer. Bundled by bundle.ts
 * into build/browser/bench/nn-worker.js.
 *
 * It runs on one thread. The 2-worker figures are meant to come from here: in a cross-origin
 * isolated page, a `threads` field in the request and `setNumThreads(threads, { workerUrl })` from
 * `@nn/autograd/web` before the workload (not done yet: that entry point is not on this branch).
 */
import { nnDigitsFit, nnMatmul, nnMlpStep, useNn, type Fitted, type NnVariant } from './nn-workloads.js';
import type { Timed, TimingOptions } from './timing.js';

/** What compare.ts asks the worker to run. */
export type NnWorkerRequest =
  | { readonly kind: 'matmul'; readonly variant: NnVariant; readonly n: number; readonly timing: TimingOptions }
  | { readonly kind: 'mlp-step'; readonly variant: NnVariant; readonly timing: TimingOptions }
  | { readonly kind: 'digits-fit'; readonly variant: NnVariant; readonly epochs: number; readonly messageChannelYield: boolean };

/** The worker's answer: the figure, or why there is none. */
export type NnWorkerResponse = { readonly ok: true; readonly timed?: Timed; readonly fitted?: Fitted } | { readonly ok: false; readonly error: string };

/** The parts of a dedicated worker's global scope used here (the packages' lib has no DOM types). */
interface WorkerScope {
  onmessage: ((event: { data: NnWorkerRequest }) => void) | null;
  postMessage(message: NnWorkerResponse): void;
}

async function answer(request: NnWorkerRequest): Promise<NnWorkerResponse> {
  if (!useNn(request.variant)) return { ok: false, error: `the ${request.variant} kernels are not available in this worker` };
  switch (request.kind) {
    case 'matmul':
      return { ok: true, timed: await nnMatmul(request.n, request.timing) };
    case 'mlp-step':
      return { ok: true, timed: await nnMlpStep(request.timing) };
    case 'digits-fit':
      return { ok: true, fitted: await nnDigitsFit(request.epochs, { messageChannelYield: request.messageChannelYield }) };
  }
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = (event) => {
  answer(event.data).then(
    (response) => scope.postMessage(response),
    (error: unknown) => scope.postMessage({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
};
