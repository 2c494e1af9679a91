/**
 * Scans (cumulative sum, product, log-sum-exp) and arg-reductions along one axis of a contiguous
 * input. The input is seen as [outer, length, inner] around the axis.
 *
 * Loop order: outer blocks, then the scan axis (forward or, for `reverse`, backward), then the inner
 * elements. The innermost loop walks `inner` consecutive elements, so every read and write is
 * sequential in memory; `acc` holds the running value of each of the `inner` lines of a block.
 * Floats accumulate in float64 and are rounded once per element into `out`; int32 sums and products
 * wrap at each step, as int32 arithmetic does. Along the last axis (inner = 1) a loop of its own
 * walks each line with its running value in a local: the inner loop of one element was most of the
 * time there.
 */
import type { Storage } from '../dtype.js';

export type Scan = 'sum' | 'prod' | 'logSumExp';

/** The sizes before, along and after `axis`. */
export function aroundAxis(shape: readonly number[], axis: number): { outer: number; length: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, length: shape[axis]!, inner };
}

/**
 * log(exp(a) + exp(b)) without overflow, as PyTorch's logcumsumexp combines: a NaN propagates;
 * two equal infinities give that infinity (not inf - inf = NaN).
 */
function logAddExp(a: number, b: number): number {
  const lo = b !== b ? b : Math.min(a, b);
  const hi = b !== b ? b : Math.max(a, b);
  if (lo !== hi || Number.isFinite(lo)) return hi + Math.log1p(Math.exp(lo - hi));
  return a;
}

export function scanKernel(out: Storage, x: Storage, shape: readonly number[], axis: number, scan: Scan, reverse: boolean): void {
  const { outer, length, inner } = aroundAxis(shape, axis);
  if (inner === 1) {
    scanLines(out, x, outer, length, scan, reverse);
    return;
  }
  const integer = out instanceof Int32Array;
  const start = scan === 'sum' ? 0 : scan === 'prod' ? 1 : -Infinity;
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(start);
    const block = o * length * inner;
    for (let step = 0; step < length; step++) {
      const base = block + (reverse ? length - 1 - step : step) * inner;
      if (scan === 'sum' && integer) {
        for (let i = 0; i < inner; i++) out[base + i] = acc[i] = (acc[i]! + x[base + i]!) | 0;
      } else if (scan === 'sum') {
        for (let i = 0; i < inner; i++) out[base + i] = acc[i] += x[base + i]!;
      } else if (scan === 'prod' && integer) {
        for (let i = 0; i < inner; i++) out[base + i] = acc[i] = Math.imul(acc[i]!, x[base + i]!);
      } else if (scan === 'prod') {
        for (let i = 0; i < inner; i++) out[base + i] = acc[i] *= x[base + i]!;
      } else {
        for (let i = 0; i < inner; i++) out[base + i] = acc[i] = logAddExp(acc[i]!, x[base + i]!);
      }
    }
  }
}

/**
 * `scanKernel` along the last axis (inner = 1): each line is consecutive, and its running value is
 * a local, not a slot of an array. The same steps in the same order, so the same results.
 */
function scanLines(out: Storage, x: Storage, lines: number, length: number, scan: Scan, reverse: boolean): void {
  const integer = out instanceof Int32Array;
  const step = reverse ? -1 : 1;
  for (let line = 0; line < lines; line++) {
    const first = reverse ? (line + 1) * length - 1 : line * length;
    const end = first + step * length;
    if (scan === 'sum' && integer) {
      for (let p = first, acc = 0; p !== end; p += step) out[p] = acc = (acc + x[p]!) | 0;
    } else if (scan === 'sum') {
      for (let p = first, acc = 0; p !== end; p += step) out[p] = acc += x[p]!;
    } else if (scan === 'prod' && integer) {
      for (let p = first, acc = 1; p !== end; p += step) out[p] = acc = Math.imul(acc, x[p]!);
    } else if (scan === 'prod') {
      for (let p = first, acc = 1; p !== end; p += step) out[p] = acc *= x[p]!;
    } else {
      for (let p = first, acc = -Infinity; p !== end; p += step) out[p] = acc = logAddExp(acc, x[p]!);
    }
  }
}

/**
 * The position along `axis` of the largest (`max`) or smallest element of each line, written into
 * `out` ([outer, inner]). The first occurrence wins a tie; a NaN counts as larger (and smaller) than
 * every number, as in PyTorch, so the first NaN of a line wins. Same loop order as `scanKernel`.
 */
export function argKernel(out: Int32Array, x: Storage, shape: readonly number[], axis: number, kind: 'max' | 'min'): void {
  const { outer, length, inner } = aroundAxis(shape, axis);
  if (inner === 1) {
    if (kind === 'max') argmaxLines(out, x, outer, length);
    else argminLines(out, x, outer, length);
    return;
  }
  const best = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const block = o * length * inner;
    const row = o * inner;
    for (let i = 0; i < inner; i++) {
      best[i] = x[block + i]!;
      out[row + i] = 0;
    }
    for (let k = 1; k < length; k++) {
      const base = block + k * inner;
      for (let i = 0; i < inner; i++) {
        const v = x[base + i]!;
        const b = best[i]!;
        if (b !== b) continue; // a NaN already won
        if (v !== v || (kind === 'max' ? v > b : v < b)) {
          best[i] = v;
          out[row + i] = k;
        }
      }
    }
  }
}

/**
 * `argKernel` along the last axis (inner = 1), for the largest: each line is consecutive, the best
 * value a local, and the scan of a line stops at its first NaN (which wins). Same results.
 */
function argmaxLines(out: Int32Array, x: Storage, lines: number, length: number): void {
  for (let line = 0, start = 0; line < lines; line++, start += length) {
    let best = x[start]!;
    let at = 0;
    if (best === best) {
      for (let k = 1; k < length; k++) {
        const v = x[start + k]!;
        if (v > best) {
          best = v;
          at = k;
        } else if (v !== v) {
          at = k;
          break;
        }
      }
    }
    out[line] = at;
  }
}

/** `argmaxLines` for the smallest. */
function argminLines(out: Int32Array, x: Storage, lines: number, length: number): void {
  for (let line = 0, start = 0; line < lines; line++, start += length) {
    let best = x[start]!;
    let at = 0;
    if (best === best) {
      for (let k = 1; k < length; k++) {
        const v = x[start + k]!;
        if (v < best) {
          best = v;
          at = k;
        } else if (v !== v) {
          at = k;
          break;
        }
      }
    }
    out[line] = at;
  }
}
