/**
 * Moving blocks of a row-major matrix (rows `ld` apart) in and out of the dense arrays that the
 * matrix product reads and returns: the copies around each trailing update of the recursive kernels.
 */

/** The rows x cols block of `a` at `offset` (rows `ld` apart), as a dense row-major array. */
export function gatherBlock(a: Float64Array, offset: number, ld: number, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  if (cols === ld) {
    out.set(a.subarray(offset, offset + rows * cols));
    return out;
  }
  for (let i = 0; i < rows; i++) out.set(a.subarray(offset + i * ld, offset + i * ld + cols), i * cols);
  return out;
}

/**
 * c[block] -= p for the rows x cols block of `c` at `offset` (rows `ld` apart) and the dense
 * row-major p; with `lower`, only the entries on and below the block's diagonal (the rest of p is
 * ignored).
 */
export function subtractBlock(c: Float64Array, offset: number, ld: number, p: ArrayLike<number>, rows: number, cols: number, lower = false): void {
  for (let i = 0; i < rows; i++) {
    const row = offset + i * ld;
    const from = i * cols;
    const end = lower ? Math.min(cols, i + 1) : cols;
    for (let j = 0; j < end; j++) c[row + j]! -= p[from + j]!;
  }
}
