/**
 * The fused LSTM sequence op (src/lstm-sequence.ts) against the same layer written with tensor ops:
 * output and first-order gradients (its own backward loop) in float64, both directions, with a
 * cotangent on all six output planes; finite differences to first and second order on random small
 * shapes; float32 against float64; NaN propagation; the shape and dtype errors.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { gradcheck, gradgradcheck, gradients, Generator, randn, tensor, type Tensor } from '@nn/autograd';
import { lstmSequence, lstmSequenceOps } from '../src/lstm-sequence.js';
import { close, leaf } from './sequence-test-helpers.js';

/** Random inputs of one LSTM direction: xp [T, N, 4H], whh [4H, H], h0, c0 [N, H]. */
function inputs(steps: number, batch: number, hidden: number, seed: number, dtype: 'float32' | 'float64' = 'float64'): Tensor[] {
  const rng = new Generator(seed);
  return [
    randn([steps, batch, 4 * hidden], { dtype, rng }).mul(1.5),
    randn([4 * hidden, hidden], { dtype, rng }).mul(0.7),
    randn([batch, hidden], { dtype, rng }),
    randn([batch, hidden], { dtype, rng }),
  ];
}

const shapes = fc.record({
  steps: fc.integer({ min: 1, max: 3 }),
  batch: fc.integer({ min: 1, max: 2 }),
  hidden: fc.integer({ min: 1, max: 2 }),
  reverse: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
});

describe('lstmSequence', () => {
  for (const reverse of [false, true]) {
    test(`output and gradients equal the tensor-op form (float64, ${reverse ? 'reverse' : 'forward'})`, () => {
      const fused = inputs(5, 3, 4, 7).map(leaf);
      const ops = fused.map(leaf);
      const y = lstmSequence(fused[0]!, fused[1]!, fused[2]!, fused[3]!, reverse);
      const reference = lstmSequenceOps(reverse, ops[0]!, ops[1]!, ops[2]!, ops[3]!);
      expect(y.shape).toEqual([6, 5, 3, 4]);
      close(y, reference, 1e-13, 'output');
      const cotangent = randn(y.shape, { dtype: 'float64', rng: new Generator(3) });
      const got = gradients(y, fused, cotangent);
      const expected = gradients(reference, ops, cotangent);
      ['xp', 'whh', 'h0', 'c0'].forEach((name, k) => close(got[k]!, expected[k]!, 1e-12, `gradient of ${name}`));
    });
  }

  propTest.prop([shapes], { numRuns: 8 })('finite differences, first and second order (float64)', ({ steps, batch, hidden, reverse, seed }) => {
    const f = (...a: Tensor[]): Tensor => lstmSequence(a[0]!, a[1]!, a[2]!, a[3]!, reverse);
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
      const y64 = lstmSequence(x64[0]!, x64[1]!, x64[2]!, x64[3]!, reverse);
      const y32 = lstmSequence(x32[0]!, x32[1]!, x32[2]!, x32[3]!, reverse);
      expect(y32.dtype).toBe('float32');
      close(y32, y64, 1e-5, 'output');
      const g = randn(y64.shape, { dtype: 'float64', rng: new Generator(5) });
      const g64 = gradients(y64, x64, g);
      const g32 = gradients(y32, x32, g.cast('float32'));
      ['xp', 'whh', 'h0', 'c0'].forEach((name, k) => close(g32[k]!, g64[k]!, 2e-3, `gradient of ${name}`));
    }
  });

  test('sigmoid and tanh of float32 storage, from small to infinite pre-activations', () => {
    // With h0 = 0 a step's pre-activations are xp alone: gate i (sigmoid) lands in plane 2, g (tanh) in plane 4.
    const values = [0, 1e-9, -3e-5, 1e-4, -2e-4, 9e-4, 1.1e-3, -0.3, 0.55, 1, -4, 19, -20, 40, 88, -88, 103, -103, 200, -800, Infinity, -Infinity];
    const width = values.length;
    const [, whh, h0, c0] = inputs(1, 1, width, 1, 'float32');
    const pre = new Float32Array(4 * width);
    values.forEach((v, j) => { pre[j] = v; pre[2 * width + j] = v; });
    const y = lstmSequence(tensor(pre, { shape: [1, 1, 4 * width], dtype: 'float32' }), whh!, h0!.mul(0), c0!, false).data();
    const expectRounded = (got: number, exact: number, what: string): void => {
      // Within an ulp of float32 (2^-23 relative, 2^-149 absolute for subnormals) of the correctly rounded value.
      expect(Math.abs(got - Math.fround(exact)), what).toBeLessThanOrEqual(Math.max(2 ** -23 * Math.abs(exact), 2 ** -149));
    };
    values.forEach((v, j) => {
      expectRounded(y[2 * width + j]!, 1 / (1 + Math.exp(-v)), `sigmoid(${v})`);
      expectRounded(y[4 * width + j]!, Math.tanh(v), `tanh(${v})`);
    });
    // NaN in, NaN out.
    const nan = new Float32Array(4).fill(NaN);
    const [, w1, h1, c1] = inputs(1, 1, 1, 1, 'float32');
    expect(Array.from(lstmSequence(tensor(nan, { shape: [1, 1, 4], dtype: 'float32' }), w1!, h1!.mul(0), c1!, false).data()).every(Number.isNaN)).toBe(true);
  });

  test('NaN propagates from its step on, and not before', () => {
    const [xp, whh, h0, c0] = inputs(4, 1, 2, 9);
    const data = xp!.data().slice();
    data[2 * 8] = NaN; // step 2, row 0, gate i, unit 0
    const withNaN = tensor(data, { shape: xp!.shape, dtype: 'float64' });
    const h = lstmSequence(withNaN, whh!, h0!, c0!, false).data().slice(0, 8);
    expect(Array.from(h.slice(0, 4)).every(Number.isFinite)).toBe(true);
    expect(Number.isNaN(h[4])).toBe(true);
    expect(Array.from(h.slice(6, 8)).every(Number.isNaN)).toBe(true);
  });

  test('shapes and dtypes that do not fit are named', () => {
    const [xp, whh, h0, c0] = inputs(2, 3, 2, 1);
    expect(() => lstmSequence(xp!.reshape([6, 8]), whh!, h0!, c0!, false)).toThrow('lstmSequence: expected xp [T, N, 4H] (T >= 1), whh [4H, H], h0 and c0 [N, H]; got xp [6,8], whh [8,2], h0 [3,2], c0 [3,2]');
    expect(() => lstmSequence(xp!, whh!, h0!.reshape([2, 3]), c0!, false)).toThrow('got xp [2,3,8], whh [8,2], h0 [2,3], c0 [3,2]');
    expect(() => lstmSequence(xp!, whh!.reshape([4, 4]), h0!, c0!, false)).toThrow('whh [4,4]');
    expect(() => lstmSequence(xp!, whh!, h0!, c0!.cast('float32'), false)).toThrow('lstmSequence: xp, whh, h0 and c0 must share one float dtype, got float64, float64, float64, float32');
  });
});
