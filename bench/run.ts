/**
 * npm run bench: this implementation's speed on the workloads of docs/benchmarks.md, beside
 * TensorFlow.js (CPU and WASM backends) in the same process where it has the same workload.
 * Prints a line naming the run, a markdown table and its notes: paste them over the lead table of
 * docs/benchmarks.md. Ratios are thread for thread: @nn on one thread against TensorFlow.js on one.
 *
 *   node build/bench/run.js [--quick] [--only matmul,conv2d,add,scalar-chain,scalar-mlp,mlp-step,max-pool,lenet-step,digits-fit,einsum,lstm,gpt-step,linalg,index-ops]
 *
 * --quick runs smaller sizes and fewer repeats (to check that the bench works, not for figures);
 * --only runs the listed parts. The einsum part prints a table of its own after the notes: einsum
 * against the hand-written views and matmul for the same contraction, on the JS backend, one thread.
 * The linalg part prints one too: @nn/linalg against PyTorch (LAPACK) on one thread, float64.
 * The index-ops part prints one too: gather, indexSelect, scatterAdd, cumsum, argmax, tril and sort
 * at training sizes, on the JS backend, one thread, beside TensorFlow.js where it has the op.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { matmul, rand, setBackend, tensor, Generator, type DType, type Tensor } from '@nn/autograd';
import { setNumThreads } from '@nn/autograd/node';
import { marginLoss, setUp, sgdStep } from '../examples/micrograd.js';
import { formatTable, medianMillis } from './measure.js';
import { configurationsFor, headerRow, resultRow, type Configuration, type Figure, type PeerFigure } from './table.js';
import { fitWithNn, fitWithTfjs, type FitResult } from './digits-fit.js';
import { mlpStepNn, mlpStepTfjs } from './mlp-step.js';
import { maxPoolStepNn, maxPoolStepTfjs } from './max-pool.js';
import { lstmStepNn, lstmStepTfjs } from './lstm-step.js';
import { GPT_BENCH, gptStepNn } from './gpt-step.js';
import { lenetStepNnMillis, lenetStepTfjs } from './lenet-step.js';
import { tfjsWasmThreads, useTfjs } from './tfjs.js';
import { benchEinsum } from './einsum.js';
import { benchLinalg } from './linalg.js';
import { benchIndexOps } from './index-ops.js';
import { CONV_BENCH, convFlops, convInputs, timeConv } from './conv.js';

const PARTS = ['matmul', 'conv2d', 'add', 'scalar-chain', 'scalar-mlp', 'mlp-step', 'max-pool', 'lenet-step', 'digits-fit', 'einsum', 'lstm', 'gpt-step', 'linalg', 'index-ops'] as const;
type Part = (typeof PARTS)[number];

/** The command line: `--quick`, and `--only` with a comma-separated list of parts. */
function parseArguments(args: readonly string[]): { quick: boolean; parts: readonly Part[] } {
  const known = new Set<string>(['--quick', '--only']);
  const only = args.indexOf('--only');
  const listed = only >= 0 ? (args[only + 1] ?? '').split(',').filter((p) => p !== '') : [...PARTS];
  args.forEach((arg, i) => {
    if (!known.has(arg) && !(i === only + 1 && only >= 0)) throw new Error(`bench: unknown argument '${arg}' (known: --quick, --only <parts>)`);
  });
  const unknown = listed.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0 || listed.length === 0) throw new Error(`bench: --only takes a comma-separated list of ${PARTS.join(', ')}; got '${args[only + 1] ?? ''}'`);
  return { quick: args.includes('--quick'), parts: listed as Part[] };
}
const { quick, parts } = parseArguments(process.argv.slice(2));

const cores = os.cpus().length;
const configurations = configurationsFor(cores);
const rows: string[][] = [headerRow(configurations)];
/** Lines printed after the table's notes (figures that have no column, such as the 'auto' backend's). */
const extraNotes: string[] = [];
/** The einsum part's table (einsum against the hand-written contraction), printed after the main one. */
let einsumRows: string[][] = [];
/** The linalg part's table (against PyTorch) and its note, printed last. */
let linalgTable: { rows: string[][]; note: string } | null = null;
/** The index-ops part's table, printed after the einsum one. */
let indexOpsRows: string[][] = [];

