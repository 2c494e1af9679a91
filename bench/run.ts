/**
 * npm run bench: this implementation's speed on the workloads of docs/benchmarks.md, beside
 * TensorFlow.js (CPU and WASM backends) in the same process where it has the same workload.
 * Prints a markdown table with the ratios; copy it into docs/benchmarks.md when it changes.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { matmul, rand, tensor, Generator, type DType, type Tensor } from '@nn/autograd';
import { marginLoss, setUp, sgdStep } from '../examples/micrograd.js';
import { formatTable, medianMillis } from './measure.js';
import { fitWithNn, fitWithTfjs } from './digits-fit.js';
import { mlpStepNn, mlpStepTfjs } from './mlp-step.js';

const quick = process.argv.includes('--quick');
const rows: string[][] = [['workload', '@nn', 'tfjs cpu', 'tfjs wasm', '@nn vs cpu', '@nn vs wasm']];
const ratio = (ours: number, theirs: number | null, higherIsBetter: boolean): string =>
  theirs === null ? '' : `${(higherIsBetter ? ours / theirs : theirs / ours).toFixed(2)}x`;

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

async function benchMatmul(n: number, dtype: DType): Promise<void> {
  const rng = new Generator(n);
  const a = rand([n, n], { dtype, rng });
  const b = rand([n, n], { dtype, rng });
  const flops = 2 * n ** 3;
  const gflops = (ms: number): number => flops / ms / 1e6;
  const ours = gflops(medianMillis(() => matmul(a, b), { minMillis: quick ? 200 : 1000, minRuns: 3 }));
  let cpu: number | null = null;
  let wasm: number | null = null;
  if (dtype === 'float32') {
    const arrays = [a, b].map((t) => ({ data: t.data() as Float32Array, shape: [n, n] }));
    const product = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D);
    // TensorFlow.js's CPU backend takes several seconds a product at n = 1024; it is timed up to 512.
    if (n <= 512) cpu = gflops(await onTfjs('cpu', arrays, product));
    wasm = gflops(await onTfjs('wasm', arrays, product));
  }
  const show = (v: number | null): string => (v === null ? (dtype === 'float64' ? 'no float64' : 'not run') : `${v.toFixed(2)} GFLOPS`);
  rows.push([`matmul ${dtype} n=${n}`, show(ours), show(cpu), show(wasm), ratio(ours, cpu, true), ratio(ours, wasm, true)]);
}

async function benchAdd(): Promise<void> {
  const size = 1_000_000;
  const a = rand([size]);
  const b = rand([size]);
  const ours = medianMillis(() => a.add(b));
  const arrays = [a, b].map((t) => ({ data: t.data() as Float32Array, shape: [size] }));
  const cpu = await onTfjs('cpu', arrays, (x, y) => tf.add(x, y));
  const wasm = await onTfjs('wasm', arrays, (x, y) => tf.add(x, y));
  rows.push(['add float32, 1e6 elements', `${ours.toFixed(2)} ms`, `${cpu.toFixed(2)} ms`, `${wasm.toFixed(2)} ms`, ratio(ours, cpu, false), ratio(ours, wasm, false)]);
}

function benchScalarChain(): void {
  const links = quick ? 100_000 : 1_000_000;
  const ms = medianMillis(() => {
    const x = tensor(1, { dtype: 'float64', requiresGrad: true });
    let y: Tensor = x;
    for (let i = 0; i < links; i++) y = y.mul(1.0001).add(0.001);
    y.backward();
  }, { minRuns: 3, minMillis: 0, warmUp: 1 });
  rows.push([`scalar chain y = y * 1.0001 + 0.001, ${links} links, forward + backward`, `${(ms / 1000).toFixed(2)} s`, '', '', '', '']);
}

function benchScalarMlp(): void {
  const { model, inputs, labels } = setUp();
  const parameters = model.parameters();
  const ms = medianMillis(() => {
    const { total } = marginLoss(model, inputs, labels);
    total.backward();
    sgdStep(parameters, 0.1);
  }, { minRuns: 5, minMillis: quick ? 500 : 3000 });
  rows.push(['scalar MLP step (micrograd demo: 2-16-16-1, 100 points)', `${ms.toFixed(1)} ms`, '', '', '', '']);
}

async function benchMlpStep(): Promise<void> {
  const minMillis = quick ? 300 : 2000;
  const ours = mlpStepNn(minMillis);
  const cpu = await mlpStepTfjs('cpu', minMillis);
  const wasm = await mlpStepTfjs('wasm', minMillis);
  rows.push(['MLP step 784-256-10, batch 128, SGD', `${ours.toFixed(2)} ms`, `${cpu.toFixed(2)} ms`, `${wasm.toFixed(2)} ms`, ratio(ours, cpu, false), ratio(ours, wasm, false)]);
}

/** The digits fit: one timed run each (a fit is long enough to time once), with the test accuracy. */
async function benchDigitsFit(): Promise<void> {
  const epochs = quick ? 3 : 30;
  const ours = await fitWithNn(epochs);
  const cpu = await fitWithTfjs('cpu', epochs);
  const wasm = await fitWithTfjs('wasm', epochs);
  const show = (r: { seconds: number; testAccuracy: number }): string => `${r.seconds.toFixed(2)} s (acc ${r.testAccuracy.toFixed(3)})`;
  rows.push([`digits fit, 64-128-10, Adam, batch 32, ${epochs} epochs`, show(ours), show(cpu), show(wasm), ratio(ours.seconds, cpu.seconds, false), ratio(ours.seconds, wasm.seconds, false)]);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores${quick ? ' (quick run)' : ''}`);
  for (const dtype of ['float32', 'float64'] as const) {
    for (const n of quick ? [128, 256] : [128, 256, 512, 1024]) await benchMatmul(n, dtype);
  }
  await benchAdd();
  benchScalarChain();
  benchScalarMlp();
  await benchMlpStep();
  await benchDigitsFit();
  console.log(formatTable(rows));
  console.log('Ratios above 1x mean @nn is faster.');
}

await main();
