/**
 * Test specs: how the property suite draws valid inputs for an op. A spec draws from a `Draw`, a
 * minimal source of integers, so the library itself does not depend on fast-check; the tests wrap
 * fast-check's generator into a `Draw`, which keeps shrinking and seeds.
 */
import type { Tensor } from '../tensor.js';

/** A source of random integers, uniform between both bounds (inclusive). */
export interface Draw {
  integer(min: number, max: number): number;
  /** `count` integers at once (cheaper than `count` calls). */
  integers(count: number, min: number, max: number): number[];
}

/** One drawn case: the op's inputs and its non-tensor arguments. */
export interface OpCase<Attrs> {
  inputs: Tensor[];
  attrs: Attrs;
}

export interface OpTestSpec<Attrs> {
  /** Draws inputs at which the op is smooth (away from kinks, ties and domain edges). */
  sample(draw: Draw): OpCase<Attrs>;
  /**
   * The finite-difference step of this op's gradient checks, where the default (1e-6) cannot
   * measure the derivative: a cast to float32 rounds x +- 1e-6 by up to 6% of the step, x +- 2^-20
   * not at all.
   */
  eps?: number;
}