async function configure({ backend, threads }: Configuration): Promise<void> {
  setBackend(backend);
  await setNumThreads(threads);
}

/**
 * Measures `ours` in each configuration (every one, or only the first for work that never reaches
 * a matmul kernel) and adds its row (see table.ts). `higherIsBetter` says which way is faster.
 */
async function addRow(
  workload: string,
  ours: () => Figure | Promise<Figure>,
  peers: { cpu: PeerFigure; wasm: PeerFigure },
  { higherIsBetter = false, jsOnly = false } = {},
): Promise<void> {
  const figures: (Figure | null)[] = [];
  for (const configuration of configurations) {
    if (jsOnly && configuration !== configurations[0]) {
      figures.push(null);
      continue;
    }
    await configure(configuration);
    figures.push(await ours());
  }
  await configure(configurations[0]!);
  rows.push(resultRow(workload, configurations, figures, peers, higherIsBetter));
}

const gflopsFigure = (value: number): Figure => ({ value, text: `${value.toFixed(2)} GFLOPS` });
const msFigure = (value: number): Figure => ({ value, text: `${value.toFixed(2)} ms` });

/**
 * Times `work` on a TensorFlow.js backend: its inputs are made (from `arrays`) on that backend
 * first, and every tensor is disposed afterwards. `dataSync` waits for the result.
 */
async function onTfjs(backend: 'cpu' | 'wasm', arrays: { data: Float32Array; shape: number[] }[], work: (...inputs: tf.Tensor[]) => tf.Tensor): Promise<number> {
  await useTfjs(backend);
  const inputs = arrays.map(({ data, shape }) => tf.tensor(data, shape));
  const ms = medianMillis(() => tf.tidy(() => { work(...inputs).dataSync(); }), { minMillis: quick ? 200 : 1000, minRuns: 3 });
  tf.dispose(inputs);
  return ms;
}

async function benchMatmul(n: number, dtype: DType, layout: 'A B' | 'A^T B' | 'A B^T' = 'A B'): Promise<void> {
  const rng = new Generator(n);
  const a = rand([n, n], { dtype, rng });
  const b = rand([n, n], { dtype, rng });
  const left = layout === 'A^T B' ? a.transpose(0, 1) : a;
  const right = layout === 'A B^T' ? b.transpose(0, 1) : b;
  const gflops = (ms: number): Figure => gflopsFigure((2 * n ** 3) / ms / 1e6);
  const missing = dtype === 'float64' ? 'no float64' : '';
  let cpu: PeerFigure = missing;
  let wasm: PeerFigure = missing;
  if (dtype === 'float32' && layout === 'A B') {
    const arrays = [a, b].map((t) => ({ data: t.data() as Float32Array, shape: [n, n] }));
    const product = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D);
    // TensorFlow.js's CPU backend takes several seconds a product at n = 1024; it is timed up to 512.
    cpu = n <= 512 ? gflops(await onTfjs('cpu', arrays, product)) : 'not run';
    wasm = gflops(await onTfjs('wasm', arrays, product));
  }
  const ours = (): Figure => gflops(medianMillis(() => matmul(left, right), { minMillis: quick ? 200 : 1000, minRuns: 3 }));
  await addRow(`matmul ${dtype} n=${n}${layout === 'A B' ? '' : `, ${layout}`}`, ours, { cpu, wasm }, { higherIsBetter: true });
}

/**
 * conv2d forward (float32, NCHW) in GFLOPS, and beside it our matmul on the product the im2col
 * lowering runs, measured in the same configuration right after: the conv's share of the GEMM's
 * speed is what the lowering costs. TensorFlow.js runs tf.conv2d on the same values in NHWC.
 */
