/**
 * The LSTM gate loops (forward and backward) on WebAssembly SIMD (src/kernels/lstm-wasm.ts) against the JavaScript
 * loop (src/kernels/lstm.ts with the 'js' backend): the same float32 results bit for bit, on random
 * pre-activations over several orders of magnitude and on the edge values (zero, the tanh series'
 * threshold, past exp's clamp, infinite, NaN), with the step's offsets inside larger arrays.
 */
import fc from 'fast-check';
import { afterEach, describe, expect } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { getBackend, setBackend } from '@nn/autograd';
import { simdWasmApi } from '@nn/autograd/wasm';
import { lstmStepBackward, lstmStepForward } from '../src/kernels/lstm.js';
import { lstmStepBackwardWasm, lstmStepForwardWasm } from '../src/kernels/lstm-wasm.js';

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

  propTest.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 30, seed: 16 })(
    'backward: the JavaScript loop\'s float32 dpre and dc bit for bit (N, H/2, step, with dh, seed)',
    (batch, halfHidden, t, withDh, seed) => {
      const hidden = 2 * halfHidden;
      const steps = 3;
      const width = 4 * hidden;
      const plane = steps * batch * hidden;
      const units = batch * hidden;
      const y = values(6 * plane, seed);
      const gy = values(6 * plane, seed + 1);
      const dh = withDh ? values(units + 3, seed + 2) : null;
      const dc0 = values(units, seed + 3);
      const c = values(plane + 2, seed + 4);
      const step = { y, plane, at: t * units, batch, hidden };
      setBackend('js');
      const [dcExpected, dcActual] = [dc0.slice(), dc0.slice()];
      const [expected, actual] = [new Float32Array(steps * batch * width), new Float32Array(steps * batch * width)];
      lstmStepBackward(step, gy, dh, 3, dcExpected, c, 2, expected, t * batch * width);
      expect(lstmStepBackwardWasm(step, gy, dh, 3, dcActual, c, 2, actual, t * batch * width)).toBe(true);
      for (const [what, a, e] of [['dpre', actual, expected], ['dc', dcActual, dcExpected]] as const) {
        const differing = a.findIndex((v, k) => !Object.is(v, e[k]));
        expect(differing, `${what} element ${differing}: ${a[differing]} on WebAssembly, ${e[differing]} in JavaScript`).toBe(-1);
      }
    },
  );

  propTest.prop([fc.constant(0)], { numRuns: 1 })('declines an odd H (the kernel takes units in pairs)', () => {
    const y = new Float32Array(6 * 3);
    expect(lstmStepForwardWasm({ y, plane: 3, at: 0, batch: 1, hidden: 3 }, new Float32Array(12), 0, new Float32Array(12), 0, new Float32Array(3), 0)).toBe(false);
    expect(lstmStepBackwardWasm({ y, plane: 3, at: 0, batch: 1, hidden: 3 }, y, null, 0, new Float32Array(3), new Float32Array(3), 0, new Float32Array(12), 0)).toBe(false);
  });
});
