/**
 * The GRU forward gate loop on WebAssembly SIMD (src/kernels/gates-wasm.ts), which computes in
 * float32, against the JavaScript loop (src/kernels/gru.ts with the 'js' backend), which computes
 * each value in float64 and rounds it once. Every float32 operation rounds, the sums of the
 * pre-activations first, so the two differ by a few float32 ulps of the terms: the tests allow
 * 2^-22 times the size of the pre-activations' terms (measured worst cases were a quarter of that
 * or less). NaN and the infinities land where the loop puts them, and the saturated ends are exact.
 */
import fc from 'fast-check';
import { afterEach, describe, expect } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { Generator, getBackend, setBackend } from '@nn/autograd';
import { simdWasmApi } from '@nn/autograd/wasm';
import { gruStepForward } from '../src/kernels/gru.js';
import { gruStepForwardWasm } from '../src/kernels/gates-wasm.js';

const initialBackend = getBackend();
afterEach(() => setBackend(initialBackend));

/** Pre-activation edge values: zeros, tiny, the exp clamp's neighbourhood, huge, infinite, NaN. */
const EDGES = [0, -0, 1e-4, -1e-4, 20, -20, 44, -44, 88.5, -88.5, 90, -90, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];

/** Numbers in [0, 1) from @nn/autograd's seeded generator (tests replay from their seed). */
function uniform(seed: number): () => number {
  const rng = new Generator(seed);
  return () => rng.uniform();
}

/** `length` float32 values from `draw`. */
const values = (length: number, draw: () => number): Float32Array => Float32Array.from({ length }, draw);

/** The largest |value| of `x`, at least 1. */
const magnitude = (x: Float32Array): number => x.reduce((m, v) => Math.max(m, Math.abs(v)), 1);

/** Runs the step on both kernels, the step's rows inside larger arrays: the two outputs, and whether WebAssembly ran. */
function forwardBoth(batch: number, hidden: number, xp: Float32Array, hp: Float32Array, bias: Float32Array, h: Float32Array) {
  const steps = 3;
  const plane = steps * batch * hidden;
  const t = 1;
  const layout = (y: Float32Array) => ({ y, plane, at: t * batch * hidden, batch, hidden });
  setBackend('js');
  const expected = new Float32Array(5 * plane);
  gruStepForward(layout(expected), xp, t * batch * 3 * hidden, hp, 2, bias, h, 3);
  const actual = new Float32Array(5 * plane);
  const ran = gruStepForwardWasm(layout(actual), xp, t * batch * 3 * hidden, hp, 2, bias, h, 3);
  let worst = 0;
  let mismatch = -1;
  for (let k = 0; k < expected.length; k++) {
    if (Number.isFinite(expected[k]!) && Number.isFinite(actual[k]!)) worst = Math.max(worst, Math.abs(actual[k]! - expected[k]!));
    else if (!Object.is(actual[k], expected[k]) && mismatch < 0) mismatch = k;
  }
  return { ran, worst, mismatch, actual, expected, plane };
}