async function benchConv2d(): Promise<void> {
  const { n, cIn, cOut, h, w, k } = CONV_BENCH;
  const inputs = convInputs();
  const minMillis = quick ? 300 : 2000;
  const gflops = (ms: number): Figure => gflopsFigure(convFlops() / ms / 1e6);
  // NCHW -> NHWC and OIHW -> HWIO for TensorFlow.js.
  const xNhwc = { data: inputs.x.permute([0, 2, 3, 1]).data() as Float32Array, shape: [n, h, w, cIn] };
  const wHwio = { data: inputs.weight.permute([2, 3, 1, 0]).data() as Float32Array, shape: [k, k, cIn, cOut] };
  const convolve = (x: tf.Tensor, f: tf.Tensor): tf.Tensor => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same');
  const wasm = gflops(await onTfjs('wasm', [xNhwc, wHwio], convolve));
  const gemms: Figure[] = [];
  const ours = (): Figure => {
    const { conv, gemm } = timeConv(inputs, minMillis);
    const convFigure = gflops(conv);
    const gemmFigure = gflops(gemm);
    gemms.push(gemmFigure);
    return { value: convFigure.value, text: `${convFigure.text} (${((100 * gemm) / conv).toFixed(0)}% of matmul's ${gemmFigure.value.toFixed(2)})` };
  };
  await addRow(`conv2d float32 [${n}, ${cIn}, ${h}, ${w}] * [${cOut}, ${cIn}, ${k}, ${k}], padding 1 (beside: our matmul on the lowered product)`, ours, { cpu: 'not run', wasm }, { higherIsBetter: true });
}

async function benchAdd(): Promise<void> {
  const size = 1_000_000;
  const a = rand([size]);
  const b = rand([size]);
  const arrays = [a, b].map((t) => ({ data: t.data() as Float32Array, shape: [size] }));
  const cpu = msFigure(await onTfjs('cpu', arrays, (x, y) => tf.add(x, y)));
  const wasm = msFigure(await onTfjs('wasm', arrays, (x, y) => tf.add(x, y)));
  await addRow('add float32, 1e6 elements', () => msFigure(medianMillis(() => a.add(b))), { cpu, wasm });
}

async function benchScalarChain(): Promise<void> {
  const links = quick ? 100_000 : 1_000_000;
  const ours = (): Figure => {
    const ms = medianMillis(() => {
      const x = tensor(1, { dtype: 'float64', requiresGrad: true });
      let y: Tensor = x;
      for (let i = 0; i < links; i++) y = y.mul(1.0001).add(0.001);
      y.backward();
    }, { minRuns: 3, minMillis: 0, warmUp: 1 });
    return { value: ms, text: `${(ms / 1000).toFixed(2)} s` };
  };
  await addRow(`scalar chain y = y * 1.0001 + 0.001, ${links} links, forward + backward`, ours, { cpu: '', wasm: '' }, { jsOnly: true });
}

async function benchScalarMlp(): Promise<void> {
  const { model, inputs, labels } = setUp();
  const parameters = model.parameters();
  const ours = (): Figure => msFigure(medianMillis(() => {
    const { total } = marginLoss(model, inputs, labels);
    total.backward();
    sgdStep(parameters, 0.1);
  }, { minRuns: 5, minMillis: quick ? 500 : 3000 }));
  await addRow('scalar MLP step (micrograd demo: 2-16-16-1, 100 points)', ours, { cpu: '', wasm: '' }, { jsOnly: true });
}

async function benchMlpStep(): Promise<void> {
  const minMillis = quick ? 300 : 2000;
  const cpu = msFigure(await mlpStepTfjs('cpu', minMillis));
  const wasm = msFigure(await mlpStepTfjs('wasm', minMillis));
  await addRow('MLP step 784-256-10, batch 128, SGD: a hand-written step for both', () => msFigure(mlpStepNn(minMillis)), { cpu, wasm });
}

