/**
 * One training step of a 784-256-10 MLP on a batch of 128 (forward, cross-entropy, backward, SGD):
 * the workload where matmul dominates. Both libraries are driven the same way, by a hand-written
 * step: @nn with its modules, `backward()` and an SGD optimizer; TensorFlow.js with tf.layers Dense
 * layers applied inside `optimizer.minimize` (which computes the gradients and applies them). Each
 * step reads its loss back, so that it is finished when the timer stops. Same random data.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { medianMillis } from './measure.js';
import { MLP_BATCH, mlpData, mlpStep } from './nn-workloads.js';
import { useTfjs } from './tfjs.js';

/** Milliseconds per step for @nn. */
export function mlpStepNn(minMillis: number): number {
  const step = mlpStep();
  return medianMillis(() => void step(), { minMillis });
}

/** Milliseconds per step for TensorFlow.js on `backend`. */
export async function mlpStepTfjs(backend: 'cpu' | 'wasm', minMillis: number): Promise<number> {
  await useTfjs(backend);
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }), tfl.layers.dense({ units: 10 })] });
  const optimizer = tf.train.sgd(0.01);
  const { inputs, labels } = mlpData();
  const xs = tf.tensor(inputs.data() as Float32Array, [MLP_BATCH, 784]);
  const ys = tf.oneHot(tf.tensor1d(Array.from(labels.data()), 'int32'), 10);
  const ms = medianMillis(() => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs) as tf.Tensor) as tf.Scalar, true)!;
    loss.dataSync();
    loss.dispose();
  }, { minMillis, minRuns: 3 });
  tf.dispose([xs, ys]);
  optimizer.dispose();
  tf.disposeVariables();
  return ms;
}
