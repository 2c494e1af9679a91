/**
 * The fused GRU sequence op (src/gru-sequence.ts) against the same layer written with tensor ops:
 * output and first-order gradients (its own backward loop) in float64, both directions, with a
 * cotangent on all five output planes; finite differences to first and second order on random small
 * shapes; float32 against float64; NaN propagation; the shape and dtype errors.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { gradcheck, gradgradcheck, gradients, Generator, randn, tensor, type Tensor } from '@nn/autograd';
import { gruSequence, gruSequenceOps } from '../src/gru-sequence.js';
import { close, leaf } from './sequence-test-helpers.js';

/** Random inputs of one GRU direction: xp [T, N, 3H], whh [3H, H], bhh [3H], h0 [N, H]. */
function inputs(steps: number, batch: number, hidden: number, seed: number, dtype: 'float32' | 'float64' = 'float64'): Tensor[] {
  const rng = new Generator(seed);
  return [
    randn([steps, batch, 3 * hidden], { dtype, rng }).mul(1.5),
    randn([3 * hidden, hidden], { dtype, rng }).mul(0.7),
    randn([3 * hidden], { dtype, rng }).mul(0.5),
    randn([batch, hidden], { dtype, rng }),
  ];
}

const run = (a: Tensor[], reverse: boolean): Tensor => gruSequence(a[0]!, a[1]!, a[2]!, a[3]!, reverse);
const names = ['xp', 'whh', 'bhh', 'h0'];

const shapes = fc.record({
  steps: fc.integer({ min: 1, max: 3 }),
  batch: fc.integer({ min: 1, max: 2 }),
  hidden: fc.integer({ min: 1, max: 2 }),
  reverse: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
});

describe('gruSequence', () => {
  for (const reverse of [false, true]) {
    test(`output and gradients equal the tensor-op form (float64, ${reverse ? 'reverse' : 'forward'})`, () => {
      const fused = inputs(5, 3, 4, 7).map(leaf);
      const ops = fused.map(leaf);
      const y = run(fused, reverse);
      const reference = gruSequenceOps(reverse, ops[0]!, ops[1]!, ops[2]!, ops[3]!);
      expect(y.shape).toEqual([5, 5, 3, 4]);
      close(y, reference, 1e-13, 'output');
      const cotangent = randn(y.shape, { dtype: 'float64', rng: new Generator(3) });
      const got = gradients(y, fused, cotangent);
      const expected = gradients(reference, ops, cotangent);
      names.forEach((name, k) => close(got[k]!, expected[k]!, 1e-12, `gradient of ${name}`));
    });
  }

  propTest.prop([shapes], { numRuns: 8 })('finite differences, first and second order (float64)', ({ steps, batch, hidden, reverse, seed }) => {
    const f = (...a: Tensor[]): Tensor => run(a, reverse);
    const xs = inputs(steps, batch, hidden, seed);
    for (const check of [gradcheck, gradgradcheck]) {
      const report = check(f, xs);
      expect(report.ok, report.message).toBe(true);
    }
  });

  test('float32 follows float64', () => {
    const x64 = inputs(6, 4, 8, 21).map(leaf);
    const x32 = x64.map((t) => leaf(t.cast('float32')));
    for (const reverse of [false, true]) {
      const y64 = run(x64, reverse);
      const y32 = run(x32, reverse);
      expect(y32.dtype).toBe('float32');
      close(y32, y64, 1e-5, 'output');
      const g = randn(y64.shape, { dtype: 'float64', rng: new Generator(5) });
      const g64 = gradients(y64, x64, g);
      const g32 = gradients(y32, x32, g.cast('float32'));
      names.forEach((name, k) => close(g32[k]!, g64[k]!, 2e-3, `gradient of ${name}`));
    }
  });

  test('NaN propagates from its step on, and not before', () => {
    const [xp, whh, bhh, h0] = inputs(4, 1, 2, 9);
    const data = xp!.data().slice();
    data[2 * 6] = NaN; // step 2, row 0, gate r, unit 0
    const h = run([tensor(data, { shape: xp!.shape, dtype: 'float64' }), whh!, bhh!, h0!], false).data().slice(0, 8);
    expect(Array.from(h.slice(0, 4)).every(Number.isFinite)).toBe(true);
    expect(Number.isNaN(h[4])).toBe(true);
    expect(Number.isFinite(h[5])).toBe(true);
    expect(Array.from(h.slice(6, 8)).every(Number.isNaN)).toBe(true);
  });

  test('shapes and dtypes that do not fit are named', () => {
    const [xp, whh, bhh, h0] = inputs(2, 3, 2, 1);
    expect(() => gruSequence(xp!.reshape([6, 6]), whh!, bhh!, h0!, false)).toThrow('gruSequence: expected xp [T, N, 3H] (T >= 1), whh [3H, H], bhh [3H], h0 [N, H]; got xp [6,6], whh [6,2], bhh [6], h0 [3,2]');
    expect(() => gruSequence(xp!, whh!, bhh!.reshape([2, 3]), h0!, false)).toThrow('bhh [2,3]');
    expect(() => gruSequence(xp!, whh!, bhh!, h0!.reshape([2, 3]), false)).toThrow('h0 [2,3]');
    expect(() => gruSequence(xp!, whh!, bhh!, h0!.cast('float32'), false)).toThrow('gruSequence: xp, whh, bhh and h0 must share one float dtype, got float64, float64, float64, float32');
  });
});
