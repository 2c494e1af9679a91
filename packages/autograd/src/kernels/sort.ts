/**
 * A stable sort of keys along one axis that returns the permutation, not the sorted keys: sort,
 * argsort and topk gather their values through it. Each line's positions are sorted with a
 * comparator on the keys, ties broken by position, so the order is stable whatever the engine's
 * sort does. NaN is handled explicitly, as PyTorch orders it: NaN is larger than every number (last
 * ascending, first descending), and NaNs keep their order among themselves.
 */
import type { Storage } from '../dtype.js';

/**
 * Positions along `axis` of contiguous `keys` (shape `shape`), each line sorted: `out[..., j, ...]`
 * is the position of the line's j-th smallest key (largest when `descending`). Loop order: line by
 * line (the axes before `axis`, then those after it), a line's keys copied out first so that the
 * comparator reads a dense array.
 */
export function argsortKernel(out: Int32Array, keys: Storage, shape: readonly number[], axis: number, descending: boolean): void {
  const length = shape[axis]!;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d]!;
  const line = new Float64Array(length);
  const order = new Int32Array(length);
  const sign = descending ? -1 : 1;
  const compare = (i: number, j: number): number => {
    const a = line[i]!;
    const b = line[j]!;
    const aNaN = a !== a;
    const bNaN = b !== b;
    if (aNaN || bNaN) return aNaN && bNaN ? i - j : (aNaN ? 1 : -1) * sign;
    if (a < b) return -sign;
    if (a > b) return sign;
    return i - j; // equal keys (0 and -0 too) keep their order
  };
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < inner; r++) {
      const start = o * length * inner + r;
      for (let j = 0; j < length; j++) {
        line[j] = keys[start + j * inner]!;
        order[j] = j;
      }
      order.sort(compare);
      for (let j = 0; j < length; j++) out[start + j * inner] = order[j]!;
    }
  }
}
