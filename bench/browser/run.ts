/**
 * npm run bench:browser: the browser benchmark pages, in headless Chromium (Debian's, through
 * playwright-core; `CHROMIUM_PATH` or /usr/bin/chromium), served by examples/browser/server.ts.
 * Prints a markdown table per page.
 *
 *   node build/bench/browser/run.js [--quick] [--sizes 256,512,1024] [--runs 9]
 *
 * matmul.html: float32 and float64 GFLOPS of the plain SIMD128 kernels and the relaxed-SIMD ones
 * (fused multiply-add), one thread, square products, medians of `runs` timed products per variant.
 *
 * compare.html (bundled first by bundle.ts): @nn beside TensorFlow.js's WASM backend and jax-js in
 * the same page, on the Node bench's workloads (float32 matmul at each size, the MLP step of
 * bench/mlp-step.ts, the digits fit of bench/digits-fit.ts). Twice: in a page that is not
 * cross-origin isolated, where every library runs on one thread (thread for thread, with ratios),
 * then in an isolated one with TensorFlow.js asked for 2 threads and jax-js on its workers (as
 * many as the machine's cores), beside @nn on the page's thread.
 *
 * --quick runs 128 and 256 with 3 runs and a 3-epoch fit (to check that the bench works, not for
 * figures).
 */
import type { Browser } from 'playwright-core';
import { launchChromium, openPage, waitForResult } from '../../examples/browser/chromium.js';
import { startServer } from '../../examples/browser/server.js';
import { bundleComparePage } from './bundle.js';
import { LIBRARIES, type ComparisonResult, type Library, type Outcome, type Row } from './compare.js';

interface MatmulRow {
  readonly dtype: string;
  readonly n: number;
  readonly plain: number;
  readonly relaxed: number | null;
  readonly plainMs: number;
  readonly relaxedMs: number | null;
  readonly runs: number;
}
interface MatmulResult {
  readonly relaxedAvailable: boolean;
  readonly userAgent: string;
  readonly rows: readonly MatmulRow[];
  readonly error?: string;
}

interface Settings {
  sizes: string;
  runs: number;
  quick: boolean;
}

/** `--sizes`, `--runs` and `--quick`; anything else is an error naming it. */
function parseArguments(args: readonly string[]): Settings {
  let sizes = '256,512,1024';
  let runs = 9;
  let quick = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--quick') {
      sizes = '128,256';
      runs = 3;
      quick = true;
    } else if (arg === '--sizes' && args[i + 1] !== undefined && /^\d+(,\d+)*$/.test(args[i + 1]!)) {
      sizes = args[++i]!;
    } else if (arg === '--runs' && args[i + 1] !== undefined && /^[1-9]\d*$/.test(args[i + 1]!)) {
      runs = Number(args[++i]);
    } else {
      throw new Error(`bench:browser: unknown or incomplete argument '${String(arg)}' (known: --quick, --sizes 256,512,1024, --runs 9)`);
    }
  }
  return { sizes, runs, quick };
}

/** Runs bench/browser/matmul.html and returns what it measured. */
async function benchMatmul(browser: Browser, base: string, sizes: string, runs: number): Promise<MatmulResult> {
  const { page, errors } = await openPage(browser, `${base}bench/browser/matmul.html?sizes=${sizes}&runs=${runs}`);
  const result = (await waitForResult(page, 900_000)) as MatmulResult;
  await page.close();
  if (result.error !== undefined || errors.length > 0) throw new Error(`bench:browser: matmul.html failed: ${[result.error, ...errors].filter(Boolean).join('; ')}`);
  return result;
}

function matmulTable(result: MatmulResult): string {
  const lines = [
    '| matmul, one thread | plain SIMD128 (GFLOPS) | relaxed SIMD (GFLOPS) | relaxed / plain |',
    '|---|---:|---:|---:|',
  ];
  for (const row of result.rows) {
    const relaxed = row.relaxed === null ? 'n/a' : row.relaxed.toFixed(1);
    const ratio = row.relaxed === null ? 'n/a' : `${(row.relaxed / row.plain).toFixed(2)}x`;
    lines.push(`| ${row.dtype} ${row.n} x ${row.n} x ${row.n} | ${row.plain.toFixed(1)} | ${relaxed} | ${ratio} |`);
  }
  return lines.join('\n');
}

type PageResult = ComparisonResult & { isolated: boolean; userAgent: string };

/** Opens compare.html with `query` and returns what it measured. */
async function benchCompare(browser: Browser, base: string, query: string): Promise<PageResult> {
  const { page, errors } = await openPage(browser, `${base}bench/browser/compare.html?${query}`);
  const result = (await waitForResult(page, 1_800_000)) as PageResult | { error: string };
  await page.close();
  if ('error' in result || errors.length > 0) throw new Error(`bench:browser: compare.html failed: ${['error' in result ? result.error : '', ...errors].filter(Boolean).join('; ')}`);
  return result;
}

const isMeasured = (outcome: Outcome): outcome is Extract<Outcome, { value: number }> => 'value' in outcome;

function cell(row: Row, outcome: Outcome): string {
  if (!isMeasured(outcome)) return outcome.notRun;
  const digits = row.unit === 's' ? 2 : row.unit === 'ms' ? 2 : 1;
  const accuracy = outcome.accuracy === undefined ? '' : `, acc ${outcome.accuracy.toFixed(3)}`;
  return `${outcome.value.toFixed(digits)} ${row.unit} (${outcome.runs} run${outcome.runs === 1 ? '' : 's'}${accuracy})`;
}

