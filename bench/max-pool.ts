/**
 * Max pool 2x2 (stride 2) forward and backward on [64, 16, 24, 24] float32, the shape after LeNet's
 * second convolution on 28x28 inputs with padding: the output summed, then its gradient taken.
 * @nn's maxPool2d (its window kernel, then gather; the backward a scatterAdd) beside the same pooling
 * written with ops that existed before it (a reshape to [64, 16, 12, 2, 12, 2] and a max over the
 * two window axes), and TensorFlow.js's maxPool (NHWC, its own layout) with tf.grad.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Generator, maxPool2d, rand, type Tensor } from '@nn/autograd';
import { medianMillis } from './measure.js';
import { useTfjs } from './tfjs.js';

const SHAPE = [64, 16, 24, 24] as const;
const input = rand([...SHAPE], { rng: new Generator(24) });

/** Milliseconds per forward and backward, through maxPool2d or through reshape and max. */
export function maxPoolStepNn(minMillis: number, way: 'maxPool2d' | 'reshape + max'): number {
  const pool = way === 'maxPool2d'
    ? (x: Tensor): Tensor => maxPool2d(x, 2)
    : (x: Tensor): Tensor => x.reshape([64, 16, 12, 2, 12, 2]).max([3, 5]);
  return medianMillis(() => {
    const x = input.detach();
    x.requiresGrad = true;
    pool(x).sum().backward();
    x.grad!.data();
  }, { minMillis });
}

/** Milliseconds per forward and backward for TensorFlow.js on `backend` ([64, 24, 24, 16], NHWC). */
export async function maxPoolStepTfjs(backend: 'cpu' | 'wasm', minMillis: number): Promise<number> {
  await useTfjs(backend);
  const x = tf.tensor4d(input.permute([0, 2, 3, 1]).data() as Float32Array, [64, 24, 24, 16]);
  const gradient = tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')));
  const ms = medianMillis(() => tf.tidy(() => { gradient(x).dataSync(); }), { minMillis, minRuns: 3 });
  x.dispose();
  return ms;
}
