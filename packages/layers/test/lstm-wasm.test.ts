/**
 * The LSTM forward gate loop on WebAssembly SIMD (src/kernels/lstm-wasm.ts) against the JavaScript
 * loop (src/kernels/lstm.ts with the 'js' backend): the same float32 results bit for bit, on random
 * pre-activations over several orders of magnitude and on the edge values (zero, the tanh series'
 * threshold, past exp's clamp, infinite, NaN), with the step's offsets inside larger arrays.
 */
import fc from 'fast-check';
import { afterEach, describe, expect } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { getBackend, setBackend } from '@nn/autograd';
import { simdWasmApi } from '@nn/autograd/wasm';
import { lstmStepForward } from '../src/kernels/lstm.js';
import { lstmStepForwardWasm } from '../src/kernels/lstm-wasm.js';

const initialBackend = getBackend();
afterEach(() => setBackend(initialBackend));

const EDGES = [0, -0, 1e-4, -1e-4, 1e-3, -1e-3, 9.9e-4, 20, -20, 354, -354, 400, -400, 708, -708, 800, -800, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];

/** Float32 values from `rng`: mostly random with magnitudes 1e-3 to 1e2, one in five an edge value. */
function values(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return Float32Array.from({ length }, () => (next() < 0.2 ? EDGES[Math.floor(next() * EDGES.length)]! : (next() * 2 - 1) * 10 ** (next() * 5 - 3)));
}

describe.skipIf(simdWasmApi() === undefined)('lstmStepForwardWasm', () => {
  propTest.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 30, seed: 15 })(
    'gives the JavaScript loop\'s float32 results bit for bit (N, H/2, step, seed)',
    (batch, halfHidden, t, seed) => {
      const hidden = 2 * halfHidden;
      const steps = 3;
      const width = 4 * hidden;
      const plane = steps * batch * hidden;
      const xp = values(steps * batch * width, seed);
      const hp = values(batch * width + 5, seed + 1);
      const c = values(plane * 6, seed + 2);
      const at = t * batch * hidden;
      setBackend('js');
      const expected = new Float32Array(6 * plane);
      lstmStepForward({ y: expected, plane, at, batch, hidden }, xp, t * batch * width, hp, 5, c, 7);
      const actual = new Float32Array(6 * plane);
      expect(lstmStepForwardWasm({ y: actual, plane, at, batch, hidden }, xp, t * batch * width, hp, 5, c, 7)).toBe(true);
      const differing = actual.findIndex((v, k) => !Object.is(v, expected[k]));
      expect(differing, `element ${differing}: ${actual[differing]} on WebAssembly, ${expected[differing]} in JavaScript`).toBe(-1);
    },
  );

  propTest.prop([fc.constant(0)], { numRuns: 1 })('declines an odd H (the kernel takes units in pairs)', () => {
    const y = new Float32Array(6 * 3);
    expect(lstmStepForwardWasm({ y, plane: 3, at: 0, batch: 1, hidden: 3 }, new Float32Array(12), 0, new Float32Array(12), 0, new Float32Array(3), 0)).toBe(false);
  });
});
