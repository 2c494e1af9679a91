/**
 * @nn's side of two workloads that the Node bench (bench/mlp-step.ts, bench/digits-fit.ts) and the
 * browser bench (bench/browser/nn-workloads.ts) both time, defined once. Nothing here imports
 * TensorFlow.js or Node, so a page can bundle it; each bench times the workloads with its own clock.
 */
import { Generator, manualSeed, rand, tensor, type Tensor } from '@nn/autograd';
import { loadDigits } from '@nn/data';
import { crossEntropy, Dense, glorotUniform, ReLU, Sequential, Softmax, zeros } from '@nn/layers';
import { SGD, type Optimizer } from '@nn/optim';
import { Model } from '@nn/train';

/**
 * One training step as a function to time: zero the gradients, compute `loss()` (the forward pass),
 * backpropagate, step `optimizer`, and read the loss back, so that the step is finished when the
 * timer stops. The MLP, LeNet-5, LSTM and GPT steps of the bench are all this shape.
 */
export function trainingStep(optimizer: Optimizer, loss: () => Tensor): () => number {
  return () => {
    optimizer.zeroGrad();
    const value = loss();
    value.backward();
    optimizer.step();
    return value.item();
  };
}

/** The MLP step's batch. */
export const MLP_BATCH = 128;

/** The MLP step's random inputs [128, 784] and labels 0..9, the same on every call (the peers get these too). */
export function mlpData(): { rng: Generator; inputs: Tensor; labels: Tensor } {
  const rng = new Generator(784);
  const inputs = rand([MLP_BATCH, 784], { rng });
  const labels = tensor(Array.from({ length: MLP_BATCH }, (_, i) => i % 10), { dtype: 'int32' });
  return { rng, inputs, labels };
}

/**
 * One training step of a 784-256-10 MLP on a batch of 128 (forward, cross-entropy, backward, SGD),
 * as a function to time: each call runs a step and reads its loss back, so that it is finished when
 * the timer stops.
 */
export function mlpStep(): () => number {
  const { rng, inputs, labels } = mlpData();
  const net = new Sequential([new Dense(784, 256, { rng }), new ReLU(), new Dense(256, 10, { rng })]);
  return trainingStep(new SGD(net.parameters(), { lr: 0.01 }), () => crossEntropy(net.call(inputs), labels));
}

/** The digits split: the first 1437 digits to train on, the other 360 to test. */
export const DIGITS_TRAIN_ROWS = 1437;

/** Seconds and test accuracy of one fit. */
export interface Fitted {
  readonly seconds: number;
  readonly testAccuracy: number;
}

/**
 * The digits fit: a 64-128-10 MLP through Model.fit, Adam (lr 1e-3), batch 32, `epochs` epochs,
 * Keras's initializers (as tf.layers uses them, so that both start alike), tested on the last 360.
 */
export async function fitDigits(epochs: number): Promise<Fitted> {
  manualSeed(0);
  const { x, y } = loadDigits();
  const rows = x.shape[0]!;
  const keras = { kernelInitializer: glorotUniform, biasInitializer: zeros };
  const model = new Model(new Sequential([new Dense(64, 128, keras), new ReLU(), new Dense(128, 10, keras), new Softmax()]));
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  await model.fit(x.slice([0, 0], [DIGITS_TRAIN_ROWS, 64]), y.slice([0], [DIGITS_TRAIN_ROWS]), { epochs, batchSize: 32, verbose: 0 });
  const seconds = (performance.now() - started) / 1000;
  const accuracy = model.evaluate(x.slice([DIGITS_TRAIN_ROWS, 0], [rows, 64]), y.slice([DIGITS_TRAIN_ROWS], [rows])).accuracy!;
  return { seconds, testAccuracy: accuracy };
}
