/**
 * Comparisons: exact 0/1 results in the operands' promoted dtype, never requiring grad (they are
 * piecewise constant, so no gradient flows through them).
 */
import type { Comparison } from '../kernels/elementwise.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { mapBinary, operands } from './pointwise.js';
import { activeTracer, tracedForward } from '../trace.js';

function compare(name: Comparison, a: TensorLike, b: TensorLike, test: (x: number, y: number) => boolean): Tensor {
  const [ta, tb] = operands(a, b, name);
  const run = (): Tensor => mapBinary(ta, tb, name, (x, y) => (test(x, y) ? 1 : 0), name);
  // No record (no gradient), so the trace hears of a comparison here rather than in `apply`.
  return activeTracer() === null ? run() : tracedForward(name, [ta, tb], undefined, run);
}

/** 1 where a == b, else 0. */
export const eq = (a: TensorLike, b: TensorLike): Tensor => compare('eq', a, b, (x, y) => x === y);
/** 1 where a != b, else 0. */
export const ne = (a: TensorLike, b: TensorLike): Tensor => compare('ne', a, b, (x, y) => x !== y);
/** 1 where a < b, else 0. */
export const lt = (a: TensorLike, b: TensorLike): Tensor => compare('lt', a, b, (x, y) => x < y);
/** 1 where a <= b, else 0. */
export const le = (a: TensorLike, b: TensorLike): Tensor => compare('le', a, b, (x, y) => x <= y);
/** 1 where a > b, else 0. */
export const gt = (a: TensorLike, b: TensorLike): Tensor => compare('gt', a, b, (x, y) => x > y);
/** 1 where a >= b, else 0. */
export const ge = (a: TensorLike, b: TensorLike): Tensor => compare('ge', a, b, (x, y) => x >= y);

/** The method forms of the comparisons: `a.lt(b)` is `lt(a, b)`. (A function: see ops/methods.ts.) */
export function compareMethods() {
  return {
    /** 1 where a == b, else 0. */
    eq(other: TensorLike): Tensor { return eq(this, other); },
    /** 1 where a != b, else 0. */
    ne(other: TensorLike): Tensor { return ne(this, other); },
    /** 1 where a < b, else 0. */
    lt(other: TensorLike): Tensor { return lt(this, other); },
    /** 1 where a <= b, else 0. */
    le(other: TensorLike): Tensor { return le(this, other); },
    /** 1 where a > b, else 0. */
    gt(other: TensorLike): Tensor { return gt(this, other); },
    /** 1 where a >= b, else 0. */
    ge(other: TensorLike): Tensor { return ge(this, other); },
  } satisfies ThisType<Tensor>;
}
