/**
 * One training step of a 784-256-10 MLP on a batch of 128 (forward, cross-entropy, backward, SGD):
 * the workload where matmul dominates. @nn with its modules and optimizer beside TensorFlow.js
 * tf.layers' trainOnBatch on its CPU and WASM backends, on the same random data.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Generator, rand, tensor } from '@nn/autograd';
import { crossEntropy, Dense, ReLU, Sequential } from '@nn/layers';
import { SGD } from '@nn/optim';
import { medianMillis, medianMillisAsync } from './measure.js';

const BATCH = 128;
const rng = new Generator(784);
const inputs = rand([BATCH, 784], { rng });
const labels = tensor(Array.from({ length: BATCH }, (_, i) => i % 10));

/** Milliseconds per step for @nn. */
export function mlpStepNn(minMillis: number): number {
  const net = new Sequential([new Dense(784, 256, { rng }), new ReLU(), new Dense(256, 10, { rng })]);
  const optimizer = new SGD(net.parameters(), { lr: 0.01 });
  return medianMillis(() => {
    optimizer.zeroGrad();
    crossEntropy(net.call(inputs), labels).backward();
    optimizer.step();
  }, { minMillis });
}

/** Milliseconds per step for TensorFlow.js tf.layers on `backend`. */
export async function mlpStepTfjs(backend: 'cpu' | 'wasm', minMillis: number): Promise<number> {
  await tf.setBackend(backend);
  await tf.ready();
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }), tfl.layers.dense({ units: 10 })] });
  model.compile({ optimizer: tf.train.sgd(0.01), loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred) });
  const xs = tf.tensor(inputs.data() as Float32Array, [BATCH, 784]);
  const ys = tf.oneHot(tf.tensor1d(Array.from(labels.data()), 'int32'), 10);
  const ms = await medianMillisAsync(() => model.trainOnBatch(xs, ys), { minMillis, minRuns: 3 });
  tf.dispose([xs, ys]);
  tf.disposeVariables();
  return ms;
}
