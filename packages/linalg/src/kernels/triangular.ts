/**
 * Triangular solves T X = B for one n x n triangular T and an n x k right-hand side, in place in B
 * (forward and back substitution, as LAPACK's trsm with side = 'L'). Only T's triangle is read; an
 * exactly zero diagonal divides by zero (inf / NaN), as torch.linalg.solve_triangular does.
 */

/**
 * Solves T X = B, overwriting `b` (n x k row-major, from `bOffset`) with X. `upper` picks T's triangle
 * (`t` n x n row-major from `tOffset`); `unit` takes its diagonal as ones without reading it.
 *
 * Loop order: row i of X is row i of B minus T[i][j] times the already solved rows j (j < i for lower,
 * j > i for upper), then divided by T[i][i]. The inner loop runs along a row of B, unit stride: an
 * axpy per (i, j), n^2 k / 2 multiply-adds in all.
 */
export function solveTriangularInPlace(
  t: Float64Array, tOffset: number, n: number,
  b: Float64Array, bOffset: number, k: number,
  upper: boolean, unit: boolean,
): void {
  for (let step = 0; step < n; step++) {
    const i = upper ? n - 1 - step : step;
    const rowI = bOffset + i * k;
    const tRow = tOffset + i * n;
    const from = upper ? i + 1 : 0;
    const to = upper ? n : i;
    for (let j = from; j < to; j++) {
      // No skip when f is 0: a NaN in a solved row must still propagate.
      const f = t[tRow + j]!;
      const rowJ = bOffset + j * k;
      for (let c = 0; c < k; c++) b[rowI + c]! -= f * b[rowJ + c]!;
    }
    if (!unit) {
      const d = t[tRow + i]!;
      for (let c = 0; c < k; c++) b[rowI + c]! /= d;
    }
  }
}
