/** The public testing utilities: arbitraries that keep their promises, and a property that can fail. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { broadcastShapes, defineOp, type Tensor } from '../src/index.js';
import { broadcastPairArb, gradcheckProperty, shapeArb, tensorArb, tensorPairArb } from '../src/testing.js';

const values = (t: Tensor): number[] => Array.from(t.data());

describe('arbitraries', () => {
  test('shapes respect their bounds', () => {
    fc.assert(fc.property(shapeArb({ minRank: 1, maxRank: 3, maxDim: 5 }), (shape) => {
      expect(shape.length).toBeGreaterThanOrEqual(1);
      expect(shape.length).toBeLessThanOrEqual(3);
      shape.forEach((dim) => expect(dim >= 1 && dim <= 5).toBe(true));
    }));
  });

  test('broadcast pairs broadcast together (how often both sides broadcast: sampling.test.ts)', () => {
    fc.assert(fc.property(broadcastPairArb({ maxDim: 5 }), ([a, b]) => {
      const out = broadcastShapes(a, b, 'test');
      [a, b].forEach((s) => s.forEach((dim) => expect(dim >= 1 && dim <= 5).toBe(true)));
      expect(out.length).toBe(Math.max(a.length, b.length));
    }));
  });

  test('domains keep clear of edges and kinks', () => {
    fc.assert(fc.property(tensorArb(shapeArb(), { domain: 'positive' }), (t) => values(t).forEach((v) => expect(v >= 0.1 && v <= 3).toBe(true))));
    fc.assert(fc.property(tensorArb([20], { domain: 'awayFromZero' }), (t) => values(t).forEach((v) => expect(Math.abs(v) >= 0.05).toBe(true))));
    fc.assert(fc.property(tensorPairArb({ domain: 'distinct' }), ([a, b]) => {
      const all = [...values(a), ...values(b)].sort((p, q) => p - q);
      all.slice(1).forEach((v, i) => expect(v - all[i]!).toBeGreaterThanOrEqual(0.05));
    }));
    fc.assert(fc.property(tensorArb([3], { dtype: 'float32' }), (t) => {
      expect(t.dtype).toBe('float32');
    }));
  });
});

describe('gradcheckProperty', () => {
  const softplus = defineOp({
    name: 'softplus',
    forward: (x) => x.exp().add(1).log(),
    backward: (g, { inputs: [x] }) => [g.mul(x!.sigmoid())],
  });

  test('passes a correct custom op', () => {
    fc.assert(gradcheckProperty(softplus, [tensorArb()]), { numRuns: 30 });
  });

  test('fails a wrong one, with the report and a replayable seed', () => {
    const wrong = defineOp({
      name: 'wrongSoftplus',
      forward: (x) => x.exp().add(1).log(),
      backward: (g, { inputs: [x] }) => [g.mul(x!.tanh())],
    });
    let message = '';
    try {
      fc.assert(gradcheckProperty(wrong, [tensorArb()]), { numRuns: 30, seed: 7 });
    } catch (error) {
      // fast-check's error names the seed; the gradcheck report is its cause.
      message = `${String(error)}\n${String((error as Error).cause)}`;
    }
    expect(message).toMatch(/seed: 7/);
    expect(message).toMatch(/gradcheck failed: \d+ Jacobian entries differ for input 0/);
  });
});