/** The LSTM training step (BPTT); TensorFlow.js on WASM only (its CPU backend takes seconds a step). */
async function benchLstmStep(): Promise<void> {
  const minMillis = quick ? 300 : 3000;
  const wasm = msFigure(await lstmStepTfjs('wasm', minMillis));
  await addRow('LSTM step, input 32, hidden 128, 2 layers, sequence 50, batch 32, Adam, MSE', () => msFigure(lstmStepNn(minMillis)), { cpu: '', wasm });
}

/**
 * A small GPT's training step. No TensorFlow.js peer (it has no attention layer); PyTorch's figure
 * comes from bench/reference/gpt_step.py, run by hand on the same machine.
 */
async function benchGptStep(): Promise<void> {
  const minMillis = quick ? 300 : 3000;
  const { vocab, sequence, dModel, heads, layers, feedforward, batch } = GPT_BENCH;
  const workload = `GPT step, vocab ${vocab}, sequence ${sequence}, dModel ${dModel}, ${heads} heads, ${layers} layers (causal), feed-forward ${feedforward}, batch ${batch}, Adam`;
  await addRow(workload, () => msFigure(gptStepNn(minMillis)), { cpu: '', wasm: '' });
}

/**
 * Max pool 2x2 forward + backward on [64, 16, 24, 24] (a LeNet shape): maxPool2d (whose window kernel
 * runs on WebAssembly for float32 at stride 2), and the same pooling by reshape and max (the way
 * before the op), whose loops are JavaScript under either backend setting, so that row is timed in
 * the first configuration only.
 */
async function benchMaxPool(): Promise<void> {
  const minMillis = quick ? 300 : 2000;
  const cpu = msFigure(await maxPoolStepTfjs('cpu', minMillis));
  const wasm = msFigure(await maxPoolStepTfjs('wasm', minMillis));
  const shape = '[64, 16, 24, 24] float32, forward + backward';
  await addRow(`maxPool2d 2x2 on ${shape}`, () => msFigure(maxPoolStepNn(minMillis, 'maxPool2d')), { cpu, wasm });
  await addRow(`the same by reshape + max over the window axes, ${shape}`, () => msFigure(maxPoolStepNn(minMillis, 'reshape + max')), { cpu, wasm }, { jsOnly: true });
}

/**
 * The LeNet-5 training step (batch 64, SGD); TensorFlow.js on both backends. PyTorch's time for the
 * same step is bench/reference/lenet_step.py's (docs/benchmarks.md).
 */
async function benchLenetStep(): Promise<void> {
  const minMillis = quick ? 300 : 3000;
  const cpu = msFigure(await lenetStepTfjs('cpu', minMillis));
  const wasm = msFigure(await lenetStepTfjs('wasm', minMillis));
  await addRow('LeNet-5 step, 28x28, batch 64, conv 6 and 16 5x5, max pool, Dense 256-120-84-10, SGD: a hand-written step for both', () => msFigure(lenetStepNnMillis(minMillis)), { cpu, wasm });
  // The default backend ('auto': each kernel call picks js or wasm by size), on one thread.
  setBackend('auto');
  await setNumThreads(1);
  const auto = lenetStepNnMillis(minMillis);
  await configure(configurations[0]!);
  extraNotes.push(`LeNet-5 step on the default 'auto' backend, 1 thread: ${auto.toFixed(2)} ms (${(wasm.value / auto).toFixed(2)}x tfjs wasm).`);
}

/**
 * The digits fit: for each library, a one-epoch fit first (so that every code path is compiled, as
 * in a process that has trained before), then the median of `runs` timed fits, with that fit's test
 * accuracy. TensorFlow.js's CPU backend takes about 20 s a fit, so it is timed once.
 */
async function benchDigitsFit(): Promise<void> {
  const epochs = quick ? 3 : 30;
  const runs = quick ? 1 : 3;
  const median = async (fit: (epochs: number) => Promise<FitResult>, times: number): Promise<Figure> => {
    await fit(1);
    const results: FitResult[] = [];
    for (let i = 0; i < times; i++) results.push(await fit(epochs));
    const r = results.sort((x, y) => x.seconds - y.seconds)[Math.floor(times / 2)]!;
    return { value: r.seconds, text: `${r.seconds.toFixed(2)} s (acc ${r.testAccuracy.toFixed(3)})` };
  };
  const cpu = await median((e) => fitWithTfjs('cpu', e), 1);
  const wasm = await median((e) => fitWithTfjs('wasm', e), runs);
  await addRow(`digits fit, 64-128-10, Adam, batch 32, ${epochs} epochs: Keras-style fit for both (median of ${runs})`, () => median(fitWithNn, runs), { cpu, wasm });
}

