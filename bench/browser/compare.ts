/**
 * The comparison run of the browser benchmark page (compare.html, bundled by bundle.ts): the same
 * workloads for @nn, TensorFlow.js's WASM backend and jax-js's Wasm device, in the same page, one
 * library after the other per workload, so that all of them meet the same engine and the same load.
 *
 * Workloads (as the Node bench defines them): float32 matmul GFLOPS at each size; the 784-256-10 MLP
 * training step (bench/mlp-step.ts); the digits fit (bench/digits-fit.ts). @nn runs each twice, on
 * its plain SIMD128 kernels and on its relaxed-SIMD ones.
 *
 * Threads: @nn runs on the page's thread (nnPlain, nnRelaxed) and, the same code, in dedicated
 * workers (nn-worker.ts, one request at a time): nnWorker on one thread, nnWorker2 on two (the
 * worker and one Web Worker of `@nn/autograd/web`'s pool; only in a cross-origin isolated page).
 */
import { digitsArrays, DIGITS_TRAIN_ROWS, matmulArrays, mlpArrays, nnDigitsFit, nnMatmul, nnMlpStep, nnRelaxedAvailable, useNn, type Fitted } from './nn-workloads.js';
import { startTfjsWasm, tfjsDigitsFit, tfjsMatmul, tfjsMlpStep, type TfjsThreads } from './tfjs-workloads.js';
import { jaxMatmul, jaxMlpStep, startJax, type JaxThreads } from './jax-workloads.js';
import type { NnWorkerRequest, NnWorkerResponse } from './nn-worker.js';
import { median, mergeTimed, yieldToPage, type Timed, type TimingOptions } from './timing.js';

/** The libraries of the table, in column order. */
export const LIBRARIES = ['nnPlain', 'nnRelaxed', 'nnWorker', 'nnWorker2', 'tfjs', 'jax'] as const;
export type Library = (typeof LIBRARIES)[number];

/** A figure: GFLOPS, milliseconds or seconds (see the row's unit), with how many runs gave it. */
export interface Measured {
  readonly value: number;
  readonly runs: number;
  /** Test accuracy of the median fit (digits fit only). */
  readonly accuracy?: number;
}
/** A library that did not run a workload, and why. */
export interface NotRun {
  readonly notRun: string;
}
export type Outcome = Measured | NotRun;

export interface Row {
  readonly workload: 'matmul' | 'mlp-step' | 'digits-fit';
  readonly label: string;
  readonly unit: 'GFLOPS' | 'ms' | 's';
  readonly higherIsBetter: boolean;
  readonly figures: Record<Library, Outcome>;
}

export interface ComparisonOptions {
  /** Square float32 matmul sizes. */
  readonly sizes: readonly number[];
  /** Timing of matmul and of the MLP step, per round. */
  readonly timing: TimingOptions;
  /**
   * Rounds per figure (default 1): each round times every library in turn, and a figure is the
   * median of its samples over all rounds, so that a change in the machine's speed during the run
   * (other work on it) falls on every library alike.
   */
  readonly rounds?: number;
  /** Epochs of the digits fit (0 skips it). */
  readonly fitEpochs: number;
  /** Fits per library (the median is reported), after a one-epoch warm-up fit; the libraries take turns. */
  readonly fitRuns: number;
  /** Threads asked of TensorFlow.js's WASM backend. */
  readonly tfjsThreads: number;
  /** Where TensorFlow.js's .wasm files are served. */
  readonly tfjsWasmDirectory: string;
  /** The URL of the bundled nn-worker.js (without it, nnWorker and nnWorker2 do not run). */
  readonly nnWorkerUrl?: string;
  /** The libraries to run (default all); the others are reported as not asked for. */
  readonly libraries?: readonly Library[];
  /** Called with a line of progress (the page shows it). */
  readonly progress?: (line: string) => void;
}

