/**
 * The gradient suite's entries, one per op: every primitive of the registry, drawn by its record's
 * test spec, and every composite, drawn by its case in ./composite-cases.ts. The Node suite
 * (./gradients.test.ts) and the one in a browser page (test/browser/gradient-suite.ts) both walk
 * this list, so they check the same ops on the same cases.
 */
import { apply, type OpRecord } from '../src/op.js';
import { compositeOpNames, listPrimitiveOps } from '../src/ops/registry.js';
import type { Draw } from '../src/check/spec.js';
import type { Tensor } from '../src/index.js';
import type { GradcheckCase } from '../src/testing.js';
import { compositeCases } from './composite-cases.js';

/** One op of the suite: its name, and how to make a gradcheck case of it from a `Draw`. */
export interface GradientCase {
  readonly op: string;
  readonly kind: 'primitive' | 'composite';
  /** The finite-difference step its spec asks for (undefined: gradcheck's default). */
  readonly eps: number | undefined;
  caseOf(draw: Draw): GradcheckCase;
}

/** Every primitive op, then every composite op, in the registry's order. */
export function gradientCases(): GradientCase[] {
  const primitives = listPrimitiveOps().map(({ name, op }): GradientCase => ({
    op: name,
    kind: 'primitive',
    eps: op.spec.eps,
    caseOf: (draw) => {
      const { inputs, attrs } = op.spec.sample(draw);
      return { f: (...xs: Tensor[]) => apply(op as OpRecord<unknown>, xs, attrs), inputs };
    },
  }));
  const composites = compositeOpNames.map((name): GradientCase => ({
    op: name,
    kind: 'composite',
    eps: undefined,
    caseOf: (draw) => {
      const { inputs, run } = compositeCases[name].sample(draw);
      return { f: run, inputs };
    },
  }));
  return [...primitives, ...composites];
}
