/**
 * The LSTM gate loops (forward and backward) on WebAssembly SIMD (src/kernels/gates-wasm.ts), which
 * compute in float32, against the JavaScript loop (src/kernels/lstm.ts with the 'js' backend), which
 * computes each value in float64 and rounds it once. Every float32 operation rounds, so the two
 * differ by a few float32 ulps of the terms involved: the tests allow 2^-22 (four ulps of 1) for the
 * gates, times the size of the cell state for h and c, and 2^-21 times the size of the gradients (and
 * of the cell) for the backward; measured worst cases were about half of that. NaN and the
 * infinities land where the loop puts them, and the saturated ends are exact.
 */
import fc from 'fast-check';
import { afterEach, describe, expect } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { Generator, getBackend, setBackend } from '@nn/autograd';
import { simdWasmApi } from '@nn/autograd/wasm';
import { lstmStepBackward, lstmStepForward } from '../src/kernels/lstm.js';
import { lstmStepBackwardWasm, lstmStepForwardWasm } from '../src/kernels/gates-wasm.js';

const initialBackend = getBackend();
afterEach(() => setBackend(initialBackend));

/** Pre-activation edge values: zeros, tiny, the exp clamp's neighbourhood, huge, infinite, NaN. */
const EDGES = [0, -0, 1e-4, -1e-4, 1e-3, -1e-3, 20, -20, 44, -44, 87, -87, 88.5, -88.5, 90, -90, 400, -400, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];

/** Numbers in [0, 1) from @nn/autograd's seeded generator (tests replay from their seed). */
function uniform(seed: number): () => number {
  const rng = new Generator(seed);
  return () => rng.uniform();
}

/** `length` float32 values of magnitudes up to `scale`, spread over five decades below it, random signs. */
function values(length: number, seed: number, scale: number): Float32Array {
  const next = uniform(seed);
  return Float32Array.from({ length }, () => (next() * 2 - 1) * scale * 10 ** (-5 * next()));
}

/** The largest |a[k] - e[k]| over k, and the first index where a NaN or an infinity of one is not the other's. */
function compare(a: Float32Array, e: Float32Array): { worst: number; mismatch: number } {
  let worst = 0;
  let mismatch = -1;
  for (let k = 0; k < e.length; k++) {
    if (Number.isFinite(e[k]!) && Number.isFinite(a[k]!)) worst = Math.max(worst, Math.abs(a[k]! - e[k]!));
    else if (!Object.is(a[k], e[k]) && mismatch < 0) mismatch = k;
  }
  return { worst, mismatch };
}

/** The largest |value| of `x`, at least 1. */
const magnitude = (x: Float32Array): number => x.reduce((m, v) => Math.max(m, Math.abs(v)), 1);

/** Runs the forward step on both kernels; returns the two outputs and the plane size. */
function forwardBoth(batch: number, hidden: number, t: number, xp: Float32Array, hp: Float32Array, c: Float32Array) {
  const steps = 3;
  const plane = steps * batch * hidden;
  const at = t * batch * hidden;
  setBackend('js');
  const expected = new Float32Array(6 * plane);
  lstmStepForward({ y: expected, plane, at, batch, hidden }, xp, t * batch * 4 * hidden, hp, 5, c, 7);
  const actual = new Float32Array(6 * plane);
  const ran = lstmStepForwardWasm({ y: actual, plane, at, batch, hidden }, xp, t * batch * 4 * hidden, hp, 5, c, 7);
  return { ran, expected, actual, plane };
}

