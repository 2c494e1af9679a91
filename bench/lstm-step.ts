/**
 * One training step of a 2-layer LSTM (input 32, hidden 128, sequence 50, batch 32, batchFirst)
 * with a mean-squared-error loss on the output sequence and Adam: backpropagation through time.
 * @nn: LSTM module, `backward()`, Adam. TensorFlow.js: two stacked tf.layers.lstm (returnSequences)
 * inside `optimizer.minimize`. Each step reads its loss back so it is finished when the timer stops.
 * Same random data for both.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Generator, rand } from '@nn/autograd';
import { LSTM, mseLoss } from '@nn/layers';
import { Adam } from '@nn/optim';
import { medianMillis } from './measure.js';
import { trainingStep } from './nn-workloads.js';
import { useTfjs } from './tfjs.js';

const BATCH = 32;
const STEPS = 50;
const INPUT = 32;
const HIDDEN = 128;
const rng = new Generator(50);
const inputs = rand([BATCH, STEPS, INPUT], { rng });
const targets = rand([BATCH, STEPS, HIDDEN], { rng });

/** Milliseconds per step for @nn. */
export function lstmStepNn(minMillis: number): number {
  const lstm = new LSTM(INPUT, HIDDEN, { numLayers: 2, batchFirst: true, rng });
  const step = trainingStep(new Adam(lstm.parameters(), { lr: 0.001 }), () => mseLoss(lstm.forward(inputs), targets));
  return medianMillis(() => { step(); }, { minMillis, minRuns: 3 });
}

/** Milliseconds per step for TensorFlow.js on `backend`. */
export async function lstmStepTfjs(backend: 'cpu' | 'wasm', minMillis: number): Promise<number> {
  await useTfjs(backend);
  // recurrentInitializer: its default 'orthogonal' fails in this tfjs-layers / tfjs-core pair
  // (rMat.flatten is not a function); the initial values do not change the step's time.
  const model = tfl.sequential({
    layers: [tfl.layers.lstm({ inputShape: [STEPS, INPUT], units: HIDDEN, returnSequences: true, recurrentInitializer: 'glorotUniform' }), tfl.layers.lstm({ units: HIDDEN, returnSequences: true, recurrentInitializer: 'glorotUniform' })],
  });
  const optimizer = tf.train.adam(0.001);
  const xs = tf.tensor(inputs.data() as Float32Array, [BATCH, STEPS, INPUT]);
  const ys = tf.tensor(targets.data() as Float32Array, [BATCH, STEPS, HIDDEN]);
  const ms = medianMillis(() => {
    const loss = optimizer.minimize(() => tf.losses.meanSquaredError(ys, model.apply(xs) as tf.Tensor) as tf.Scalar, true)!;
    loss.dataSync();
    loss.dispose();
  }, { minMillis, minRuns: 3 });
  tf.dispose([xs, ys]);
  optimizer.dispose();
  tf.disposeVariables();
  return ms;
}