export interface ComparisonResult {
  readonly relaxedAvailable: boolean;
  readonly tfjs: TfjsThreads | NotRun;
  readonly jax: JaxThreads | NotRun;
  readonly rows: readonly Row[];
}

const describeError = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** The parts of a Worker used here (the packages' lib has no DOM types). */
interface WorkerHandle {
  onmessage: ((event: { data: NnWorkerResponse }) => void) | null;
  onerror: ((event: { message?: string }) => void) | null;
  postMessage(message: NnWorkerRequest): void;
  terminate(): void;
}

/** @nn's worker (nn-worker.ts) as a function: one request at a time, its answer or its error thrown. */
type NnWorkerCall = (request: NnWorkerRequest) => Promise<NnWorkerResponse & { ok: true }>;

/** Starts nn-worker.js at `url` as a module worker. */
function startNnWorker(url: string): { call: NnWorkerCall; stop: () => void } {
  const WorkerClass = (globalThis as unknown as { Worker?: new (url: string, options: { type: 'module' }) => WorkerHandle }).Worker;
  if (WorkerClass === undefined) throw new Error('startNnWorker: no Worker in this engine');
  const worker = new WorkerClass(url, { type: 'module' });
  // A worker that fails to load says so once, maybe before the first request: kept, and thrown by
  // every request after it, so that none waits for an answer that cannot come.
  let failure: Error | null = null;
  let rejectPending: ((error: Error) => void) | null = null;
  worker.onerror = (event) => {
    failure = new Error(`the worker ${url} failed: ${event.message ?? 'no message (did it load?)'}`);
    rejectPending?.(failure);
  };
  const call: NnWorkerCall = (request) =>
    new Promise((resolve, reject) => {
      if (failure !== null) return reject(failure);
      rejectPending = reject;
      worker.onmessage = ({ data }) => {
        rejectPending = null;
        if (data.ok) resolve(data);
        else reject(new Error(data.error));
      };
      worker.postMessage(request);
    });
  return { call, stop: () => worker.terminate() };
}

/** Runs every workload on every library; a library that fails a workload is reported, not thrown. */
export async function runComparison(options: ComparisonOptions): Promise<ComparisonResult> {
  const { sizes, timing, fitEpochs, fitRuns } = options;
  for (const n of sizes) if (!Number.isInteger(n) || n < 1) throw new Error(`runComparison: sizes must be positive integers, got ${sizes.join(',')}`);
  if (!Number.isInteger(fitEpochs) || fitEpochs < 0 || !Number.isInteger(fitRuns) || fitRuns < 1) {
    throw new Error(`runComparison: fitEpochs must be an integer >= 0 and fitRuns >= 1, got ${fitEpochs} and ${fitRuns}`);
  }
  const rounds = options.rounds ?? 1;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`runComparison: rounds must be a positive integer, got ${rounds}`);
  const progress = options.progress ?? (() => {});
  const asked = new Set<Library>(options.libraries ?? LIBRARIES);
  for (const library of asked) if (!LIBRARIES.includes(library)) throw new Error(`runComparison: unknown library '${String(library)}' (known: ${LIBRARIES.join(', ')})`);
  const notAsked: NotRun = { notRun: 'not asked for in this run' };
  const workerVariant = nnRelaxedAvailable() ? 'relaxed' : 'plain';
  type WorkerLibrary = 'nnWorker' | 'nnWorker2';
  const isWorker = (library: Library): library is WorkerLibrary => library === 'nnWorker' || library === 'nnWorker2';
  /** Threads of each worker library: one worker each, so that each keeps its own thread pool. */
  const workerThreads: Record<WorkerLibrary, number> = { nnWorker: 1, nnWorker2: 2 };
  const workers = {} as Record<WorkerLibrary, ReturnType<typeof startNnWorker> | NotRun>;
  for (const library of ['nnWorker', 'nnWorker2'] as const) {
    workers[library] = notAsked;
    if (!asked.has(library)) continue;
    try {
      workers[library] = options.nnWorkerUrl === undefined ? { notRun: 'no worker URL given (nnWorkerUrl)' } : startNnWorker(options.nnWorkerUrl);
    } catch (error) {
      workers[library] = { notRun: `the worker did not start: ${describeError(error)}` };
    }
  }
  /** What one worker library is asked: the request, with its kernels and its thread count. */
  type WorkerTask = { kind: 'matmul'; n: number; timing: TimingOptions } | { kind: 'mlp-step'; timing: TimingOptions } | { kind: 'digits-fit'; epochs: number };
  const inWorker = async (library: WorkerLibrary, task: WorkerTask): Promise<NnWorkerResponse & { ok: true }> => {
    const worker = workers[library];
    if ('notRun' in worker) throw new Error(worker.notRun);
    return worker.call({ ...task, variant: workerVariant, threads: workerThreads[library] });
  };
  const workerTimed = async (library: WorkerLibrary, task: WorkerTask): Promise<Timed> => (await inWorker(library, task)).timed!;
  const workerFitted = async (library: WorkerLibrary, task: WorkerTask): Promise<Fitted> => (await inWorker(library, task)).fitted!;
  const relaxedAvailable = nnRelaxedAvailable();
  const tfjs = !asked.has('tfjs') ? notAsked : await startTfjsWasm(options.tfjsWasmDirectory, options.tfjsThreads).catch((error: unknown): NotRun => ({ notRun: `TensorFlow.js's WASM backend did not start: ${describeError(error)}` }));
  const jax = !asked.has('jax') ? notAsked : await startJax().catch((error: unknown): NotRun => ({ notRun: `jax-js did not start: ${describeError(error)}` }));
  const isNn = (library: Library): library is 'nnPlain' | 'nnRelaxed' => library === 'nnPlain' || library === 'nnRelaxed';
  /** Why `library` does not run here, or null when it does (and, for @nn, selects its kernels). */
  const unavailable = (library: Library): NotRun | null => {
    if (!asked.has(library)) return notAsked;
    if (isNn(library)) return useNn(library === 'nnPlain' ? 'plain' : 'relaxed') ? null : { notRun: 'no relaxed SIMD in this engine' };
    if (isWorker(library)) return 'notRun' in workers[library] ? (workers[library] as NotRun) : null;
    const started = library === 'tfjs' ? tfjs : jax;
    return 'notRun' in started ? started : null;
  };

  /**
   * Times every library's `measure` in `rounds` rounds, the libraries taking turns in each, and
   * returns each library's median over all its samples; a library that throws is reported.
   */
  const timeAll = async (name: string, measure: (library: Library) => (() => Promise<Timed>) | null, toFigure: (t: Timed) => Measured): Promise<Record<Library, Outcome>> => {
    const timings = new Map<Library, Timed[]>();
    const figures = {} as Record<Library, Outcome>;
    for (let round = 0; round < rounds; round++) {
      for (const library of LIBRARIES) {
        if (figures[library] !== undefined) continue; // did not run, or failed
        const why = unavailable(library);
        const run = why === null ? measure(library) : null;
        if (why !== null || run === null) {
          figures[library] = why ?? { notRun: 'no such workload' };
          continue;
        }
        progress(`${name}: ${library}, round ${round + 1} of ${rounds}`);
        await yieldToPage();
        try {
          timings.set(library, [...(timings.get(library) ?? []), await run()]);
        } catch (error) {
          figures[library] = { notRun: `failed: ${describeError(error)}` };
        }
      }
    }
    for (const library of LIBRARIES) figures[library] ??= toFigure(mergeTimed(timings.get(library)!));
    return figures;
  };

  /**
   * Each library's median of `fitRuns` fits after a one-epoch warm-up fit (the first fit also pays
   * for compilation), the libraries taking turns; `fit` null for a library means `none`.
   */
  const fitAll = async (name: string, fit: (library: Library, epochs: number) => (() => Promise<Fitted>) | null, none: NotRun): Promise<Record<Library, Outcome>> => {
    const fits = new Map<Library, Fitted[]>();
    const figures = {} as Record<Library, Outcome>;
    for (let i = -1; i < fitRuns; i++) {
      for (const library of LIBRARIES) {
        if (figures[library] !== undefined) continue;
        const why = unavailable(library);
        const run = why === null ? fit(library, i < 0 ? 1 : fitEpochs) : null;
        if (why !== null || run === null) {
          figures[library] = why ?? none;
          continue;
        }
        progress(`${name}: ${library}, ${i < 0 ? 'warm-up' : `fit ${i + 1} of ${fitRuns}`}`);
        await yieldToPage();
        try {
          const fitted = await run();
          if (i >= 0) fits.set(library, [...(fits.get(library) ?? []), fitted]);
        } catch (error) {
          figures[library] = { notRun: `failed: ${describeError(error)}` };
        }
      }
    }
    for (const library of LIBRARIES) {
      if (figures[library] !== undefined) continue;
      const done = fits.get(library)!;
      const mid = median(done.map((f) => f.seconds));
      const closest = done.reduce((best, f) => (Math.abs(f.seconds - mid) < Math.abs(best.seconds - mid) ? f : best));
      figures[library] = { value: mid, runs: done.length, accuracy: closest.testAccuracy };
    }
    return figures;
  };

  const rows: Row[] = [];
  const millis = (t: Timed): Measured => ({ value: t.ms, runs: t.runs });

  for (const n of sizes) {
    const arrays = matmulArrays(n);
    const gflops = (t: Timed): Measured => ({ value: (2 * n ** 3) / t.ms / 1e6, runs: t.runs });
    const figures = await timeAll(`matmul ${n}`, (library) => (isNn(library) ? () => nnMatmul(n, timing) : isWorker(library) ? () => workerTimed(library, { kind: 'matmul', n, timing }) : library === 'tfjs' ? () => tfjsMatmul(n, arrays, timing) : () => jaxMatmul(n, arrays, timing)), gflops);
    rows.push({ workload: 'matmul', label: `matmul float32 ${n} x ${n} x ${n}`, unit: 'GFLOPS', higherIsBetter: true, figures });
  }

  const mlp = mlpArrays();
  const mlpFigures = await timeAll('MLP step', (library) => (isNn(library) ? () => nnMlpStep(timing) : isWorker(library) ? () => workerTimed(library, { kind: 'mlp-step', timing }) : library === 'tfjs' ? () => tfjsMlpStep(mlp, timing) : () => jaxMlpStep(mlp, timing)), millis);
  rows.push({ workload: 'mlp-step', label: 'MLP step 784-256-10, batch 128, SGD', unit: 'ms', higherIsBetter: false, figures: mlpFigures });

  if (fitEpochs > 0) {
    const digits = digitsArrays();
    const noFit: NotRun = { notRun: 'jax-js has no Keras-style layers or fit (its optimizers are a separate package, @jax-js/optax)' };
    const fit = (library: Library, epochs: number): (() => Promise<Fitted>) | null =>
      isNn(library) ? () => nnDigitsFit(epochs) : isWorker(library) ? () => workerFitted(library, { kind: 'digits-fit', epochs }) : library === 'tfjs' ? () => tfjsDigitsFit(digits, DIGITS_TRAIN_ROWS, epochs) : null;
    rows.push({ workload: 'digits-fit', label: `digits fit 64-128-10, Adam, batch 32, ${fitEpochs} epochs`, unit: 's', higherIsBetter: false, figures: await fitAll('digits fit', fit, noFit) });
  }
  for (const worker of Object.values(workers)) if (!('notRun' in worker)) worker.stop();
  useNn('relaxed'); // the library's default where the engine has it
  progress('done');
  return { relaxedAvailable, tfjs, jax, rows };
}
