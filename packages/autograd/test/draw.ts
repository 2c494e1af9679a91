/** Adapts fast-check's generator to the library's `Draw`, so op specs shrink and replay by seed. */
import fc from 'fast-check';
import type { Draw } from '../src/check/spec.js';

export type GenerateValue = fc.GeneratorValue;

export function drawFrom(g: GenerateValue): Draw {
  return {
    integer: (min, max) => g(fc.integer, { min, max }),
    integers: (count, min, max) => g(fc.array, fc.integer({ min, max }), { minLength: count, maxLength: count }),
  };
}

/** A Draw that always takes the smallest choice: rank-0 shapes, size-1 axes, the lowest values. */
export const smallestDraw: Draw = {
  integer: (min) => min,
  integers: (count, min) => new Array<number>(count).fill(min),
};
