/**
 * The loops of the fused cross-entropies (../fused-cross-entropy.ts), on row-major [rows, classes]
 * arrays. Each walks the rows once, in order, and within a row makes two or three passes over its
 * classes (a row of a classifier is a few to a few hundred values, so it stays in L1). Sums run in
 * float64; each result is rounded once, when stored.
 */

export type Storage = Float32Array | Float64Array | Int32Array;

/** Keras's epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON]. */
export const EPSILON = 1e-7;

/** The clip bounds in the dtype of `like` (as `clamp` rounds its bounds). */
function clipBounds(like: Storage): [number, number] {
  return like instanceof Float32Array ? [Math.fround(EPSILON), Math.fround(1 - EPSILON)] : [EPSILON, 1 - EPSILON];
}

/** -(1/rows) sum_ij t_ij log(clip(p_ij / s_i)), s_i the row sums of p. */
export function probabilityLoss(t: Storage, p: Storage, rows: number, classes: number): number {
  const [low, high] = clipBounds(p);
  let total = 0;
  for (let i = 0, row = 0; i < rows; i++, row += classes) {
    let s = 0;
    for (let j = 0; j < classes; j++) s += p[row + j]!;
    for (let j = 0; j < classes; j++) {
      const q = p[row + j]! / s;
      const c = q < low ? low : q > high ? high : q; // NaN (a row summing to 0) stays NaN
      total += t[row + j]! * Math.log(c);
    }
  }
  return (0 - total) / rows; // a zero loss is +0, as PyTorch's (-total would make it -0)
}

/**
 * The gradient of `probabilityLoss` times `g`, with respect to p, into `out` (p's shape and dtype): G_ij = -(g/rows) t_ij / q_ij where
 * q_ij = p_ij / s_i lies within the clip bounds (bounds included) and 0 elsewhere, then
 * dp_ij = (G_ij - sum_k G_ik q_ik) / s_i.
 */
export function probabilityLossGradient(out: Storage, g: number, t: Storage, p: Storage, rows: number, classes: number): void {
  const [low, high] = clipBounds(p);
  const scale = -g / rows;
  const gRow = new Float64Array(classes); // one row of G, unrounded
  for (let i = 0, row = 0; i < rows; i++, row += classes) {
    let s = 0;
    for (let j = 0; j < classes; j++) s += p[row + j]!;
    let dot = 0;
    for (let j = 0; j < classes; j++) {
      const q = p[row + j]! / s;
      const G = q >= low && q <= high ? (scale * t[row + j]!) / q : 0;
      gRow[j] = G;
      dot += G * q;
    }
    for (let j = 0; j < classes; j++) out[row + j] = (gRow[j]! - dot) / s;
  }
}

/**
 * The shift that keeps exp from overflowing in one row: its maximum (NaN if it holds a NaN), even when
 * infinite, as PyTorch's log_softmax: a row holding +Infinity, or only -Infinity, is NaN.
 */
function rowShift(x: Storage, row: number, classes: number): number {
  let max = -Infinity;
  for (let j = 0; j < classes; j++) max = x[row + j]! > max || Number.isNaN(x[row + j]!) ? x[row + j]! : max;
  return max;
}

/** log(sum_j exp(x_j)) of one row, shifted by its maximum. */
function rowLogSumExp(x: Storage, row: number, classes: number): number {
  const shift = rowShift(x, row, classes);
  let sum = 0;
  for (let j = 0; j < classes; j++) sum += Math.exp(x[row + j]! - shift);
  return shift + Math.log(sum);
}

/**
 * -(1/rows) sum_ij t_ij log softmax(x)_ij, with log softmax(x)_ij = x_ij - shift - log(sum_k exp(x_ik - shift)).
 * Classes with t_ij = 0 add nothing, so that a logit of -Infinity in a class the target does not
 * weigh gives no 0 * -Infinity (as PyTorch's cross-entropy of class indices); a NaN log-probability
 * still goes through. `stats`, when given, holds each row's shift and sum of exponentials (two
 * float64 a row, as ./softmax-wasm.ts's softmax returns them), which then need not be computed here.
 */
export function logitLoss(t: Storage, x: Storage, rows: number, classes: number, stats: Float64Array | null = null): number {
  let total = 0;
  for (let i = 0, row = 0; i < rows; i++, row += classes) {
    const logSumExp = stats === null ? rowLogSumExp(x, row, classes) : stats[2 * i]! + Math.log(stats[2 * i + 1]!);
    for (let j = 0; j < classes; j++) {
      const weight = t[row + j]!;
      const logp = x[row + j]! - logSumExp;
      if (weight !== 0 || logp !== logp) total += weight * logp;
    }
  }
  return (0 - total) / rows; // a zero loss is +0, as PyTorch's (-total would make it -0)
}

/**
 * The gradient of `logitLoss` times `g`, with respect to x: (g/rows) (softmax(x)_ij sum_k t_ik - t_ij).
 * One exp an element: the shifted exponentials of a row are kept for the last pass. With
 * `probabilities` (softmax(x), computed elsewhere) there is no exp at all.
 */
export function logitLossGradient(out: Storage, g: number, t: Storage, x: Storage, rows: number, classes: number, probabilities: Storage | null = null): void {
  const scale = g / rows;
  if (probabilities !== null) {
    for (let i = 0, row = 0; i < rows; i++, row += classes) {
      let targetSum = 0;
      for (let j = 0; j < classes; j++) targetSum += t[row + j]!;
      for (let j = 0; j < classes; j++) out[row + j] = scale * (probabilities[row + j]! * targetSum - t[row + j]!);
    }
    return;
  }
  const exps = new Float64Array(classes);
  for (let i = 0, row = 0; i < rows; i++, row += classes) {
    const shift = rowShift(x, row, classes);
    let sum = 0;
    let targetSum = 0;
    for (let j = 0; j < classes; j++) {
      exps[j] = Math.exp(x[row + j]! - shift);
      sum += exps[j]!;
      targetSum += t[row + j]!;
    }
    for (let j = 0; j < classes; j++) out[row + j] = scale * ((exps[j]! / sum) * targetSum - t[row + j]!);
  }
}
