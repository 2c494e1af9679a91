/**
 * Every layer and loss against PyTorch 1.13 in float64 (test/fixtures/layers.json, written by
 * test/fixtures/layers.py): forward values and the gradients of inputs and parameters, to 1e-10
 * relative.
 */
import { afterAll, describe, expect, test } from 'vitest';
import type { DType, Tensor } from '@nn/autograd';
import {
  BatchNorm1d,
  Dense,
  Flatten,
  GELU,
  LayerNorm,
  LeakyReLU,
  LogSoftmax,
  Module,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  erf,
  huberLoss,
  l1Loss,
  mseLoss,
  nllLoss,
  normalCdf,
} from '@nn/layers';
import { decode, expectClose, fixture, worst, type Encoded, type LayerCase } from './fixture.js';

type Options = Record<string, unknown>;

/** Builds a layer from the generator's description, in float64 (or float32). */
function build(layer: string, args: readonly unknown[], dtype: DType = 'float64'): Module {
  const withDtype = (options: unknown): Options => ({ ...(options as Options | undefined), dtype });
  const [a, b, c] = args;
  switch (layer) {
    case 'Dense':
      return new Dense(a as number, b as number, withDtype(c));
    case 'ReLU':
      return new ReLU();
    case 'LeakyReLU':
      return new LeakyReLU(...(args as [number?]));
    case 'GELU':
      return new GELU(a as Options | undefined);
    case 'Sigmoid':
      return new Sigmoid();
    case 'Tanh':
      return new Tanh();
    case 'Softmax':
      return new Softmax(...(args as [number?]));
    case 'LogSoftmax':
      return new LogSoftmax(...(args as [number?]));
    case 'Flatten':
      return new Flatten();
    case 'LayerNorm':
      return new LayerNorm(a as number[], withDtype(b));
    case 'BatchNorm1d':
      return new BatchNorm1d(a as number, withDtype(b));
    case 'Sequential':
      return new Sequential((a as [string, unknown[]][]).map(([name, inner]) => build(name, inner, dtype)));
    default:
      throw new Error(`no builder for ${layer}`);
  }
}

const decodeAll = (encoded: Record<string, Encoded>): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(encoded).map(([name, t]) => [name, decode(t)]));

/** Runs one forward and backward step and compares output and gradients. */
function check(module: Module, step: { input: Encoded; output: Encoded; cotangent: Encoded; grads: Record<string, Encoded> }, where: string): void {
  const x = decode(step.input, true);
  module.zeroGrad();
  const y = module.call(x);
  expectClose(y, step.output, `${where}: output`);
  y.backward(decode(step.cotangent));
  const params = new Map(module.namedParameters());
  for (const [name, expected] of Object.entries(step.grads)) {
    const actual = name === 'input' ? x.grad : (params.get(name)?.grad ?? null);
    expectClose(actual, expected, `${where}: gradient of ${name}`);
  }
}

afterAll(() => {
  console.info(`layers vs PyTorch ${fixture.torch}: worst relative error ${worst.error.toExponential(2)} (${worst.where})`);
});

describe('special functions against torch.erf and torch.special.ndtr', () => {
  test('erf and the normal CDF, tails included', () => {
    const x = decode(fixture.special.x);
    expectClose(erf(x), fixture.special.erf, 'erf');
    expectClose(normalCdf(x), fixture.special.normalCdf, 'normalCdf');
  });
});

describe('layers against PyTorch', () => {
  test.each(fixture.layers.map((c): [string, LayerCase] => [c.name, c]))('%s', (name, c) => {
    const module = build(c.layer, c.args);
    module.loadStateDict(decodeAll(c.params));
    check(module, c, name);
  });
});

describe('float32 layers against the same PyTorch values', () => {
  // float32 computes in float32 throughout: agreement to about 1e-6 relative is what it can give.
  test.each(fixture.layers.map((c): [string, LayerCase] => [c.name, c]))('%s', (name, c) => {
    const module = build(c.layer, c.args, 'float32');
    const cast = (t: Encoded): Tensor => decode(t).cast('float32');
    module.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, t]) => [k, cast(t)])));
    const x = cast(c.input);
    x.requiresGrad = true;
    const y = module.call(x);
    expect(y.dtype).toBe('float32');
    y.backward(cast(c.cotangent));
    const close = (actual: Tensor, expected: Encoded, what: string): void => {
      const values = actual.data();
      expected.data.forEach((e, i) => {
        if (!(Math.abs(values[i]! - e) <= 1e-5 * (1 + Math.abs(e)))) throw new Error(`${name}: ${what} element ${i} is ${values[i]}, PyTorch's ${e}`);
      });
    };
    close(y, c.output, 'output');
    close(x.grad!, c.grads.input!, 'input gradient');
  });
});

describe('BatchNorm1d against PyTorch', () => {
  test.each(fixture.batchNorm.map((c) => [c.name, c] as const))('%s: two training steps, running statistics, evaluation', (name, c) => {
    const bn = build('BatchNorm1d', c.args) as BatchNorm1d;
    // Parameters from the fixture, buffers at their initial values (as PyTorch's were).
    bn.loadStateDict(decodeAll(c.params), { strict: false });
    c.train.forEach((step, i) => check(bn, step, `${name}, training step ${i + 1}`));
    if (c.runningMean !== undefined) {
      expectClose(bn.runningMean, c.runningMean, `${name}: runningMean`);
      expectClose(bn.runningVar, c.runningVar!, `${name}: runningVar`);
      expect(bn.numBatchesTracked!.item()).toBe(c.numBatchesTracked);
    } else {
      expect(bn.buffers()).toEqual([]);
    }
    bn.eval();
    check(bn, c.eval, `${name}, evaluation`);
  });
});

type LossFunction = (input: Tensor, target: Tensor, options: Options) => Tensor;
const lossFunctions: Record<string, LossFunction> = {
  mseLoss,
  l1Loss,
  huberLoss,
  crossEntropy,
  nllLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
};

describe('losses against PyTorch', () => {
  test.each(fixture.losses.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const input = decode(c.input, true);
    const target = decode(c.target, 'target' in c.grads);
    const loss = lossFunctions[c.loss]!(input, target, { ...c.options, ...decodeAll(c.tensorOptions) });
    expectClose(loss, c.output, `${name}: value`);
    loss.backward(c.cotangent === null ? undefined : decode(c.cotangent));
    expectClose(input.grad, c.grads.input!, `${name}: gradient of the input`);
    if (c.grads.target !== undefined) expectClose(target.grad, c.grads.target, `${name}: gradient of the target`);
  });
});
