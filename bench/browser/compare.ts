/**
 * The comparison run of the browser benchmark page (compare.html, bundled by bundle.ts): the same
 * workloads for @nn, TensorFlow.js's WASM backend and jax-js's Wasm device, in the same page, one
 * library after the other per workload, so that all of them meet the same engine and the same load.
 *
 * Workloads (as the Node bench defines them): float32 matmul GFLOPS at each size; the 784-256-10 MLP
 * training step (bench/mlp-step.ts); the digits fit (bench/digits-fit.ts). @nn runs each twice, on
 * its plain SIMD128 kernels and on its relaxed-SIMD ones.
 *
 * Threads: this page runs @nn on the page's thread. The 1- and 2-worker columns of @nn are to be
 * added by running nn-workloads.ts in a dedicated worker (it has no DOM) after
 * `setNumThreads(n, { workerUrl })` from `@nn/autograd/web`, and adding its figures under a library
 * key of their own here (LIBRARIES).
 */
import { digitsArrays, DIGITS_TRAIN_ROWS, matmulArrays, mlpArrays, nnDigitsFit, nnMatmul, nnMlpStep, nnRelaxedAvailable, useNn, type Fitted, type NnVariant } from './nn-workloads.js';
import { startTfjsWasm, tfjsDigitsFit, tfjsMatmul, tfjsMlpStep, type TfjsThreads } from './tfjs-workloads.js';
import { jaxMatmul, jaxMlpStep, startJax, type JaxThreads } from './jax-workloads.js';
import { median, yieldToPage, type Timed, type TimingOptions } from './timing.js';

/** The libraries of the table, in column order. */
export const LIBRARIES = ['nnPlain', 'nnRelaxed', 'tfjs', 'jax'] as const;
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
  /** Timing of matmul and of the MLP step. */
  readonly timing: TimingOptions;
  /** Epochs of the digits fit (0 skips it). */
  readonly fitEpochs: number;
  /** Fits per library (the median is reported), after a one-epoch warm-up fit. */
  readonly fitRuns: number;
  /** Threads asked of TensorFlow.js's WASM backend. */
  readonly tfjsThreads: number;
  /** Where TensorFlow.js's .wasm files are served. */
  readonly tfjsWasmDirectory: string;
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

/** Runs `measure`, turning a throw into a NotRun that says what was thrown. */
async function attempt(measure: () => Promise<Measured>): Promise<Outcome> {
  try {
    return await measure();
  } catch (error) {
    return { notRun: `failed: ${describeError(error)}` };
  }
}

/** The median fit of `runs` after a one-epoch warm-up (the first fit also pays for compilation). */
async function medianFit(fit: (epochs: number) => Promise<Fitted>, epochs: number, runs: number): Promise<Measured> {
  await fit(1);
  const fits: Fitted[] = [];
  for (let i = 0; i < runs; i++) fits.push(await fit(epochs));
  const mid = median(fits.map((f) => f.seconds));
  const closest = fits.reduce((best, f) => (Math.abs(f.seconds - mid) < Math.abs(best.seconds - mid) ? f : best));
  return { value: mid, runs, accuracy: closest.testAccuracy };
}

