/**
 * Keras's categorical cross-entropy of probabilities, as one op:
 *
 *   loss = -(1/N) sum_i sum_j t_ij log(c_ij),   c = clip(q, eps, 1 - eps),   q_ij = p_ij / s_i,   s_i = sum_j p_ij
 *
 * for predictions p and targets t of shape [N, C] (one-hot rows, or probabilities). Written as tensor
 * ops this is eight nodes (sum, divide, clip, log, multiply, sum, mean, negate), each with its own
 * kernels forward and backward; for the small batches of a classifier (32 x 10) their fixed costs
 * were most of a training step. Here the forward is one pass over the rows, and the gradient with
 * respect to p is one more, through a second op:
 *
 *   G_ij = -(g/N) t_ij [eps <= q_ij <= 1 - eps] / c_ij,    dp_ij = (G_ij - sum_k G_ik q_ik) / s_i
 *
 * (the clip passes the gradient inside its bounds, bounds included, as `clamp` does). The gradient
 * op differentiates again through the same formula written with tensor ops (`gradientOfP`, by
 * `vjp`), so higher derivatives work as for any op. Sums run in float64 and each result is rounded
 * once to the dtype.
 */
import { defineOp, Tensor, vjp } from '@nn/autograd';

/** Keras's epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON]. */
export const EPSILON = 1e-7;

type Storage = Float32Array | Float64Array;

/** The clip bounds in the dtype of `like` (as `clamp` rounds its bounds). */
function bounds(like: Storage): [number, number] {
  return like instanceof Float32Array ? [Math.fround(EPSILON), Math.fround(1 - EPSILON)] : [EPSILON, 1 - EPSILON];
}

/** The elements of `t` in row-major order, without a copy when it is contiguous. */
function elements(t: Tensor): Storage {
  return t.isContiguous ? t.storage.subarray(t.offset, t.offset + t.size) : t.data();
}

/** A new array of `like`'s dtype. */
const allocateLike = (like: Storage, length: number): Storage => (like instanceof Float32Array ? new Float32Array(length) : new Float64Array(length));

/** The loss, forward: one pass over the rows, row sum first, then the clipped logs. */
function lossKernel(t: Storage, p: Storage, rows: number, classes: number): number {
  const [low, high] = bounds(p);
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
  return -total / rows;
}

/** dp for an upstream gradient `g` of the loss: the formula of the header, two passes per row. */
function gradientKernel(g: number, t: Storage, p: Storage, rows: number, classes: number): Storage {
  const [low, high] = bounds(p);
  const out = allocateLike(p, rows * classes);
  const scale = -g / rows;
  const gRow = new Float64Array(classes); // one row of G, unrounded
  for (let i = 0, row = 0; i < rows; i++, row += classes) {
    let s = 0;
    for (let j = 0; j < classes; j++) s += p[row + j]!;
    // First pass: the row of G, and sum_k G_ik q_ik; second pass: dp.
    let dot = 0;
    for (let j = 0; j < classes; j++) {
      const q = p[row + j]! / s;
      const inside = q >= low && q <= high;
      const G = inside ? (scale * t[row + j]!) / q : 0;
      gRow[j] = G;
      dot += G * q;
    }
    for (let j = 0; j < classes; j++) out[row + j] = (gRow[j]! - dot) / s;
  }
  return out;
}

/** [N, C] as rows and classes. */
function rowsAndClasses(p: Tensor): [number, number] {
  return [p.shape[0]!, p.shape[1]!];
}

/**
 * dp as tensor ops: the definition the fused gradient is checked against, and what its own
 * backward differentiates (any order).
 */
function gradientOfP(g: Tensor, t: Tensor, p: Tensor): Tensor {
  const s = p.sum(-1, true);
  const q = p.div(s);
  const inside = q.ge(EPSILON).mul(q.le(1 - EPSILON));
  const G = t.mul(inside).div(q.clamp(EPSILON, 1 - EPSILON)).mul(g.mul(-1 / p.shape[0]!));
  return G.sub(G.mul(q).sum(-1, true)).div(s);
}

/** The gradient with respect to p, fused; differentiable again through `gradientOfP`. */
const probabilityGradient = defineOp({
  name: 'categoricalCrossentropyGradient',
  forward: (g, t, p) => {
    const [rows, classes] = rowsAndClasses(p!);
    const data = gradientKernel(g!.item(), elements(t!), elements(p!), rows, classes);
    return wrap(data, p!.shape);
  },
  backward: (u, { inputs: [g, t, p] }) => vjp(gradientOfP, g!, t!, p!)[1](u),
});

/** The loss op: forward fused, backward through `probabilityGradient` (and tensor ops for t). */
const probabilityLoss = defineOp({
  name: 'categoricalCrossentropy',
  forward: (t, p) => {
    const [rows, classes] = rowsAndClasses(p!);
    const value = lossKernel(elements(t!), elements(p!), rows, classes);
    return wrap(allocateLike(p!.storage, 1).fill(value), []);
  },
  backward: (g, { inputs: [t, p], needsInputGrad }) => [
    needsInputGrad[0] ? p!.div(p!.sum(-1, true)).clamp(EPSILON, 1 - EPSILON).log().mul(g.mul(-1 / p!.shape[0]!)) : null,
    needsInputGrad[1] ? probabilityGradient(g, t!, p!) : null,
  ],
});

/** A row-major tensor over `data` (no copy): [N, C] by default, or a scalar. */
function wrap(data: Storage, shape: readonly number[]): Tensor {
  return new Tensor(data, shape, shape.length === 2 ? [shape[1]!, 1] : [], 0);
}

/**
 * Keras's categorical cross-entropy of probabilities `p` against targets `t` of the same shape (one-hot
 * or probabilities along the last axis), averaged over the other axes: see the header. The caller
 * checks the shapes.
 */
export function probabilityCrossEntropy(t: Tensor, p: Tensor): Tensor {
  if (p.ndim === 2) return probabilityLoss(t, p);
  const classes = p.shape[p.ndim - 1]!;
  return probabilityLoss(t.reshape([-1, classes]), p.reshape([-1, classes]));
}
