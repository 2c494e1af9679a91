/**
 * What the relaxed-SIMD check (./pages/relaxed-simd-check.js) reports, and the assertion the Node
 * test (with the engine flag) and the Chromium test both make of it.
 */
import { expect } from 'vitest';

export interface Comparison {
  available: boolean;
  cases: { dtype: string; shape: number[]; relaxedInUse: boolean; worstOverBound: number; finite: boolean }[];
}

/** The relaxed kernels were detected and used for every case, within the fused-rounding bound of the plain ones. */
export function expectRelaxedWithinBound(result: Comparison): void {
  expect(result.available).toBe(true);
  expect(result.cases).toHaveLength(12);
  for (const c of result.cases) {
    expect(c.relaxedInUse, `${c.dtype} ${c.shape.join('x')}`).toBe(true);
    expect(c.finite).toBe(true);
    expect(c.worstOverBound, `${c.dtype} ${c.shape.join('x')}`).toBeLessThanOrEqual(1);
  }
}
