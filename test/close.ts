/**
 * The element-wise comparison the tests make against a reference (PyTorch's recorded values, a
 * float64 run, a closed form). One place, so that every such test fails on a NaN: a NaN on either
 * side is never close, wherever it is (a `Math.max` or `>` over errors would let a later finite
 * error hide it).
 */

/** An element passes when |actual - expected| <= atol + rtol * |expected|. */
export interface Tolerance {
  atol: number;
  rtol: number;
}

/** The spacing of floating-point numbers just above 1 in each dtype. */
export const EPSILON = { float32: 2 ** -23, float64: 2 ** -52 } as const;

/**
 * A tolerance scaled to the values compared: `ulps` float rounding steps of the largest reference
 * value (atol) and of each element (rtol). An error that rounding can cause in a computation over a
 * whole tensor is proportional to the tensor's magnitude, not to 1: a fixed atol (say 2e-3) accepts
 * a factor-2 error on any element below it. The caller states how many steps its computation needs
 * (and says why in a comment).
 */
export function scaledTolerance(reference: ArrayLike<number>, epsilon: number, ulps: number): Tolerance {
  let largest = 0;
  for (let i = 0; i < reference.length; i++) largest = Math.max(largest, Math.abs(reference[i]!));
  return { atol: ulps * epsilon * largest, rtol: ulps * epsilon };
}

/**
 * Where `actual` differs from `expected` beyond the tolerance: a description of the first such
 * element, or undefined when all are close. A NaN on either side differs; equal infinities agree.
 */
export function firstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, { atol, rtol }: Tolerance): string | undefined {
  if (actual.length !== expected.length) return `${actual.length} elements, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(a) || Number.isNaN(e)) return `element ${i} is ${a}, expected ${e}`;
    if (a === e) continue;
    const allowed = atol + rtol * Math.abs(e);
    // Written so that a NaN difference (opposite infinities) fails too.
    if (!(Math.abs(a - e) <= allowed)) return `element ${i} is ${a}, expected ${e} (difference ${Math.abs(a - e).toExponential(2)}, allowed ${allowed.toExponential(2)})`;
  }
  return undefined;
}

/** Throws an Error starting with `where` unless `actual` is close to `expected` element by element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance, where: string): void {
  const mismatch = firstMismatch(actual, expected, tolerance);
  if (mismatch !== undefined) throw new Error(`${where}: ${mismatch}`);
}
