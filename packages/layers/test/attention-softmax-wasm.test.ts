/**
 * Attention's softmax kernels on WebAssembly SIMD (src/kernels/softmax-wasm.ts), which compute in
 * float32 on four lanes, against the JavaScript loops (src/kernels/attention-softmax.ts), which compute
 * in float64 and round once. The exponential's polynomial and each float32 rounding put the weights a
 * few float32 ulps of 1 apart: the tests allow 2^-21 absolute (weights lie in [0, 1]), and the gradient
 * 2^-20 of its terms' scale. The mask's rows repeat over the rows of x; -Infinity in the mask gives
 * weights of exactly 0, and a row that is all -Infinity, or holds NaN, is NaN, as in the loops.
 * Without a mask, rows of any length (padded in memory with -Infinity), and each row's shift and
 * sum of exponentials (the cross-entropy's log-sum-exp) match the loop's.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { simdWasmApi } from '@nn/autograd/wasm';
import { maskedSoftmaxRows, softmaxRowsGradient } from '../src/kernels/attention-softmax.js';
import { logitLoss } from '../src/kernels/cross-entropy.js';
import { maskedSoftmaxRowsWasm, softmaxRowsGradientWasm } from '../src/kernels/softmax-wasm.js';

const score = fc.oneof(
  { weight: 8, arbitrary: fc.float({ min: -20, max: 20, noNaN: true }) },
  { weight: 1, arbitrary: fc.float({ min: -1e4, max: 1e4, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, -87, -88, -90, -200) },
);

const layouts = fc.record({
  rows: fc.integer({ min: 1, max: 6 }),
  vectors: fc.integer({ min: 1, max: 6 }),
  maskRows: fc.constantFrom(0, 1, 2, 3),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

/** Values drawn from `pool`, spread by a cheap hash of the index and `seed`. */
const spread = (length: number, pool: readonly number[], seed: number): Float32Array =>
  Float32Array.from({ length }, (_, i) => pool[(i * 7 + seed + (i >> 2)) % pool.length]!);

describe.skipIf(simdWasmApi() === undefined)('attention softmax rows on WebAssembly', () => {
  propTest.prop([layouts, fc.array(score, { minLength: 1, maxLength: 64 }), fc.array(fc.constantFrom(0, 0, 0, -1, 2.5, -Infinity), { minLength: 1, maxLength: 16 })])(
    "forward: the JavaScript loop's weights within 2^-21, with the mask's rows in turn", ({ rows, vectors, maskRows, seed }, scores, maskValues) => {
      const length = 4 * vectors;
      const x = spread(rows * length, scores, seed);
      // A row of the mask keeps its first key, so that no row is masked out entirely (that case is below).
      const mask = maskRows === 0 ? null : spread(maskRows * length, maskValues, seed).map((v, i) => (i % length === 0 ? 0 : v));
      const expected = new Float32Array(x.length);
      maskedSoftmaxRows(expected, x, mask, rows, length, Math.max(maskRows, 1));
      const actual = new Float32Array(x.length).fill(7);
      expect(maskedSoftmaxRowsWasm(actual, x, mask, rows, length, Math.max(maskRows, 1))).toBe(true);
      for (let k = 0; k < x.length; k++) {
        expect(Math.abs(actual[k]! - expected[k]!)).toBeLessThanOrEqual(2 ** -21);
        if (expected[k] === 0 && mask !== null && mask[(Math.floor(k / length) % maskRows) * length + (k % length)] === -Infinity) expect(actual[k]).toBe(0);
      }
    });

  propTest.prop([layouts, fc.array(score, { minLength: 1, maxLength: 64 })])(
    "gradient: the JavaScript loop's within 2^-20 of the terms' scale", ({ rows, vectors, seed }, scores) => {
      const length = 4 * vectors;
      const y = new Float32Array(rows * length);
      maskedSoftmaxRows(y, spread(rows * length, scores, seed), null, rows, length, 1);
      const g = spread(rows * length, scores, seed + 3).map((v) => v / 10);
      const expected = new Float32Array(y.length);
      softmaxRowsGradient(expected, g, y, rows, length);
      const actual = new Float32Array(y.length).fill(7);
      expect(softmaxRowsGradientWasm(actual, g, y, rows, length)).toBe(true);
      const scale = Math.max(1, ...Array.from(g, Math.abs));
      for (let k = 0; k < y.length; k++) expect(Math.abs(actual[k]! - expected[k]!)).toBeLessThanOrEqual(2 ** -20 * scale);
    });

  test('a row masked out entirely, or holding NaN, is NaN; the others are not', () => {
    const x = Float32Array.from([1, 2, 3, 4, 1, NaN, 3, 4, 1, 2, 3, 4]);
    const mask = Float32Array.from([0, 0, -Infinity, 0, 0, 0, 0, 0, -Infinity, -Infinity, -Infinity, -Infinity]);
    const out = new Float32Array(12);
    expect(maskedSoftmaxRowsWasm(out, x, mask, 3, 4, 3)).toBe(true);
    const e = [Math.E ** 1, Math.E ** 2, Math.E ** 4];
    const total = e[0]! + e[1]! + e[2]!;
    expect(Array.from(out.subarray(0, 4)).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([e[0]! / total, e[1]! / total, 0, e[2]! / total].map((v) => Math.round(v * 1e6) / 1e6));
    expect(out[2]).toBe(0);
    expect(Array.from(out.subarray(4)).every(Number.isNaN)).toBe(true);
  });

  propTest.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 13 }), fc.array(score, { minLength: 1, maxLength: 64 }), fc.integer({ min: 0, max: 1e6 })])(
    "without a mask, rows of any length: the loop's weights, and a cross-entropy from the rows' shifts and sums within 2^-20 of the loop's", (rows, length, scores, seed) => {
      const x = spread(rows * length, scores, seed);
      const expected = new Float32Array(x.length);
      maskedSoftmaxRows(expected, x, null, rows, length, 1);
      const actual = new Float32Array(x.length).fill(7);
      const stats = new Float64Array(2 * rows);
      expect(maskedSoftmaxRowsWasm(actual, x, null, rows, length, 1, stats)).toBe(true);
      for (let k = 0; k < x.length; k++) expect(Math.abs(actual[k]! - expected[k]!)).toBeLessThanOrEqual(2 ** -21);
      // One-hot targets on a class drawn per row: the loss from the stats against the loop's own.
      const t = new Float32Array(x.length);
      for (let r = 0; r < rows; r++) t[r * length + ((r * 5 + seed) % length)] = 1;
      const loss = logitLoss(t, x, rows, length);
      expect(Math.abs(logitLoss(t, x, rows, length, stats) - loss)).toBeLessThanOrEqual(2 ** -20 * Math.max(1, Math.abs(loss)));
    });

  test('declines float64, masked rows that are not whole vectors and empty inputs, leaving out alone', () => {
    const out = new Float32Array(6).fill(7);
    expect(maskedSoftmaxRowsWasm(out, new Float32Array(6), new Float32Array(3), 2, 3, 1)).toBe(false);
    expect(maskedSoftmaxRowsWasm(out, new Float32Array(0), null, 0, 4, 1)).toBe(false);
    expect(softmaxRowsGradientWasm(out, new Float32Array(6), new Float32Array(6), 1, 6)).toBe(false);
    expect(Array.from(out)).toEqual([7, 7, 7, 7, 7, 7]);
    const out64 = new Float64Array(4).fill(7);
    expect(maskedSoftmaxRowsWasm(out64, new Float64Array(4), null, 1, 4, 1)).toBe(false);
    expect(Array.from(out64)).toEqual([7, 7, 7, 7]);
  });
});
