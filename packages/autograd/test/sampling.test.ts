/**
 * The property generators draw what TESTING.md and their docs say: values spread evenly over each
 * domain (measured over 10,000 draws), broadcast pairs where both operands broadcast, matmul batch
 * axes broadcast on both sides, and casts that change dtype.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { broadcastShapes } from '../src/index.js';
import { drawValues, type Domain } from '../src/check/sampling.js';
import type { Draw } from '../src/check/spec.js';
import { listPrimitiveOps } from '../src/ops/registry.js';
import { broadcastPairArb, drawnArb } from '../src/testing.js';

/** `runs` results of `build`, each on its own fast-check generator (seeded by the setup file). */
const sample = <T>(build: (draw: Draw) => T, runs: number): T[] => fc.sample(drawnArb(build), { numRuns: runs, seed: fc.readConfigureGlobal().seed });

const specOf = (name: string) => listPrimitiveOps().find((entry) => entry.name === name)!.op.spec;

describe('values are uniform over their domain', () => {
  // [domain, the interval the values (or their magnitudes) fill]
  const domains: [Domain, number, number, (v: number) => number][] = [
    ['uniform', -3, 3, (v) => v],
    ['positive', 0.1, 3, (v) => v],
    ['awayFromZero', 0.05, 3, Math.abs],
  ];
  test.each(domains)('%s: decile counts of 10,000 draws pass a chi-square test, the ends hold their share', (domain, lo, hi, of) => {
    const values = sample((draw) => drawValues(draw, 100, domain), 100).flat().map(of);
    expect(values).toHaveLength(10_000);
    const counts = new Array<number>(10).fill(0);
    for (const v of values) {
      expect(v >= lo && v <= hi).toBe(true);
      counts[Math.min(9, Math.floor((10 * (v - lo)) / (hi - lo)))]! += 1;
    }
    const expected = values.length / 10;
    const chiSquare = counts.reduce((total, count) => total + (count - expected) ** 2 / expected, 0);
    // 27.9 is the 0.999 quantile of chi-square with 9 degrees of freedom: a uniform draw exceeds it
    // once in a thousand seeds. fast-check's biased integers gave over 5,000 (a third at the ends).
    expect(chiSquare, `decile counts ${counts.join(', ')}`).toBeLessThan(27.9);
    // Within 2% of the interval's width of either end: 4% of uniform values, up to 5% in a sample.
    const nearEnds = values.filter((v) => Math.min(v - lo, hi - v) < 0.02 * (hi - lo)).length / values.length;
    expect(nearEnds).toBeLessThan(0.05);
  });
});

/** Whether each of `a` and `b` is broadcast along some axis (a 1 or a missing axis where the result is longer). */
function bothBroadcast(a: readonly number[], b: readonly number[]): boolean {
  const out = broadcastShapes(a, b, 'test');
  const stretched = (s: readonly number[]): boolean => out.some((dim, axis) => dim > 1 && (s[axis - (out.length - s.length)] ?? 1) === 1);
  return stretched(a) && stretched(b);
}

describe('broadcasting on both sides', () => {
  test('binary op pairs: both operands broadcast in a good share of draws ([3, 1] with [1, 4])', () => {
    const shapes = sample((draw) => specOf('add').sample(draw).inputs.map((t) => t.shape), 500);
    const share = shapes.filter(([a, b]) => bothBroadcast(a!, b!)).length / shapes.length;
    expect(share).toBeGreaterThan(0.1);
    // One side whole and the other broadcast stays common too.
    expect(shapes.filter(([a, b]) => !bothBroadcast(a!, b!) && a!.join() !== b!.join()).length / shapes.length).toBeGreaterThan(0.1);
  });

  test('matmul: the batch axes of both operands broadcast in a few draws of every hundred', () => {
    // Batches have rank 0..2, and only rank 2 broadcasts on both sides ([2, 1] with [1, 3], or [3]
    // with [2, 1]): about 3% of the draws, 3 cases of the 100 the gradient suite checks.
    const batches = sample((draw) => specOf('matmul').sample(draw).inputs.map((t) => t.shape.slice(0, -2)), 1000);
    expect(batches.filter(([a, b]) => bothBroadcast(a!, b!)).length / batches.length).toBeGreaterThan(0.015);
  });

  test("the testing entry's broadcastPairArb: both sides broadcast, and the pair always broadcasts", () => {
    const pairs = fc.sample(broadcastPairArb(), { numRuns: 500, seed: fc.readConfigureGlobal().seed });
    expect(pairs.filter(([a, b]) => bothBroadcast(a, b)).length / pairs.length).toBeGreaterThan(0.1);
  });
});

describe('cast', () => {
  test('the spec casts float64 inputs to float32 and to float64', () => {
    const cases = sample((draw) => specOf('cast').sample(draw), 200);
    cases.forEach(({ inputs }) => expect(inputs.map((t) => t.dtype)).toEqual(['float64']));
    const targets = cases.map(({ attrs }) => attrs);
    expect(new Set(targets)).toEqual(new Set(['float32', 'float64']));
  });
});
