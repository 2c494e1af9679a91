/**
 * One training step of a 784-256-10 MLP on a batch of 128 (forward, cross-entropy, backward, SGD):
 * the workload where matmul dominates. Both libraries are driven the same way, by a hand-written
 * step: @nn with its modules, `backward()` and an SGD optimizer; TensorFlow.js with tf.layers Dense
 * layers applied inside `optimizer.minimize` (which computes the gradients and applies them). Each
 * step reads its loss back, so that it is finished when the timer stops. Same random data.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Generator, rand, tensor } from '@nn/autograd';
import { crossEntropy, Dense, ReLU, Sequential } from '@nn/layers';
import { SGD } from '@nn/optim';
import { medianMillis } from './measure.js';
import { useTfjs } from './tfjs.js';

const BATCH = 128;
const rng = new Generator(784);
const inputs = rand([BATCH, 784], { rng });
const labels = tensor(Array.from({ length: BATCH }, (_, i) => i % 10), { dtype: 'int32' });

/** Milliseconds per step for @nn. */
export function mlpStepNn(minMillis: number): number {
  const net = new Sequential([new Dense(784, 256, { rng }), new ReLU(), new Dense(256, 10, { rng })]);
  const optimizer = new SGD(net.parameters(), { lr: 0.01 });
  return medianMillis(() => {
    optimizer.zeroGrad();
    const loss = crossEntropy(net.call(inputs), labels);
    loss.backward();
    optimizer.step();
    loss.item();
  }, { minMillis });
}

/** Milliseconds per step for TensorFlow.js on `backend`. */
export async function mlpStepTfjs(backend: 'cpu' | 'wasm', minMillis: number): Promise<number> {
  await useTfjs(backend);
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }), tfl.layers.dense({ units: 10 })] });
  const optimizer = tf.train.sgd(0.01);
  const xs = tf.tensor(inputs.data() as Float32Array, [BATCH, 784]);
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