describe.skipIf(simdWasmApi() === undefined)('lstmStepForwardWasm', () => {
  propTest.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 30, seed: 15 })(
    'within 2^-22 of the JavaScript loop for the gates, 2^-22 |c| for h and c (N, H/4, step, seed)',
    (batch, quarterHidden, t, seed) => {
      const hidden = 4 * quarterHidden;
      const xp = values(3 * batch * 4 * hidden, seed, 30);
      const hp = values(batch * 4 * hidden + 5, seed + 1, 30);
      const c = values(3 * batch * hidden * 6, seed + 2, 20);
      const { ran, expected, actual, plane } = forwardBoth(batch, hidden, t, xp, hp, c);
      expect(ran).toBe(true);
      const gates = compare(actual.subarray(2 * plane), expected.subarray(2 * plane));
      const state = compare(actual.subarray(0, 2 * plane), expected.subarray(0, 2 * plane));
      expect(gates.mismatch).toBe(-1);
      expect(state.mismatch).toBe(-1);
      expect(gates.worst).toBeLessThanOrEqual(2 ** -22);
      expect(state.worst).toBeLessThanOrEqual(2 ** -22 * magnitude(c));
    },
  );

  propTest.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 20, seed: 17 })(
    'edge pre-activations (zeros, the clamp, huge, infinite, NaN): NaN and infinities where the loop has them, the rest within 2^-22',
    (seed) => {
      const [batch, hidden] = [2, 8];
      const next = uniform(seed);
      const edge = (): number => EDGES[Math.floor(next() * EDGES.length)]!;
      const xp = Float32Array.from({ length: 3 * batch * 4 * hidden }, edge);
      const hp = Float32Array.from({ length: batch * 4 * hidden + 5 }, () => (next() < 0.5 ? 0 : edge()));
      const c = values(3 * batch * hidden * 6, seed, 4);
      const { ran, expected, actual } = forwardBoth(batch, hidden, 1, xp, hp, c);
      expect(ran).toBe(true);
      const { worst, mismatch } = compare(actual, expected);
      expect(mismatch, `element ${mismatch}: ${actual[mismatch]} on WebAssembly, ${expected[mismatch]} in JavaScript`).toBe(-1);
      expect(worst).toBeLessThanOrEqual(2 ** -22 * magnitude(c));
    },
  );

  propTest.prop([fc.constant(0)], { numRuns: 1 })('saturates exactly: sigmoid(+-Infinity) is 1 and 0, tanh(+-Infinity) is +-1, tanh(-0) is -0', () => {
    const [batch, hidden] = [1, 4];
    // Units: +Infinity, -Infinity, -0, 0 in every gate.
    const xp = new Float32Array(3 * 4 * hidden);
    for (let gate = 0; gate < 4; gate++) xp.set([Infinity, -Infinity, -0, 0], 4 * hidden + gate * hidden);
    const hp = new Float32Array(4 * hidden + 5).fill(-0);
    const c = new Float32Array(3 * hidden * 6);
    const { actual, plane } = forwardBoth(batch, hidden, 1, xp, hp, c);
    const at = hidden;
    expect(Array.from(actual.subarray(2 * plane + at, 2 * plane + at + 4))).toEqual([1, 0, 0.5, 0.5]); // i
    expect(Array.from(actual.subarray(4 * plane + at, 4 * plane + at + 4))).toEqual([1, -1, -0, 0]); // g
    expect(Object.is(actual[4 * plane + at + 2], -0)).toBe(true);
  });

  propTest.prop([fc.constant(0)], { numRuns: 1 })('declines an H that is not a multiple of 4, and N = 0 (the kernel takes units four at a time)', () => {
    const y = new Float32Array(6 * 6);
    expect(lstmStepForwardWasm({ y, plane: 6, at: 0, batch: 1, hidden: 6 }, new Float32Array(24), 0, new Float32Array(24), 0, new Float32Array(6), 0)).toBe(false);
    expect(lstmStepBackwardWasm({ y, plane: 6, at: 0, batch: 1, hidden: 6 }, y, null, 0, new Float32Array(6), new Float32Array(6), 0, new Float32Array(24), 0)).toBe(false);
    expect(lstmStepForwardWasm({ y, plane: 0, at: 0, batch: 0, hidden: 4 }, new Float32Array(0), 0, new Float32Array(0), 0, new Float32Array(0), 0)).toBe(false);
  });
});

describe.skipIf(simdWasmApi() === undefined)('lstmStepBackwardWasm', () => {
  /** A step's planes from a real forward step (gates in their ranges), and random gradients of magnitude up to `scale`. */
  function backwardBoth(batch: number, hidden: number, t: number, seed: number, scale: number, withDh: boolean, poison = false) {
    const steps = 3;
    const units = batch * hidden;
    const plane = steps * units;
    const c = values(plane + 2, seed + 4, 20);
    const y = new Float32Array(6 * plane);
    setBackend('js');
    lstmStepForward({ y, plane, at: t * units, batch, hidden }, values(steps * batch * 4 * hidden, seed, 10), t * batch * 4 * hidden, values(batch * 4 * hidden, seed + 5, 10), 0, c, 2);
    const gy = values(6 * plane, seed + 1, scale);
    if (poison) gy[t * units + 1] = NaN; // the h gradient of unit 1
    const dh = withDh ? values(units + 3, seed + 2, scale) : null;
    const dc0 = values(units, seed + 3, scale);
    const step = { y, plane, at: t * units, batch, hidden };
    const [dcExpected, dcActual] = [dc0.slice(), dc0.slice()];
    const [expected, actual] = [new Float32Array(steps * batch * 4 * hidden), new Float32Array(steps * batch * 4 * hidden)];
    lstmStepBackward(step, gy, dh, 3, dcExpected, c, 2, expected, t * batch * 4 * hidden);
    const ran = lstmStepBackwardWasm(step, gy, dh, 3, dcActual, c, 2, actual, t * batch * 4 * hidden);
    return { ran, dpre: compare(actual, expected), dc: compare(dcActual, dcExpected), bound: 2 ** -21 * scale * magnitude(c), actual, expected };
  }

  propTest.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.constantFrom(0.01, 1, 100), fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 30, seed: 16 })(
    'dpre and dc within 2^-21 of the JavaScript loop, times the gradients\' and the cell\'s size (N, H/4, step, with dh, scale, seed)',
    (batch, quarterHidden, t, withDh, scale, seed) => {
      const { ran, dpre, dc, bound } = backwardBoth(batch, 4 * quarterHidden, t, seed, scale, withDh);
      expect(ran).toBe(true);
      expect([dpre.mismatch, dc.mismatch]).toEqual([-1, -1]);
      expect(dpre.worst).toBeLessThanOrEqual(bound);
      expect(dc.worst).toBeLessThanOrEqual(bound);
    },
  );

  propTest.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 5, seed: 18 })('a NaN gradient reaches the same entries as in the loop', (seed) => {
    const { ran, dpre, dc, actual } = backwardBoth(2, 8, 1, seed, 1, true, true);
    expect(ran).toBe(true);
    expect([dpre.mismatch, dc.mismatch]).toEqual([-1, -1]);
    expect(actual.some(Number.isNaN)).toBe(true);
  });
});
