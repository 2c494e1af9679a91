/**
 * What the tests of the fused recurrent ops (lstm-, gru- and rnn-sequence.test.ts) share: leaf copies
 * to differentiate, and an element-wise comparison whose tolerance is relative above 1 and absolute
 * below.
 */
import { expect } from 'vitest';
import type { Tensor } from '@nn/autograd';

/** A leaf copy of `t` that requires grad. */
export const leaf = (t: Tensor): Tensor => {
  const copy = t.detach();
  copy.requiresGrad = true;
  return copy;
};

/** Expects `actual` within `tolerance * max(1, |expected|)` of `expected`, element by element. */
export const close = (actual: Tensor, expected: Tensor, tolerance: number, what: string): void => {
  const a = actual.data();
  const e = expected.data();
  expect(a.length, what).toBe(e.length);
  a.forEach((v, i) => expect(Math.abs(v - e[i]!), `${what}, element ${i}: ${v} against ${e[i]}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(e[i]!))));
};
