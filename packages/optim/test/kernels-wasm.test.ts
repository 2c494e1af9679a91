/**
 * The WebAssembly optimizer kernels give exactly what the JavaScript loops give: `mul_`, `add_` and
 * the fused Adam, RMSprop and Adagrad steps, float32 and float64, on awkward lengths, with special
 * values (signed zeros, infinities, NaN, subnormals), and every variant (weight decay, AdamW's
 * shrink, amsgrad; RMSprop centered and with momentum).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { simdWasmApi } from '@nn/autograd/wasm';
import type { Storage } from '@nn/autograd';
import * as loops from '../src/kernels/loops.js';
import { adagradWasm, adamWasm, axpyWasm, rmspropWasm, scaleWasm } from '../src/kernels/wasm.js';
import { optimModuleBytes } from '../src/kernels/wasm-module.js';

const special = fc.constantFrom(0, -0, 1, -1, 0.5, Infinity, -Infinity, NaN, 1e-310, 1e-40, 3.5e38);
const value = fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), special);
const awkward = fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 17, 63, 64, 65, 127, 257);
const dtype = fc.constantFrom('float32', 'float64');
const coefficient = fc.oneof(fc.double({ min: -2, max: 2, noNaN: true }), fc.constantFrom(0, 1, -1, 1e-8, 0.999));

/** `n` values of `pool` from `shift` on, as an array of `dtype`. */
function draw(kind: string, pool: readonly number[], n: number, shift: number): Storage {
  const values = Array.from({ length: n }, (_, i) => pool[(i * 7 + shift) % pool.length]!);
  return kind === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
}

/** Elements as strings, so that -0 and 0 differ and NaN equals NaN. */
const show = (x: Storage): string[] => Array.from(x, (v) => (Object.is(v, -0) ? '-0' : String(v)));

/** The first index where two arrays differ (-0 and 0 differ, NaN equals NaN), or -1. */
const firstDifference = (a: Storage, b: Storage): number => a.findIndex((v, i) => !Object.is(v, b[i]));

