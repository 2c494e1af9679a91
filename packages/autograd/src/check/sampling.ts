/**
 * Drawing shapes and values for gradient tests (TESTING.md): values are built from integers so they
 * spread evenly instead of crowding 0 and the bounds, and each domain keeps clear of kinks and
 * domain edges.
 */
import type { Draw } from './spec.js';
import type { Shape } from '../shape.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';

const STEPS = 2 ** 24;

/**
 * Where values are drawn from:
 * - `uniform`: uniform in [-3, 3];
 * - `positive`: [0.1, 3] (log, sqrt, pow base, reciprocal);
 * - `awayFromZero`: sign * [0.05, 3] (relu, abs, divisors);
 * - `distinct`: a shuffled range plus jitter, so no two values tie (max, min, maximum, minimum);
 * - `awayFromHalves`: [-2.95, 2.95], at least 0.05 from every multiple of 0.5 (floor, ceil, trunc
 *   and round, the dividend of remainder);
 * - `{ from, to }`: uniform in that interval (asin in (-1, 1), acosh above 1, tan inside (-pi/2, pi/2)).
 */
export type Domain = 'uniform' | 'positive' | 'awayFromZero' | 'distinct' | 'awayFromHalves' | { readonly from: number; readonly to: number };

/** A shape of rank `minRank..maxRank` with dimensions 1..4. */
export function drawShape(draw: Draw, minRank = 0, maxRank = 4): number[] {
  const rank = draw.integer(minRank, maxRank);
  return draw.integers(rank, 1, 4);
}

/** A shape that broadcasts with `shape`: some leading axes dropped, some axes set to 1. */
export function drawBroadcastPartner(draw: Draw, shape: Shape): number[] {
  // Half the time no axis is dropped: dropping many leaves little to broadcast.
  const dropped = draw.integer(0, 1) === 0 ? 0 : draw.integer(0, shape.length);
  const kept = shape.slice(dropped);
  const ones = draw.integers(kept.length, 0, 1);
  return kept.map((dim, i) => (ones[i] === 1 ? 1 : dim));
}

/**
 * Two shapes that broadcast to `shape` (or to a suffix of it): on each axis both keep its size or
 * one of them has 1, and one of them may lose some leading axes. So one operand is broadcast, or
 * both ([3, 1] with [1, 4]), or neither, in either order.
 */
export function drawBroadcastPair(draw: Draw, shape: Shape): [number[], number[]] {
  const ones = draw.integers(shape.length, 0, 2);
  const a = shape.map((dim, axis) => (ones[axis] === 1 ? 1 : dim));
  const b = shape.map((dim, axis) => (ones[axis] === 2 ? 1 : dim));
  // Half the time no axis is dropped: dropping many leaves little to broadcast.
  const dropped = draw.integer(0, 1) === 0 ? 0 : draw.integer(0, shape.length);
  return draw.integer(0, 1) === 0 ? [a.slice(dropped), b] : [a, b.slice(dropped)];
}

/** `count` values from `domain`. */
export function drawValues(draw: Draw, count: number, domain: Domain): number[] {
  const raw = draw.integers(count, 0, STEPS);
  if (typeof domain === 'object') return raw.map((i) => domain.from + ((domain.to - domain.from) * i) / STEPS);
  switch (domain) {
    case 'uniform':
      return raw.map((i) => -3 + (6 * i) / STEPS);
    case 'positive':
      return raw.map((i) => 0.1 + (2.9 * i) / STEPS);
    case 'awayFromZero': {
      const signs = draw.integers(count, 0, 1);
      return raw.map((i, k) => (signs[k] === 1 ? 1 : -1) * (0.05 + (2.95 * i) / STEPS));
    }
    case 'distinct': {
      // Rank i of a random permutation, spaced 0.1 apart, plus jitter under 0.05: gaps stay >= 0.05.
      const order = raw.map((key, i) => ({ key, i })).sort((p, q) => p.key - q.key || p.i - q.i);
      const jitter = draw.integers(count, 0, STEPS);
      const values = new Array<number>(count);
      order.forEach(({ i }, rank) => {
        values[i] = -0.1 * (count / 2) + 0.1 * rank + (0.04 * jitter[i]!) / STEPS;
      });
      return values;
    }
    case 'awayFromHalves': {
      // One of the twelve half-unit cells of [-3, 3], and a point at least 0.05 inside it.
      const cells = draw.integers(count, 0, 11);
      return raw.map((i, k) => -3 + 0.5 * cells[k]! + 0.05 + (0.4 * i) / STEPS);
    }
  }
}

/** A float64 tensor of `shape` with values from `domain`. */
export function drawTensor(draw: Draw, shape: Shape, domain: Domain = 'uniform'): Tensor {
  return tensor(Float64Array.from(drawValues(draw, sizeOf(shape), domain)), { shape, dtype: 'float64' });
}

/** An axis argument for a reduction over a tensor of `rank`: undefined, one axis, or several (maybe negative). */
export function drawAxes(draw: Draw, rank: number): number | number[] | undefined {
  const kind = draw.integer(0, 2);
  if (kind === 0 || rank === 0) return undefined;
  if (kind === 1) return draw.integer(-rank, rank - 1);
  const picks = draw.integers(rank, 0, 1);
  const axes = picks.flatMap((pick, axis) => (pick === 1 ? [draw.integer(0, 1) === 1 ? axis - rank : axis] : []));
  return axes;
}
