/**
 * The convolution workload of `npm run bench`: conv2d forward on [32, 64, 32, 32] with a
 * [64, 64, 3, 3] kernel, padding 1, float32, in GFLOPS (2 N Cout Ho Wo Cin kH kW flops a call),
 * beside our own matmul on the product the lowering runs (per image, [64, 576] times [576, 1024]:
 * a batch of 32 of them with the weight broadcast), in the same configuration, and TensorFlow.js's
 * tf.conv2d (NHWC, 'same').
 */
import { conv2d, matmul, rand, Generator, type Tensor } from '@nn/autograd';
import { medianMillis } from './measure.js';

/** The workload's sizes. */
export const CONV_BENCH = { n: 32, cIn: 64, cOut: 64, h: 32, w: 32, k: 3 } as const;

/** Flops of one call: one multiply and one add per tap per output. */
export const convFlops = (): number => {
  const { n, cIn, cOut, h, w, k } = CONV_BENCH;
  return 2 * n * cOut * h * w * cIn * k * k;
};

/** The inputs, made once (float32, NCHW, the weight OIHW). */
export function convInputs(): { x: Tensor; weight: Tensor; lowered: { a: Tensor; b: Tensor } } {
  const { n, cIn, cOut, h, w, k } = CONV_BENCH;
  const rng = new Generator(14);
  const x = rand([n, cIn, h, w], { rng });
  const weight = rand([cOut, cIn, k, k], { rng });
  return { x, weight, lowered: { a: weight.reshape([cOut, cIn * k * k]), b: rand([n, cIn * k * k, h * w], { rng }) } };
}

/** Milliseconds (median) of conv2d and of the matmul it lowers to, measured one after the other. */
export function timeConv(inputs: ReturnType<typeof convInputs>, minMillis: number): { conv: number; gemm: number } {
  const conv = medianMillis(() => conv2d(inputs.x, inputs.weight, null, { padding: 1 }), { minMillis, minRuns: 3 });
  const gemm = medianMillis(() => matmul(inputs.lowered.a, inputs.lowered.b), { minMillis, minRuns: 3 });
  return { conv, gemm };
}