describe.skipIf(simdWasmApi() === undefined)('WebAssembly optimizer kernels', () => {
  test('the module stays under 4 KiB (synchronous compilation in browsers)', () => {
    expect(optimModuleBytes().length).toBeLessThan(4096);
  });

  propTest.prop([awkward, dtype, coefficient, fc.array(value, { minLength: 64, maxLength: 64 })])('mul_ and add_ equal the loops', (n, kind, alpha, pool) => {
    const y = draw(kind, pool, n, 3);
    const expected = draw(kind, pool, n, 1);
    const actual = expected.slice();
    loops.mul_(expected, alpha);
    expect(scaleWasm(actual, alpha)).toBe(true);
    expect(show(actual)).toEqual(show(expected));
    loops.add_(expected, y, alpha);
    expect(axpyWasm(actual, y, alpha)).toBe(true);
    expect(show(actual)).toEqual(show(expected));
  });

  const adamCase = fc.record({
    n: awkward,
    kind: dtype,
    amsgrad: fc.boolean(),
    shrink: fc.constantFrom(1, 0.999, 0.5),
    decay: fc.constantFrom(0, 0.01, 1),
    beta1: fc.constantFrom(0, 0.9, 0.5),
    beta2: fc.constantFrom(0.999, 0.9),
    step: fc.integer({ min: 1, max: 100 }),
    eps: fc.constantFrom(1e-8, 0, 1e-3),
    lr: fc.constantFrom(1e-3, 0.1),
  });

  propTest.prop([adamCase, fc.array(value, { minLength: 64, maxLength: 64 })])('the Adam step equals the loop', (c, pool) => {
    const k: loops.AdamCoefficients = {
      shrink: c.shrink,
      decay: c.decay,
      beta1: c.beta1,
      beta2: c.beta2,
      biasCorrection2Sqrt: Math.sqrt(1 - c.beta2 ** c.step),
      eps: c.eps,
      stepSize: c.lr / (1 - c.beta1 ** c.step),
    };
    // Second moments are squares: never negative (a negative one would give NaN either way).
    const positive = pool.map((v) => Math.abs(v));
    const arrays = () => [draw(c.kind, pool, c.n, 1), draw(c.kind, pool, c.n, 2), draw(c.kind, pool, c.n, 3), draw(c.kind, positive, c.n, 4), draw(c.kind, positive, c.n, 5)];
    const [p1, g1, m1, v1, max1] = arrays() as [Storage, Storage, Storage, Storage, Storage];
    const [p2, g2, m2, v2, max2] = arrays() as [Storage, Storage, Storage, Storage, Storage];
    loops.adamStep_(p1, g1, m1, v1, c.amsgrad ? max1 : null, k);
    expect(adamWasm(p2, g2, m2, v2, c.amsgrad ? max2 : null, k)).toBe(true);
    expect(show(p2), 'param').toEqual(show(p1));
    expect(show(m2), 'expAvg').toEqual(show(m1));
    expect(show(v2), 'expAvgSq').toEqual(show(v1));
    expect(show(max2), 'maxExpAvgSq').toEqual(show(max1));
    expect(show(g2), 'the gradient is left alone').toEqual(show(g1));
  });

  /** `draw`, with every third element 0: an update added to 0 shows its last bit. */
  const drawWithZeros = (kind: string, pool: readonly number[], n: number, shift: number): Storage => {
    const x = draw(kind, pool, n, shift);
    for (let i = shift % 3; i < n; i += 3) x[i] = 0;
    return x;
  };

  const rmspropCase = fc.record({
    n: awkward, kind: dtype, centered: fc.boolean(), momentum: fc.constantFrom(0, 0.9), weightDecay: fc.constantFrom(0, 0.1),
    alpha: fc.constantFrom(0.99, 0.5), eps: fc.constantFrom(1e-8, 0.1), lr: fc.constantFrom(0.01, 0.5),
  });

  propTest.prop([rmspropCase, fc.array(value, { minLength: 64, maxLength: 64 })])('the RMSprop step equals the op sequence', (c, pool) => {
    const positive = pool.map((v) => Math.abs(v));
    const arrays = () => [drawWithZeros(c.kind, pool, c.n, 0), draw(c.kind, pool, c.n, 1), drawWithZeros(c.kind, positive, c.n, 2), drawWithZeros(c.kind, pool, c.n, 3), drawWithZeros(c.kind, pool, c.n, 4)];
    const [p1, g1, s1, a1, b1] = arrays() as [Storage, Storage, Storage, Storage, Storage];
    const [p2, g2, s2, a2, b2] = arrays() as [Storage, Storage, Storage, Storage, Storage];
    const optional = (x: Storage, on: boolean): Storage | null => (on ? x : null);
    // The op sequence overwrites its gradient with the decayed one; it gets a copy.
    loops.rmspropStep_(p1, g1.slice(), s1, optional(a1, c.centered), optional(b1, c.momentum > 0), c);
    expect(rmspropWasm(p2, g2, s2, optional(a2, c.centered), optional(b2, c.momentum > 0), c)).toBe(true);
    expect(show(p2), 'param').toEqual(show(p1));
    expect(show(s2), 'squareAvg').toEqual(show(s1));
    expect(show(a2), 'gradAvg').toEqual(show(a1));
    expect(show(b2), 'momentumBuffer').toEqual(show(b1));
    expect(show(g2), 'the gradient is left alone').toEqual(show(g1));
  });

  propTest.prop([
    fc.record({ n: awkward, kind: dtype, weightDecay: fc.constantFrom(0, 0.1), eps: fc.constantFrom(1e-10, 0.1), clr: fc.constantFrom(0.01, 0.5) }),
    fc.array(value, { minLength: 64, maxLength: 64 }),
  ])('the Adagrad step equals the op sequence', (c, pool) => {
    const positive = pool.map((v) => Math.abs(v));
    const arrays = () => [drawWithZeros(c.kind, pool, c.n, 0), draw(c.kind, pool, c.n, 1), drawWithZeros(c.kind, positive, c.n, 2)];
    const [p1, g1, s1] = arrays() as [Storage, Storage, Storage];
    const [p2, g2, s2] = arrays() as [Storage, Storage, Storage];
    loops.adagradStep_(p1, g1.slice(), s1, c);
    expect(adagradWasm(p2, g2, s2, c)).toBe(true);
    expect(show(p2), 'param').toEqual(show(p1));
    expect(show(s2), 'sum').toEqual(show(s1));
    expect(show(g2), 'the gradient is left alone').toEqual(show(g1));
  });

  test('arrays longer than a staging chunk (16384 elements) are updated whole, as by the loops', () => {
    const n = 2 * 16384 + 7;
    const pool = Array.from({ length: 97 }, (_, i) => Math.sin(i) * 3);
    for (const kind of ['float32', 'float64']) {
      const k: loops.AdamCoefficients = { shrink: 0.999, decay: 0.01, beta1: 0.9, beta2: 0.999, biasCorrection2Sqrt: 0.1, eps: 1e-8, stepSize: 0.01 };
      const positive = pool.map(Math.abs);
      const make = () => [draw(kind, pool, n, 1), draw(kind, pool, n, 2), draw(kind, pool, n, 3), draw(kind, positive, n, 4), draw(kind, positive, n, 5)];
      const [p1, g1, m1, v1, max1] = make() as [Storage, Storage, Storage, Storage, Storage];
      const [p2, g2, m2, v2, max2] = make() as [Storage, Storage, Storage, Storage, Storage];
      loops.adamStep_(p1, g1, m1, v1, max1, k);
      expect(adamWasm(p2, g2, m2, v2, max2, k)).toBe(true);
      for (const [name, expected, actual] of [['param', p1, p2], ['expAvg', m1, m2], ['expAvgSq', v1, v2], ['maxExpAvgSq', max1, max2]] as const) {
        expect(firstDifference(actual, expected), `${kind} ${name}`).toBe(-1);
      }
      loops.add_(p1, g1, -0.5);
      expect(axpyWasm(p2, g2, -0.5)).toBe(true);
      expect(firstDifference(p2, p1), `${kind} add_`).toBe(-1);
      const r = { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0.1, momentum: 0.9 };
      loops.rmspropStep_(p1, g1.slice(), v1, m1, max1, r);
      expect(rmspropWasm(p2, g2, v2, m2, max2, r)).toBe(true);
      for (const [name, expected, actual] of [['param', p1, p2], ['squareAvg', v1, v2], ['gradAvg', m1, m2], ['momentumBuffer', max1, max2]] as const) {
        expect(firstDifference(actual, expected), `${kind} RMSprop ${name}`).toBe(-1);
      }
      loops.adagradStep_(p1, g1.slice(), v1, { clr: 0.1, weightDecay: 0.1, eps: 1e-10 });
      expect(adagradWasm(p2, g2, v2, { clr: 0.1, weightDecay: 0.1, eps: 1e-10 })).toBe(true);
      expect(firstDifference(p2, p1), `${kind} Adagrad param`).toBe(-1);
      expect(firstDifference(v2, v1), `${kind} Adagrad sum`).toBe(-1);
    }
  });
});