/** Runs every workload on every library; a library that fails a workload is reported, not thrown. */
export async function runComparison(options: ComparisonOptions): Promise<ComparisonResult> {
  const { sizes, timing, fitEpochs, fitRuns } = options;
  for (const n of sizes) if (!Number.isInteger(n) || n < 1) throw new Error(`runComparison: sizes must be positive integers, got ${sizes.join(',')}`);
  if (!Number.isInteger(fitEpochs) || fitEpochs < 0 || !Number.isInteger(fitRuns) || fitRuns < 1) {
    throw new Error(`runComparison: fitEpochs must be an integer >= 0 and fitRuns >= 1, got ${fitEpochs} and ${fitRuns}`);
  }
  const progress = options.progress ?? (() => {});
  const relaxedAvailable = nnRelaxedAvailable();
  const tfjs = await startTfjsWasm(options.tfjsWasmDirectory, options.tfjsThreads).catch((error: unknown): NotRun => ({ notRun: `TensorFlow.js's WASM backend did not start: ${describeError(error)}` }));
  const jax = await startJax().catch((error: unknown): NotRun => ({ notRun: `jax-js did not start: ${describeError(error)}` }));
  const tfjsUp = !('notRun' in tfjs);
  const jaxUp = !('notRun' in jax);

  const ours = (variant: NnVariant, measure: () => Promise<Measured>): Promise<Outcome> => {
    if (!useNn(variant)) return Promise.resolve({ notRun: 'no relaxed SIMD in this engine' });
    return attempt(measure);
  };
  const theirs = (up: boolean, down: NotRun | object, measure: () => Promise<Measured>): Promise<Outcome> =>
    up ? attempt(measure) : Promise.resolve(down as NotRun);

  const rows: Row[] = [];
  const perMillis = (flops: number) => (t: Timed): Measured => ({ value: flops / t.ms / 1e6, runs: t.runs });
  const millis = (t: Timed): Measured => ({ value: t.ms, runs: t.runs });

  for (const n of sizes) {
    const gflops = perMillis(2 * n ** 3);
    const arrays = matmulArrays(n);
    const figures = {} as Record<Library, Outcome>;
    for (const library of LIBRARIES) {
      progress(`matmul ${n}: ${library}`);
      await yieldToPage();
      if (library === 'nnPlain' || library === 'nnRelaxed') figures[library] = await ours(library === 'nnPlain' ? 'plain' : 'relaxed', async () => gflops(await nnMatmul(n, timing)));
      else if (library === 'tfjs') figures[library] = await theirs(tfjsUp, tfjs, async () => gflops(await tfjsMatmul(n, arrays, timing)));
      else figures[library] = await theirs(jaxUp, jax, async () => gflops(await jaxMatmul(n, arrays, timing)));
    }
    rows.push({ workload: 'matmul', label: `matmul float32 ${n} x ${n} x ${n}`, unit: 'GFLOPS', higherIsBetter: true, figures });
  }

  const mlp = mlpArrays();
  const mlpFigures = {} as Record<Library, Outcome>;
  for (const library of LIBRARIES) {
    progress(`MLP step: ${library}`);
    await yieldToPage();
    if (library === 'nnPlain' || library === 'nnRelaxed') mlpFigures[library] = await ours(library === 'nnPlain' ? 'plain' : 'relaxed', async () => millis(await nnMlpStep(timing)));
    else if (library === 'tfjs') mlpFigures[library] = await theirs(tfjsUp, tfjs, async () => millis(await tfjsMlpStep(mlp, timing)));
    else mlpFigures[library] = await theirs(jaxUp, jax, async () => millis(await jaxMlpStep(mlp, timing)));
  }
  rows.push({ workload: 'mlp-step', label: 'MLP step 784-256-10, batch 128, SGD', unit: 'ms', higherIsBetter: false, figures: mlpFigures });

  if (fitEpochs > 0) {
    const digits = digitsArrays();
    const fitFigures = {} as Record<Library, Outcome>;
    for (const library of LIBRARIES) {
      progress(`digits fit: ${library}`);
      await yieldToPage();
      if (library === 'nnPlain' || library === 'nnRelaxed') fitFigures[library] = await ours(library === 'nnPlain' ? 'plain' : 'relaxed', () => medianFit(nnDigitsFit, fitEpochs, fitRuns));
      else if (library === 'tfjs') fitFigures[library] = await theirs(tfjsUp, tfjs, () => medianFit((e) => tfjsDigitsFit(digits, DIGITS_TRAIN_ROWS, e), fitEpochs, fitRuns));
      else fitFigures[library] = { notRun: 'jax-js has no Keras-style layers or fit (its optimizers are a separate package, @jax-js/optax)' };
    }
    rows.push({ workload: 'digits-fit', label: `digits fit 64-128-10, Adam, batch 32, ${fitEpochs} epochs`, unit: 's', higherIsBetter: false, figures: fitFigures });
  }
  useNn('relaxed'); // the library's default where the engine has it
  progress('done');
  return { relaxedAvailable, tfjs, jax, rows };
}
