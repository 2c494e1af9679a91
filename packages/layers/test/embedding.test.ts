/**
 * Embedding and embedding: PyTorch's values and gradients (test/fixtures/rnn.py), gradcheck and
 * gradgradcheck in float64, init, paddingIdx, and the errors.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Generator, tensor, type Tensor } from '@nn/autograd';
import { gradcheckProperty, tensorArb, type GradcheckCase } from '@nn/autograd/testing';
import { Embedding, embedding } from '@nn/layers';
import { readFileSync } from 'node:fs';
import { decode, type Encoded } from './fixture.js';

interface EmbeddingCase {
  name: string;
  args: [number, number];
  options: { paddingIdx?: number };
  state: Record<string, Encoded>;
  indices: Encoded;
  output: Encoded;
  cotangent: Encoded;
  grads: { weight: Encoded };
}
const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/rnn.json', import.meta.url), 'utf8')) as { embedding: EmbeddingCase[] };

function expectClose(actual: Tensor, expected: Encoded, what: string): void {
  expect(actual.shape, what).toEqual(expected.shape);
  const a = actual.data();
  expected.data.forEach((e, i) => {
    const err = Math.abs(a[i]! - e) / Math.max(Math.abs(e), 1e-300);
    if (err > 1e-12) throw new Error(`${what}[${i}]: ${a[i]} vs PyTorch ${e} (relative error ${err})`);
  });
}

const ids = (values: number[] | number, shape: number[]): Tensor => tensor(Array.isArray(values) ? values : [values], { shape, dtype: 'int32' });

describe('Embedding against PyTorch', () => {
  for (const c of fixture.embedding) {
    test(c.name, () => {
      const layer = new Embedding(c.args[0], c.args[1], { ...c.options, dtype: 'float64' });
      layer.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, decode(v)])), { strict: true });
      const indices = tensor(c.indices.data, { shape: c.indices.shape, dtype: 'int32' });
      const out = layer.forward(indices);
      expectClose(out, c.output, `${c.name}: output`);
      out.mul(decode(c.cotangent)).sum().backward();
      expectClose(layer.weight.grad!, c.grads.weight, `${c.name}: weight gradient`);
    });
  }
});

describe('Embedding', () => {
  test('init is N(0, 1) as PyTorch, with the padding row zero', () => {
    const layer = new Embedding(400, 50, { paddingIdx: -2, rng: new Generator(3), dtype: 'float64' });
    expect(layer.paddingIdx).toBe(398);
    const w = Array.from(layer.weight.data());
    expect(w.slice(398 * 50, 399 * 50).every((v) => v === 0)).toBe(true);
    const rest = w.filter((_, i) => Math.floor(i / 50) !== 398);
    const mean = rest.reduce((s, v) => s + v, 0) / rest.length;
    const variance = rest.reduce((s, v) => s + (v - mean) ** 2, 0) / rest.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(Object.keys(layer.stateDict())).toEqual(['weight']);
  });

  test('the padding row gets no gradient, while repeated ids add up', () => {
    const layer = new Embedding(3, 2, { paddingIdx: 1, dtype: 'float64' });
    layer.forward(ids([1, 2, 2, 1, 0], [5])).sum().backward();
    expect(Array.from(layer.weight.grad!.data())).toEqual([1, 1, 0, 0, 2, 2]);
  });

  test('errors name the layer, the id and its position', () => {
    const layer = new Embedding(4, 2);
    expect(() => layer.forward(ids([0, 1, 2, 4, 1, 0], [2, 3]))).toThrow('Embedding(4, 2): token id 4 at position [1,0] of indices of shape [2,3] is out of range [0, 3] (numEmbeddings = 4)');
    expect(() => layer.forward(ids([-1], [1]))).toThrow('token id -1 at position [0] ');
    expect(() => layer.forward(tensor([0, 1]))).toThrow('Embedding(4, 2): indices must be an int32 tensor of token ids, got float32');
    expect(() => embedding(ids([0], [1]), tensor([1, 2, 3]))).toThrow('embedding: weight must be 2-D [numEmbeddings, embeddingDim], got shape [3]');
    expect(() => new Embedding(4, 2, { paddingIdx: 4 })).toThrow('Embedding(4, 2): paddingIdx must be in [-4, 3]');
    expect(() => new Embedding(0, 2)).toThrow('Embedding: numEmbeddings must be an integer >= 1');
  });
});

describe('embedding gradients', () => {
  const cases = fc
    .record({
      rows: fc.integer({ min: 1, max: 4 }),
      dim: fc.integer({ min: 1, max: 3 }),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
    })
    .chain(({ rows, dim, picks }) =>
      tensorArb([rows, dim]).map((weight): GradcheckCase => {
        const indices = ids(picks.map((p) => p % rows), [picks.length]);
        return { f: (w: Tensor) => embedding(indices, w).square(), inputs: [weight] };
      }),
    );
  // paddingIdx is left out on purpose: its zero gradient is PyTorch's rule, not the derivative.
  test('gradcheck and gradgradcheck, with repeated ids', () => {
    fc.assert(gradcheckProperty(cases), { numRuns: 20 });
  });
});
