/** A `Draw` for the smallest cases (fast-check's generator as a `Draw` is `drawFrom` in src/testing.ts). */
import type { Draw } from '../src/check/spec.js';

/** A Draw that always takes the smallest choice: rank-0 shapes, size-1 axes, the lowest values. */
export const smallestDraw: Draw = {
  integer: (min) => min,
  integers: (count, min) => new Array<number>(count).fill(min),
};
