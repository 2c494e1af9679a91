/**
 * @nn's side of the browser benchmark: the same workloads as the Node bench (bench/run.ts's
 * matmul, bench/mlp-step.ts, bench/digits-fit.ts), on the WebAssembly kernels.
 *
 * No DOM here, on purpose: a dedicated worker can import this module as it is, call
 * `setNumThreads(n, { workerUrl })` from `@nn/autograd/web`, and run the same functions, which is
 * how the 1- and 2-worker columns are meant to be added (see compare.ts).
 */
import { Generator, manualSeed, matmul, rand, setBackend, tensor } from '@nn/autograd';
import { relaxedSimdAvailable, relaxedSimdInUse, setRelaxedSimd } from '@nn/autograd/wasm';
import { loadDigits } from '@nn/data';
import { crossEntropy, Dense, glorotUniform, ReLU, Sequential, Softmax, zeros } from '@nn/layers';
import { SGD } from '@nn/optim';
import { Model } from '@nn/train';
import { timeMedian, type Timed, type TimingOptions } from './timing.js';

/** The matmul kernel variant: plain SIMD128, or relaxed SIMD (fused multiply-add). */
export type NnVariant = 'plain' | 'relaxed';

/** Whether this engine has relaxed SIMD (when not, the relaxed figures are not measured). */
export function nnRelaxedAvailable(): boolean {
  return relaxedSimdAvailable();
}

/**
 * Selects the WebAssembly kernels and the variant; false when the variant is not available here.
 * The variant stays selected for the workloads after it (the MLP step and the fit use relaxed SIMD
 * where the engine has it, as the library does by default).
 */
export function useNn(variant: NnVariant): boolean {
  setBackend('wasm');
  setRelaxedSimd(variant === 'relaxed');
  return variant === 'plain' || relaxedSimdInUse();
}

/** Milliseconds of one float32 n x n x n product (inputs made in advance, as in bench/run.ts). */
export async function nnMatmul(n: number, timing: TimingOptions): Promise<Timed> {
  const rng = new Generator(n);
  const a = rand([n, n], { rng });
  const b = rand([n, n], { rng });
  return timeMedian(() => {
    matmul(a, b);
  }, timing);
}

const MLP_BATCH = 128;

/** Milliseconds of one 784-256-10 MLP training step on a batch of 128, SGD (bench/mlp-step.ts). */
export async function nnMlpStep(timing: TimingOptions): Promise<Timed> {
  const rng = new Generator(784);
  const inputs = rand([MLP_BATCH, 784], { rng });
  const labels = tensor(Array.from({ length: MLP_BATCH }, (_, i) => i % 10), { dtype: 'int32' });
  const net = new Sequential([new Dense(784, 256, { rng }), new ReLU(), new Dense(256, 10, { rng })]);
  const optimizer = new SGD(net.parameters(), { lr: 0.01 });
  return timeMedian(() => {
    optimizer.zeroGrad();
    const loss = crossEntropy(net.call(inputs), labels);
    loss.backward();
    optimizer.step();
    loss.item();
  }, timing);
}

/** The digits split of bench/digits-fit.ts: the first 1437 digits to train on, the other 360 to test. */
export const DIGITS_TRAIN_ROWS = 1437;

/** Seconds and test accuracy of one fit. */
export interface Fitted {
  readonly seconds: number;
  readonly testAccuracy: number;
}

/**
 * The digits fit of bench/digits-fit.ts: a 64-128-10 MLP through Model.fit, Adam (lr 1e-3), batch
 * 32, `epochs` epochs, Keras's initializers (as tf.layers uses them).
 */
export async function nnDigitsFit(epochs: number): Promise<Fitted> {
  manualSeed(0);
  const { x, y } = loadDigits();
  const rows = x.shape[0]!;
  const xTrain = x.slice([0, 0], [DIGITS_TRAIN_ROWS, 64]);
  const yTrain = y.slice([0], [DIGITS_TRAIN_ROWS]);
  const keras = { kernelInitializer: glorotUniform, biasInitializer: zeros };
  const model = new Model(new Sequential([new Dense(64, 128, keras), new ReLU(), new Dense(128, 10, keras), new Softmax()]));
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  await model.fit(xTrain, yTrain, { epochs, batchSize: 32, verbose: 0 });
  const seconds = (performance.now() - started) / 1000;
  const accuracy = model.evaluate(x.slice([DIGITS_TRAIN_ROWS, 0], [rows, 64]), y.slice([DIGITS_TRAIN_ROWS], [rows])).accuracy!;
  return { seconds, testAccuracy: accuracy };
}

/** The digits as plain arrays, for the other libraries (the same data, the same split). */
export function digitsArrays(): { x: Float32Array; labels: Int32Array; rows: number } {
  const { x, y } = loadDigits();
  return { x: Float32Array.from(x.data()), labels: Int32Array.from(y.data()), rows: x.shape[0]! };
}

/** The MLP step's inputs and labels as plain arrays, the same random data as `nnMlpStep`. */
export function mlpArrays(): { inputs: Float32Array; labels: Int32Array; batch: number } {
  const rng = new Generator(784);
  const inputs = rand([MLP_BATCH, 784], { rng });
  return { inputs: Float32Array.from(inputs.data()), labels: Int32Array.from({ length: MLP_BATCH }, (_, i) => i % 10), batch: MLP_BATCH };
}

/** A float32 n x n pair drawn as `nnMatmul` draws it, for the other libraries. */
export function matmulArrays(n: number): [Float32Array, Float32Array] {
  const rng = new Generator(n);
  return [Float32Array.from(rand([n, n], { rng }).data()), Float32Array.from(rand([n, n], { rng }).data())];
}
