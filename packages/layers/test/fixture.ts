/**
 * The PyTorch reference values written by test/fixtures/layers.py, and the comparison the tests make
 * against them: relative error per element.
 */
import { readFileSync } from 'node:fs';
import { tensor, type Tensor } from '@nn/autograd';

/** A tensor as the generator writes it. */
export interface Encoded {
  shape: number[];
  data: number[];
}

export interface LayerCase {
  name: string;
  layer: string;
  args: unknown[];
  input: Encoded;
  params: Record<string, Encoded>;
  output: Encoded;
  cotangent: Encoded;
  grads: Record<string, Encoded>;
}

export interface BatchNormStep {
  input: Encoded;
  output: Encoded;
  cotangent: Encoded;
  grads: Record<string, Encoded>;
}

export interface BatchNormCase {
  name: string;
  args: unknown[];
  params: Record<string, Encoded>;
  train: BatchNormStep[];
  eval: BatchNormStep;
  runningMean?: Encoded;
  runningVar?: Encoded;
  numBatchesTracked?: number;
}

export interface LossCase {
  name: string;
  loss: string;
  options: Record<string, unknown>;
  tensorOptions: Record<string, Encoded>;
  input: Encoded;
  target: Encoded;
  output: Encoded;
  cotangent: Encoded | null;
  grads: Record<string, Encoded>;
}

export interface Fixture {
  torch: string;
  special: { x: Encoded; erf: Encoded; normalCdf: Encoded };
  layers: LayerCase[];
  batchNorm: BatchNormCase[];
  losses: LossCase[];
}

export const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/layers.json', import.meta.url), 'utf8')) as Fixture;

/** A float64 tensor holding exactly the recorded values. */
export function decode(encoded: Encoded, requiresGrad = false): Tensor {
  return tensor(Float64Array.from(encoded.data), { shape: encoded.shape, dtype: 'float64', requiresGrad });
}

/** The tolerance the brief asks for: 1e-10 relative. */
export const RELATIVE_TOLERANCE = 1e-10;

/**
 * The error is |actual - expected| / max(|expected|, ABSOLUTE_FLOOR): plain relative error (the floor
 * only keeps 0 against 0 well defined). With the recorded cases no value needs a larger floor; a
 * regenerated fixture whose gradient cancels to ~1e-17 would, and should say so here.
 */
export const ABSOLUTE_FLOOR = 1e-300;

/** The worst relative error seen over all comparisons, with where it happened. */
export const worst = { error: 0, where: '' };

/** Compares a tensor with recorded values: same shape, every element within the tolerance. */
export function expectClose(actual: Tensor | null, expected: Encoded, where: string): void {
  if (actual === null) throw new Error(`${where}: no tensor (expected shape [${expected.shape.join(',')}])`);
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    throw new Error(`${where}: shape [${actual.shape.join(',')}] differs from PyTorch's [${expected.shape.join(',')}]`);
  }
  const values = actual.data();
  expected.data.forEach((e, i) => {
    const a = values[i]!;
    const error = Math.abs(a - e) / Math.max(Math.abs(e), ABSOLUTE_FLOOR);
    if (!(error <= RELATIVE_TOLERANCE)) {
      throw new Error(`${where}: element ${i} is ${a}, PyTorch's is ${e} (relative error ${error.toExponential(2)})`);
    }
    if (error > worst.error) {
      worst.error = error;
      worst.where = `${where}, element ${i}`;
    }
  });
}
