/**
 * The PyTorch fixture of qr, eigh, svd, svdvals and pinv (test/fixtures/linalg-spectral.json, written
 * by test/fixtures/linalg-spectral.py), and the comparison its tests make: float64, 1e-10 relative.
 */
import { readFileSync } from 'node:fs';
import { gradients, tensor, type Tensor } from '@nn/autograd';
import { expectClose } from '../../../test/close.js';

/** A tensor as the fixture writes it (NaN and the infinities as strings). */
export interface Encoded {
  shape: number[];
  data: (number | string)[];
}

/**
 * The fixture, its cases loosely typed: each test file names the fields it reads (the few that are not
 * tensors, such as a mode, it reads with a cast).
 */
export const spectralFixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/linalg-spectral.json', import.meta.url), 'utf8')) as Record<
  'qr' | 'eigh' | 'svd' | 'svdvals' | 'pinv',
  Record<string, Encoded>[]
>;

/** A float64 tensor of an encoded one. */
export function decode(e: Encoded, requiresGrad = false): Tensor {
  return tensor(Float64Array.from(e.data, Number), { shape: e.shape, dtype: 'float64', requiresGrad });
}

/**
 * Expects `actual` to equal the encoded `expected` in shape and, element by element, to 1e-10
 * relative (and 1e-10 times the largest value absolute, for the elements near 0).
 */
export function expectMatches(actual: Tensor, expected: Encoded, where: string): void {
  if (actual.shape.join() !== expected.shape.join()) throw new Error(`${where}: shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`);
  const values = Float64Array.from(expected.data, Number);
  const largest = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expectClose(actual.data(), values, { atol: 1e-10 * Math.max(largest, 1e-300), rtol: 1e-10 }, where);
}

/**
 * Expects the gradient of `loss` at the case's A to match `grad` and its Hessian-vector product in
 * the case's direction `dir` (the gradient of <grad, dir>, through a recorded backward) to match
 * `hvp`, PyTorch's double backward.
 */
export function expectGradientAndHvp(loss: (a: Tensor) => Tensor, c: Record<string, Encoded>, grad: string, hvp: string): void {
  const a = decode(c.a!, true);
  const one = tensor(1, { dtype: 'float64' });
  const [g] = gradients(loss(a), [a], one, { createGraph: true });
  expectMatches(g!, c[grad]!, `gradient (${grad})`);
  const [h] = gradients(g!.mul(decode(c.dir!)).sum(), [a], one);
  expectMatches(h!, c[hvp]!, `Hessian-vector product (${hvp})`);
}
