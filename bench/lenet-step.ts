/**
 * One training step of LeNet-5 on 28x28 inputs, batch 64 (conv 1->6 5x5, ReLU, max pool 2,
 * conv 6->16 5x5, ReLU, max pool 2, flatten, Dense 256-120-84-10 with ReLU between, cross-entropy,
 * SGD): the CNN workload. @nn: lenet5({ padding: 0 }) from examples/lenet.ts, `backward()`,
 * SGD. TensorFlow.js: the same layers (tf.layers, NHWC, its own layout) applied inside
 * `optimizer.minimize`, as the MLP step. Each step reads its loss back so that it is finished when
 * the timer stops. Same random data for both; PyTorch's time for the same step comes from
 * bench/reference/lenet_step.py.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Generator, rand, tensor } from '@nn/autograd';
import { crossEntropy } from '@nn/layers';
import { SGD } from '@nn/optim';
import { lenet5 } from '../examples/lenet.js';
import { medianMillis } from './measure.js';
import { trainingStep } from './nn-workloads.js';
import { useTfjs } from './tfjs.js';

const BATCH = 64;
const rng = new Generator(5);
const inputs = rand([BATCH, 1, 28, 28], { rng });
const labels = tensor(Array.from({ length: BATCH }, (_, i) => i % 10), { dtype: 'int32' });

/** The @nn step, made once: call it to run one step (returns the loss). */
export function lenetStepNn(): () => number {
  const net = lenet5({ padding: 0, rng });
  return trainingStep(new SGD(net.parameters(), { lr: 0.01 }), () => crossEntropy(net.call(inputs), labels));
}

/** Milliseconds per step for @nn. */
export function lenetStepNnMillis(minMillis: number): number {
  const step = lenetStepNn();
  return medianMillis(() => { step(); }, { minMillis, minRuns: 5 });
}

/**
 * TensorFlow.js 4.22's WASM backend has no kernel for the filter gradient of a 2-D convolution
 * (`Conv2DBackpropFilter`), so tf.layers' conv2d cannot train there. Registered here for the bench,
 * from the WASM backend's own kernels: the filter gradient of a stride-1 'valid' convolution is itself
 * a convolution, of x seen as [C, H, W, N] (channels as the batch, the batch as the channels) with
 * dy seen as a filter [oH, oW, N, O], giving [C, kH, kW, O], transposed to [kH, kW, C, O]. So it runs
 * on XNNPACK's Conv2D, the fastest route that backend has: its 3-D filter-gradient kernel on depth-1
 * views (`Conv3DBackpropFilterV2`) took 34 ms of a 73 ms step where this takes 4 ms (checked equal
 * to float32 rounding). LeNet-5 here needs only stride 1 and 'valid'; anything else is an error.
 */
function registerWasmConv2dFilterGradient(): void {
  if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm') !== undefined) return;
  const kernel = (name: string): tf.KernelFunc => {
    const found = tf.getKernel(name, 'wasm');
    if (found === undefined) throw new Error(`bench lenet-step: the tfjs WASM backend has no ${name} kernel`);
    return found.kernelFunc;
  };
  const [transpose, conv2d] = [kernel(tf.Transpose), kernel(tf.Conv2D)];
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat } = attrs as unknown as { strides: number | [number, number]; pad: unknown; dataFormat: string };
      const unit = typeof strides === 'number' ? strides === 1 : strides.every((v) => v === 1);
      if (!unit || pad !== 'valid' || dataFormat !== 'NHWC') throw new Error('bench lenet-step: the substitute Conv2DBackpropFilter handles stride 1, valid, NHWC only');
      const run = (f: tf.KernelFunc, ins: tf.NamedTensorInfoMap, at: tf.NamedAttrMap): tf.TensorInfo => f({ inputs: ins, backend, attrs: at }) as tf.TensorInfo;
      const xT = run(transpose, { x }, { perm: [3, 1, 2, 0] });
      const dyT = run(transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      const product = run(conv2d, { x: xT, filter: dyT }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 });
      const dw = run(transpose, { x: product }, { perm: [1, 2, 0, 3] });
      for (const t of [xT, dyT, product]) (backend as tf.KernelBackend).disposeData(t.dataId);
      return dw;
    },
  });
}

/** The TensorFlow.js step on `backend`, made once: call `step` to run one; `dispose` frees the model. */
export async function lenetStepTfjsStep(backend: 'cpu' | 'wasm'): Promise<{ step: () => number; dispose: () => void }> {
  await useTfjs(backend);
  if (backend === 'wasm') registerWasmConv2dFilterGradient();
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 120, activation: 'relu' }),
      tfl.layers.dense({ units: 84, activation: 'relu' }),
      tfl.layers.dense({ units: 10 }),
    ],
  });
  const optimizer = tf.train.sgd(0.01);
  // NCHW -> NHWC (one channel: the same values in the same order).
  const xs = tf.tensor(inputs.data() as Float32Array, [BATCH, 28, 28, 1]);
  const ys = tf.oneHot(tf.tensor1d(Array.from(labels.data()), 'int32'), 10);
  const step = (): number => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs) as tf.Tensor) as tf.Scalar, true)!;
    const value = loss.dataSync()[0]!;
    loss.dispose();
    return value;
  };
  const dispose = (): void => {
    tf.dispose([xs, ys]);
    optimizer.dispose();
    tf.disposeVariables();
  };
  return { step, dispose };
}

/** Milliseconds per step for TensorFlow.js on `backend`. */
export async function lenetStepTfjs(backend: 'cpu' | 'wasm', minMillis: number): Promise<number> {
  const { step, dispose } = await lenetStepTfjsStep(backend);
  const ms = medianMillis(() => { step(); }, { minMillis, minRuns: 3 });
  dispose();
  return ms;
}