/** The parts of the bench, in the order they run. */
const benches: Record<Part, () => Promise<void>> = {
  matmul: async () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const n of quick ? [128, 256] : [128, 256, 512, 1024]) await benchMatmul(n, dtype);
      for (const layout of ['A^T B', 'A B^T'] as const) await benchMatmul(quick ? 256 : 1024, dtype, layout);
    }
  },
  conv2d: benchConv2d,
  add: benchAdd,
  'scalar-chain': benchScalarChain,
  'scalar-mlp': benchScalarMlp,
  'mlp-step': benchMlpStep,
  'max-pool': benchMaxPool,
  'lenet-step': benchLenetStep,
  'digits-fit': benchDigitsFit,
  einsum: async () => {
    await configure(configurations[0]!);
    einsumRows = benchEinsum(quick);
  },
  lstm: benchLstmStep,
  'gpt-step': benchGptStep,
  linalg: async () => {
    await configure(configurations[0]!);
    linalgTable = benchLinalg(quick);
  },
  'index-ops': async () => {
    await configure(configurations[0]!);
    indexOpsRows = await benchIndexOps(quick);
  },
};

/** The commit measured, with a mark when the working tree differs from it. */
function commit(): string {
  const git = (args: string[]): string => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain', '--untracked-files=no']) === '' ? '' : ' with uncommitted changes'}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const tfjsWasm = await tfjsWasmThreads();
  for (const part of PARTS) if (parts.includes(part)) await benches[part]();
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  const scope = `${quick ? '--quick (a check, not figures for the docs)' : 'full'}${parts.length < PARTS.length ? `, only ${parts.join(', ')}` : ''}`;
  console.log(`**Run:** ${date} UTC, commit ${commit()}, \`npm run bench\` (${scope}), ${minutes} min; Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores.`);
  console.log('');
  console.log(formatTable(rows));
  console.log('');
  console.log('Ratios above 1x mean @nn is faster. They are thread for thread: the best @nn figure on one thread (js or wasm) against each TensorFlow.js backend on one thread.');
  console.log(
    tfjsWasm.threadedBuild
      ? `TensorFlow.js's WASM backend could run threads here; it was asked for 1 and ran on ${tfjsWasm.threads}. The ${cores}-thread column has no peer and no ratio.`
      : `No peer runs on ${cores} threads here, so the ${cores}-thread column has no ratio: TensorFlow.js's CPU backend is JavaScript on one thread, and its WASM backend ran on ${tfjsWasm.threads} (it uses its threaded build only where WASM_HAS_MULTITHREAD_SUPPORT holds, which TensorFlow.js sets to false in Node).`,
  );
  for (const note of extraNotes) console.log(note);
  if (einsumRows.length > 0) {
    console.log('');
    console.log(formatTable(einsumRows));
    console.log('');
    console.log(`einsum against the same contraction written by hand (views and matmul), ${configurations[0]!.backend} backend, ${configurations[0]!.threads} thread; medians of alternating rounds. A ratio below 1x means einsum is faster.`);
  }
  if (linalgTable !== null) {
    console.log('');
    console.log(formatTable(linalgTable.rows));
    console.log('');
    console.log(`@nn/linalg on one thread. ${linalgTable.note}`);
  }
  if (indexOpsRows.length > 0) {
    console.log('');
    console.log(formatTable(indexOpsRows));
    console.log('');
    console.log('Index, scan and sort ops: @nn on the JS backend, one thread (their loops are JavaScript under either backend), timed before TensorFlow.js; medians. Ratios above 1x mean @nn is faster.');
  }
}

await main();
