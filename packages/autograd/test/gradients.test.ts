/**
 * The op-table gradient suite: every primitive op in the registry, and every composite op, is
 * gradchecked to first and second order in float64, on inputs drawn by its own test spec.
 * A failure prints the fast-check seed and path; rerun with FC_SEED=<seed> to replay it.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import type { BuiltinOp } from '../src/op.js';
import { listPrimitiveOps, compositeOpNames } from '../src/ops/registry.js';
import { assertGradcheck, assertGradgradcheck } from '../src/index.js';
import { drawnArb, gradcheckProperty } from '../src/testing.js';
import { smallestDraw } from './draw.js';
import { compositeCases } from './composite-cases.js';
import { gradientCases } from './gradient-cases.js';

const cases = gradientCases();

describe('every primitive op', () => {
  for (const { op: name, eps, caseOf } of cases.filter((c) => c.kind === 'primitive')) {
    const options = { eps };
    test(`${name}: gradients match finite differences (first and second order)`, () => {
      fc.assert(gradcheckProperty(drawnArb(caseOf), options));
    });

    test(`${name}: smallest case (rank-0 or size-1 inputs)`, () => {
      const { f, inputs } = caseOf(smallestDraw);
      assertGradcheck(f, inputs, options);
      assertGradgradcheck(f, inputs, options);
    });
  }
});

describe('every composite op', () => {
  test('the table covers every composite name', () => {
    expect(Object.keys(compositeCases).sort()).toEqual([...compositeOpNames].sort());
  });
  for (const { op: name, caseOf } of cases.filter((c) => c.kind === 'composite')) {
    test(`${name}: gradients match finite differences (first and second order)`, () => {
      fc.assert(gradcheckProperty(drawnArb(caseOf)));
    });
  }
});

describe('the registry', () => {
  test('tsc rejects a built-in op without a backward rule or a test spec', () => {
    // These lines are type-checked by `npm test` (tsc -b): each must be a type error.
    // @ts-expect-error: no test spec
    const noSpec: BuiltinOp = { name: 'noSpec', forward: ([x]) => x!, backward: (g) => [g] };
    // @ts-expect-error: no backward rule
    const noBackward: BuiltinOp = { name: 'noBackward', forward: ([x]) => x!, spec: { sample: () => ({ inputs: [], attrs: undefined }) } };
    expect([noSpec, noBackward]).toHaveLength(2);
  });

  test('every primitive has a backward rule and a test spec', () => {
    for (const { name, op } of listPrimitiveOps()) {
      expect(typeof op.backward, name).toBe('function');
      expect(typeof op.spec.sample, name).toBe('function');
      expect(op.name).toBe(name);
    }
  });
});
