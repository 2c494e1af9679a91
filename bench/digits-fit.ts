/**
 * The digits fit of docs/benchmarks.md: a 64-128-10 MLP, Adam (lr 1e-3), batch 32, 30 epochs on the
 * first 1437 digits, tested on the other 360. Both libraries are driven the same way, through their
 * Keras-style API: @nn's Model.fit beside TensorFlow.js tf.layers' model.fit on its CPU and WASM
 * backends, same data, same settings.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadDigits } from '@nn/data';
import { DIGITS_TRAIN_ROWS as TRAIN_ROWS, fitDigits, type Fitted } from './nn-workloads.js';
import { useTfjs } from './tfjs.js';

export type FitResult = Fitted;

function digitsSplit() {
  const { x, y } = loadDigits();
  const rows = x.shape[0]!;
  return {
    xTrain: x.slice([0, 0], [TRAIN_ROWS, 64]),
    yTrain: y.slice([0], [TRAIN_ROWS]),
    xTest: x.slice([TRAIN_ROWS, 0], [rows, 64]),
    yTest: y.slice([TRAIN_ROWS], [rows]),
  };
}

/** @nn: Model.fit with the Keras-style API (bench/nn-workloads.ts). */
export const fitWithNn = fitDigits;

/** TensorFlow.js tf.layers on one backend. */
export async function fitWithTfjs(backend: 'cpu' | 'wasm', epochs: number): Promise<FitResult> {
  await useTfjs(backend);
  const { xTrain, yTrain, xTest, yTest } = digitsSplit();
  const toTf = (t: typeof xTrain, shape: number[]) => tf.tensor(t.data() as Float32Array, shape);
  const xs = toTf(xTrain, [TRAIN_ROWS, 64]);
  const ys = tf.oneHot(tf.tensor1d(Array.from(yTrain.data()), 'int32'), 10);
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [64], units: 128, activation: 'relu' }), tfl.layers.dense({ units: 10, activation: 'softmax' })],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  await model.fit(xs, ys, { epochs, batchSize: 32, shuffle: true, verbose: 0 });
  const seconds = (performance.now() - started) / 1000;
  const predicted = tf.argMax(model.predict(toTf(xTest, [xTest.shape[0]!, 64])) as tf.Tensor, -1).dataSync();
  const labels = yTest.data();
  const correct = Array.from(predicted).filter((p, i) => p === labels[i]).length;
  tf.disposeVariables();
  return { seconds, testAccuracy: correct / labels.length };
}
