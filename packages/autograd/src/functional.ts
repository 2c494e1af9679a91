/**
 * Gradients as values: `gradients` computes d(output)/d(inputs) contracted with a cotangent and
 * returns them, leaving every `.grad` alone (as `torch.autograd.grad`). The functional transforms
 * build on it.
 */
import { runBackward } from './engine.js';
import type { Tensor } from './tensor.js';
import { formatShape, shapesEqual } from './shape.js';
import { zerosLike } from './ops/creation.js';

export interface GradientsOptions {
  /** Record the backward pass so that the returned gradients are differentiable. Default false. */
  createGraph?: boolean;
  /** Keep the graph for another backward pass. Default: the value of `createGraph`. */
  retainGraph?: boolean;
}

/**
 * The vector-Jacobian product: for each of `inputs`, the gradient of sum(output * cotangent) with
 * respect to it. An input that `output` does not depend on gets zeros.
 */
export function gradients(output: Tensor, inputs: readonly Tensor[], cotangent: Tensor, opts: GradientsOptions = {}): Tensor[] {
  if (!shapesEqual(output.shape, cotangent.shape)) {
    throw new Error(`gradients: cotangent of shape ${formatShape(cotangent.shape)} does not match the output's shape ${formatShape(output.shape)}`);
  }
  const capture = new Map<Tensor, Tensor | null>(inputs.map((input) => [input, null]));
  if (output.requiresGrad) {
    const seed = cotangent.dtype === output.dtype ? cotangent : cotangent.cast(output.dtype);
    runBackward(output, seed, opts, capture);
  }
  return inputs.map((input) => capture.get(input) ?? zerosLike(input));
}