describe.skipIf(simdWasmApi() === undefined)('gruStepForwardWasm', () => {
  propTest.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.constantFrom(0.1, 1, 5, 30), fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 30, seed: 19 })(
    'within 2^-22 of the JavaScript loop, times the size of the pre-activations\' terms (N, H/4, scale, seed)',
    (batch, quarterHidden, scale, seed) => {
      const hidden = 4 * quarterHidden;
      const next = uniform(seed);
      const draw = (): number => (next() * 2 - 1) * scale * 10 ** (-3 * next());
      const xp = values(3 * batch * 3 * hidden, draw);
      const hp = values(batch * 3 * hidden + 2, draw);
      const bias = values(3 * hidden, draw);
      const h = values(batch * hidden + 3, () => next() * 2 - 1);
      const { ran, worst, mismatch } = forwardBoth(batch, hidden, xp, hp, bias, h);
      expect(ran).toBe(true);
      expect(mismatch).toBe(-1);
      expect(worst).toBeLessThanOrEqual(2 ** -22 * (magnitude(xp) + magnitude(hp) + magnitude(bias)));
    },
  );

  propTest.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 20, seed: 20 })(
    'edge pre-activations (zeros, the clamp, huge, infinite, NaN): NaN and infinities where the loop has them, the rest within 2^-22 of the terms',
    (seed) => {
      const [batch, hidden] = [2, 8];
      const next = uniform(seed);
      const edge = (): number => EDGES[Math.floor(next() * EDGES.length)]!;
      const xp = values(3 * batch * 3 * hidden, edge);
      // The recurrent product stays moderate (or NaN): a sigmoid below -88.7 is a float32 denormal in
      // the float64 loop and 0 in float32 arithmetic (as in PyTorch's float32 sigmoid), and the two
      // only part ways when that gate multiplies a product of 1e38 or more.
      const moderate = EDGES.filter((e) => Number.isNaN(e) || Math.abs(e) <= 90);
      const hp = values(batch * 3 * hidden + 2, () => (next() < 0.5 ? 0 : moderate[Math.floor(next() * moderate.length)]!));
      const bias = values(3 * hidden, () => 0);
      const h = values(batch * hidden + 3, () => next() * 2 - 1);
      const { ran, worst, mismatch, actual, expected } = forwardBoth(batch, hidden, xp, hp, bias, h);
      expect(ran).toBe(true);
      expect(mismatch, `element ${mismatch}: ${actual[mismatch]} on WebAssembly, ${expected[mismatch]} in JavaScript`).toBe(-1);
      // The finite terms are at most 90 (or huge and saturating): x_n + r hn may cancel between two of them.
      expect(worst).toBeLessThanOrEqual(2 ** -22 * 180);
    },
  );

  propTest.prop([fc.constant(0)], { numRuns: 1 })('saturates exactly: r and z are 1 and 0 at +-Infinity, n is +-1, and h\' is h or n', () => {
    const [batch, hidden] = [1, 4];
    // Units: +Infinity, -Infinity, 0, 0 in every gate (hn = 0).
    const xp = new Float32Array(3 * 3 * hidden);
    for (let gate = 0; gate < 3; gate++) xp.set([Infinity, -Infinity, 0, 0], 3 * hidden + gate * hidden);
    const h = Float32Array.of(0, 0, 0, 0.5, -0.25, 0.75, 0.125);
    const { actual, plane } = forwardBoth(batch, hidden, xp, new Float32Array(3 * hidden + 2), new Float32Array(3 * hidden), h);
    const at = hidden;
    const planeAt = (k: number): number[] => Array.from(actual.subarray(k * plane + at, k * plane + at + 4));
    expect(planeAt(1)).toEqual([1, 0, 0.5, 0.5]); // r
    expect(planeAt(2)).toEqual([1, 0, 0.5, 0.5]); // z
    expect(planeAt(3)).toEqual([1, -1, 0, 0]); // n
    // h' = n + z (h - n): z = 1 keeps h (0.5), z = 0 takes n (-1).
    expect(planeAt(0).slice(0, 2)).toEqual([0.5, -1]);
  });

  propTest.prop([fc.constant(0)], { numRuns: 1 })('declines an H that is not a multiple of 4, and N = 0', () => {
    const y = new Float32Array(5 * 6);
    expect(gruStepForwardWasm({ y, plane: 6, at: 0, batch: 1, hidden: 6 }, new Float32Array(18), 0, new Float32Array(18), 0, new Float32Array(18), new Float32Array(6), 0)).toBe(false);
    expect(gruStepForwardWasm({ y, plane: 0, at: 0, batch: 0, hidden: 4 }, new Float32Array(0), 0, new Float32Array(0), 0, new Float32Array(12), new Float32Array(0), 0)).toBe(false);
  });
});