/** How many times faster @nn is than `theirs` (>1: @nn faster), or '' when either did not run. */
function speedRatio(row: Row, ours: Outcome, theirs: Outcome): string {
  if (!isMeasured(ours) || !isMeasured(theirs)) return '';
  const ratio = row.higherIsBetter ? ours.value / theirs.value : theirs.value / ours.value;
  return `${ratio.toFixed(2)}x`;
}

/**
 * One markdown table of a compare.html run. `oursGiven` is the @nn figure the ratios take; by
 * default the relaxed kernels where the engine has them (what the library uses by default).
 */
function compareTable(result: PageResult, headers: Record<Library, string>, ratios: boolean, oursGiven?: Library): string {
  const shown = LIBRARIES.filter((library) => result.rows.some((row) => !('notRun' in row.figures[library] && row.figures[library].notRun === 'not asked for in this run')));
  const ours: Library = oursGiven ?? (result.relaxedAvailable && shown.includes('nnRelaxed') ? 'nnRelaxed' : 'nnPlain');
  const peers = shown.filter((library) => library === 'tfjs' || library === 'jax');
  const ratioHeaders = ratios ? peers.map((peer) => `${headers[ours]} / ${headers[peer]}`) : [];
  const lines = [
    `| workload | ${[...shown.map((library) => headers[library]), ...ratioHeaders].join(' | ')} |`,
    `|---|${[...shown, ...ratioHeaders].map(() => '---:').join('|')}|`,
  ];
  for (const row of result.rows) {
    const cells = shown.map((library) => cell(row, row.figures[library]));
    const ratioCells = ratios ? peers.map((peer) => speedRatio(row, row.figures[ours], row.figures[peer])) : [];
    lines.push(`| ${row.label} | ${[...cells, ...ratioCells].join(' | ')} |`);
  }
  return lines.join('\n');
}

function threadsLine(result: PageResult): string {
  const tfjs = 'notRun' in result.tfjs ? result.tfjs.notRun : `TensorFlow.js WASM ran on ${result.tfjs.threads} thread(s) (threaded build ${result.tfjs.threadedBuild ? 'loaded' : 'not loaded'})`;
  const jax = 'notRun' in result.jax ? result.jax.notRun : `jax-js ran its kernels ${result.jax.workers ? `on ${result.jax.threads} workers` : 'on the page thread (1 thread: no SharedArrayBuffer, so no workers)'}`;
  return `Page cross-origin isolated: ${result.isolated}. ${tfjs}; ${jax}; @nn on the page thread and in dedicated workers (1 thread each, and 2 in the isolated page).`;
}

const settings = parseArguments(process.argv.slice(2));
const { sizes, runs, quick } = settings;
const [isolatedServer, plainServer, browser] = await Promise.all([startServer(), startServer({ isolated: false }), launchChromium(), bundleComparePage()]);
try {
  const started = performance.now();
  const result = await benchMatmul(browser, isolatedServer.url, sizes, runs);
  console.log(`${browser.version() === '' ? 'Chromium' : `Chromium ${browser.version()}`}, headless; relaxed SIMD ${result.relaxedAvailable ? 'available' : 'NOT available'}; medians of ${result.rows[0]?.runs ?? 0} products per variant`);
  console.log('');
  console.log(matmulTable(result));

  const timing = quick ? 'runs=3&ms=200&warm=100&rounds=1&epochs=3&fits=1' : 'runs=3&ms=400&warm=200&rounds=3&epochs=30&fits=3';
  const oneThread = await benchCompare(browser, plainServer.url, `sizes=${sizes}&${timing}&threads=1&libs=nnPlain,nnRelaxed,nnWorker,tfjs,jax`);
  const headers1: Record<Library, string> = { nnPlain: '@nn plain SIMD', nnRelaxed: '@nn relaxed SIMD', nnWorker: '@nn relaxed SIMD, in a worker', nnWorker2: '@nn, 2 threads', tfjs: 'tfjs wasm', jax: 'jax-js wasm' };
  console.log('');
  console.log(`Thread for thread, one thread each, in one page (not cross-origin isolated). Medians over 3 rounds in which the libraries take turns (1 with --quick); ratios are how many times faster @nn (relaxed SIMD where available) is: >1 means @nn is faster. ${quick ? 'QUICK RUN: not for figures.' : ''}`);
  console.log(threadsLine(oneThread));
  console.log('');
  console.log(compareTable(oneThread, headers1, true));

  const twoThreads = await benchCompare(browser, isolatedServer.url, `sizes=${sizes}&${timing}&threads=2&libs=nnWorker,nnWorker2,tfjs,jax`);
  const headers2: Record<Library, string> = { nnPlain: '@nn plain SIMD, 1 thread', nnRelaxed: '@nn relaxed SIMD, 1 thread', nnWorker: '@nn in a worker, 1 thread', nnWorker2: '@nn in a worker, 2 threads', tfjs: 'tfjs wasm, 2 threads asked', jax: 'jax-js wasm, its workers' };
  console.log('');
  console.log('Threads, in a cross-origin isolated page: @nn in a dedicated worker on 1 and on 2 threads (setNumThreads of @nn/autograd/web), TensorFlow.js asked for 2 threads, jax-js on its own workers. Ratios: @nn on 2 threads against each peer (>1: @nn faster).');
  console.log(threadsLine(twoThreads));
  console.log('');
  console.log(compareTable(twoThreads, headers2, true, 'nnWorker2'));
  console.log('');
  console.log(`bench:browser took ${((performance.now() - started) / 1000).toFixed(0)} s.`);
} finally {
  await Promise.all([browser.close(), isolatedServer.close(), plainServer.close()]);
}
