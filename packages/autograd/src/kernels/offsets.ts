/**
 * Integer offsets for the fast loops. The row offsets of `rowStarts` are read from a Float64Array,
 * so they are doubles, and a loop that indexes with them does double arithmetic on every access;
 * truncated with `| 0` they are int32, which V8 indexes faster (a quarter off a gather along the last
 * axis). The truncation is exact while every offset is below 2^31, which holds when every storage
 * the loop reads or writes is shorter than that: a kernel checks `offsetsFitInt32` once per call and
 * otherwise takes its general loop, which keeps doubles.
 */

/** Whether every offset into arrays of these lengths is below 2^31. */
export function offsetsFitInt32(a: { readonly length: number }, b: { readonly length: number }, c: { readonly length: number } = a): boolean {
  return a.length <= 0x7fffffff && b.length <= 0x7fffffff && c.length <= 0x7fffffff;
}
