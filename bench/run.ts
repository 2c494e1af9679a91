/**
 * npm run bench: this implementation's speed on the workloads of docs/benchmarks.md, beside
 * TensorFlow.js (CPU and WASM backends) in the same process where it has the same workload.
 * Prints a markdown table with the ratios; copy it into docs/benchmarks.md when it changes.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { matmul, rand, setBackend, tensor, Generator, type DType, type Tensor } from '@nn/autograd';
import { setNumThreads } from '@nn/autograd/node';
import { marginLoss, setUp, sgdStep } from '../examples/micrograd.js';
import { formatTable, medianMillis } from './measure.js';
import { fitWithNn, fitWithTfjs, type FitResult } from './digits-fit.js';
import { mlpStepNn, mlpStepTfjs } from './mlp-step.js';

const quick = process.argv.includes('--quick');

/**
 * The configurations @nn runs each workload in: plain JS kernels; WebAssembly SIMD kernels on one
 * thread; and on every core (the main thread plus workers, @nn/autograd/node's setNumThreads).
 */
interface Configuration {
  readonly label: string;
  readonly backend: 'js' | 'wasm';
  readonly threads: number;
}
const cores = os.cpus().length;
const configurations: Configuration[] = [
  { label: '@nn js', backend: 'js', threads: 1 },
  { label: '@nn wasm 1 thread', backend: 'wasm', threads: 1 },
  ...(cores > 1 ? [{ label: `@nn wasm ${cores} threads`, backend: 'wasm' as const, threads: cores }] : []),
];

async function configure({ backend, threads }: Configuration): Promise<void> {
  setBackend(backend);
  await setNumThreads(threads);
}

const rows: string[][] = [['workload', ...configurations.map((c) => c.label), 'tfjs cpu', 'tfjs wasm', 'best @nn vs cpu', 'best @nn vs wasm']];
const ratio = (ours: number, theirs: number | null, higherIsBetter: boolean): string =>
  theirs === null ? '' : `${(higherIsBetter ? ours / theirs : theirs / ours).toFixed(2)}x`;

/** A measured figure: the number the ratios compare, and how it is shown. */
interface Figure {
  readonly value: number;
  readonly text: string;
}

/**
 * Measures `ours` in each configuration (every one, or only the first for work that never reaches
 * a matmul kernel) and adds a row: our figures, the peers' and the ratios of our best figure to each
 * peer. `higherIsBetter` says which way is faster.
 */
async function addRow(
  workload: string,
  ours: () => Figure | Promise<Figure>,
  peers: { cpu: Figure | string; wasm: Figure | string },
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
  const values = figures.filter((f): f is Figure => f !== null).map((f) => f.value);
  const best = higherIsBetter ? Math.max(...values) : Math.min(...values);
  const peerRatio = (peer: Figure | string): string => (typeof peer === 'string' ? '' : ratio(best, peer.value, higherIsBetter));
  const show = (f: Figure | string | null): string => (f === null ? 'same as js' : typeof f === 'string' ? f : f.text);
  rows.push([workload, ...figures.map(show), show(peers.cpu), show(peers.wasm), peerRatio(peers.cpu), peerRatio(peers.wasm)]);
}

const gflopsFigure = (value: number): Figure => ({ value, text: `${value.toFixed(2)} GFLOPS` });
const msFigure = (value: number): Figure => ({ value, text: `${value.toFixed(2)} ms` });

/**
 * Times `work` on a TensorFlow.js backend: its inputs are made (from `arrays`) on that backend
 * first, and every tensor is disposed afterwards. `dataSync` waits for the result.
 */
async function onTfjs(backend: 'cpu' | 'wasm', arrays: { data: Float32Array; shape: number[] }[], work: (...inputs: tf.Tensor[]) => tf.Tensor): Promise<number> {
  await tf.setBackend(backend);
  await tf.ready();
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
  let cpu: Figure | string = missing;
  let wasm: Figure | string = missing;
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
  await addRow('MLP step 784-256-10, batch 128, SGD', () => msFigure(mlpStepNn(minMillis)), { cpu, wasm });
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
  await addRow(`digits fit, 64-128-10, Adam, batch 32, ${epochs} epochs (median of ${runs})`, () => median(fitWithNn, runs), { cpu, wasm });
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores${quick ? ' (quick run)' : ''}`);
  for (const dtype of ['float32', 'float64'] as const) {
    for (const n of quick ? [128, 256] : [128, 256, 512, 1024]) await benchMatmul(n, dtype);
    for (const layout of ['A^T B', 'A B^T'] as const) await benchMatmul(quick ? 256 : 1024, dtype, layout);
  }
  await benchAdd();
  await benchScalarChain();
  await benchScalarMlp();
  await benchMlpStep();
  await benchDigitsFit();
  console.log(formatTable(rows));
  console.log('Ratios above 1x mean @nn is faster.');
}

await main();
