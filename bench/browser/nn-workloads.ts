/**
 * @nn's side of the browser benchmark: the same workloads as the Node bench (bench/run.ts's
 * matmul, bench/mlp-step.ts, bench/digits-fit.ts), on the WebAssembly kernels.
 *
 * The MLP step and the digits fit themselves are bench/nn-workloads.ts's, shared with the Node
 * bench. No DOM here, on purpose: the dedicated worker (nn-worker.ts) imports this module as it is,
 * sets its threads, and runs the same functions.
 */
import { Generator, matmul, rand, setBackend } from '@nn/autograd';
import { relaxedSimdAvailable, relaxedSimdInUse, setRelaxedSimd } from '@nn/autograd/wasm';
import { loadDigits } from '@nn/data';
import { MLP_BATCH, mlpData, mlpStep } from '../nn-workloads.js';
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

/** Milliseconds of one 784-256-10 MLP training step on a batch of 128, SGD (bench/nn-workloads.ts). */
export async function nnMlpStep(timing: TimingOptions): Promise<Timed> {
  const step = mlpStep();
  return timeMedian(() => void step(), timing);
}

// The digits fit (Model.fit, Adam, batch 32) and its split, as the Node bench runs them.
export { DIGITS_TRAIN_ROWS, fitDigits as nnDigitsFit, type Fitted } from '../nn-workloads.js';

/** The digits as plain arrays, for the other libraries (the same data, the same split). */
export function digitsArrays(): { x: Float32Array; labels: Int32Array; rows: number } {
  const { x, y } = loadDigits();
  return { x: Float32Array.from(x.data()), labels: Int32Array.from(y.data()), rows: x.shape[0]! };
}

/** The MLP step's inputs and labels as plain arrays, the same random data as `nnMlpStep`. */
export function mlpArrays(): { inputs: Float32Array; labels: Int32Array; batch: number } {
  const { inputs, labels } = mlpData();
  return { inputs: Float32Array.from(inputs.data()), labels: Int32Array.from(labels.data()), batch: MLP_BATCH };
}

/** A float32 n x n pair drawn as `nnMatmul` draws it, for the other libraries. */
export function matmulArrays(n: number): [Float32Array, Float32Array] {
  const rng = new Generator(n);
  return [Float32Array.from(rand([n, n], { rng }).data()), Float32Array.from(rand([n, n], { rng }).data())];
}
