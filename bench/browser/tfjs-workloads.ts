/**
 * TensorFlow.js's side of the browser benchmark: its WASM backend (XNNPACK, SIMD), driven as the
 * Node bench drives it (bench/run.ts's onTfjs, bench/mlp-step.ts, bench/digits-fit.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { timeMedian, type Timed, type TimingOptions } from './timing.js';
import type { Fitted } from './nn-workloads.js';

/** What TensorFlow.js's WASM backend runs on, read after it started. */
export interface TfjsThreads {
  /** Threads it runs on (`getThreadsCount()`). */
  readonly threads: number;
  /** Whether it loaded its threaded build (it does where `WASM_HAS_MULTITHREAD_SUPPORT` holds). */
  readonly threadedBuild: boolean;
}

/**
 * Starts the WASM backend on `threads` threads, its .wasm files fetched from `wasmDirectory`. The
 * count is read once, when the backend starts, so a page can start it only once.
 */
export async function startTfjsWasm(wasmDirectory: string, threads: number): Promise<TfjsThreads> {
  setWasmPaths(wasmDirectory);
  setThreadsCount(threads);
  if (!(await tf.setBackend('wasm'))) throw new Error(`startTfjsWasm: the WASM backend failed to start (files from ${wasmDirectory})`);
  await tf.ready();
  return { threads: getThreadsCount(), threadedBuild: (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true };
}

/** Milliseconds of one float32 product, inside `tf.tidy`, `dataSync` waiting for the result. */
export async function tfjsMatmul(n: number, [a, b]: [Float32Array, Float32Array], timing: TimingOptions): Promise<Timed> {
  const x = tf.tensor2d(a, [n, n]);
  const y = tf.tensor2d(b, [n, n]);
  const timed = await timeMedian(() => {
    tf.tidy(() => {
      tf.matMul(x, y).dataSync();
    });
  }, timing);
  tf.dispose([x, y]);
  return timed;
}

/**
 * Milliseconds of the MLP step of bench/mlp-step.ts: tf.layers Dense layers applied inside
 * `optimizer.minimize`, the loss read back.
 */
export async function tfjsMlpStep({ inputs, labels, batch }: { inputs: Float32Array; labels: Int32Array; batch: number }, timing: TimingOptions): Promise<Timed> {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }), tfl.layers.dense({ units: 10 })] });
  const optimizer = tf.train.sgd(0.01);
  const xs = tf.tensor2d(inputs, [batch, 784]);
  const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  const timed = await timeMedian(() => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs) as tf.Tensor) as tf.Scalar, true)!;
    loss.dataSync();
    loss.dispose();
  }, timing);
  tf.dispose([xs, ys]);
  optimizer.dispose();
  model.dispose();
  return timed;
}

/**
 * The digits fit of bench/digits-fit.ts with tf.layers' model.fit: the same model, Adam (lr 1e-3),
 * batch 32, shuffling. `yieldEvery: 'never'`: in a page, tf.layers would otherwise yield to the
 * event loop during the fit, which Node's bench does not make it do either.
 */
export async function tfjsDigitsFit({ x, labels, rows }: { x: Float32Array; labels: Int32Array; rows: number }, trainRows: number, epochs: number): Promise<Fitted> {
  const xs = tf.tensor2d(x.subarray(0, trainRows * 64), [trainRows, 64]);
  const ys = tf.oneHot(tf.tensor1d(labels.subarray(0, trainRows), 'int32'), 10);
  const xTest = tf.tensor2d(x.subarray(trainRows * 64), [rows - trainRows, 64]);
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [64], units: 128, activation: 'relu' }), tfl.layers.dense({ units: 10, activation: 'softmax' })],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  await model.fit(xs, ys, { epochs, batchSize: 32, shuffle: true, verbose: 0, yieldEvery: 'never' });
  const seconds = (performance.now() - started) / 1000;
  const predicted = tf.tidy(() => tf.argMax(model.predict(xTest) as tf.Tensor, -1).dataSync());
  const testLabels = labels.subarray(trainRows);
  const correct = Array.from(predicted).filter((p, i) => p === testLabels[i]).length;
  tf.dispose([xs, ys, xTest]);
  model.dispose();
  return { seconds, testAccuracy: correct / testLabels.length };
}
