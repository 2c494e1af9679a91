/**
 * Cross-entropies as single ops, for the loss functions of this package and of @nn/train.
 *
 * Written as tensor ops, a cross-entropy is a chain of six to eight small nodes (softmax or row sums,
 * logs, a product with the targets, sums, a mean), each with its own kernels forward and backward;
 * for the batches of a classifier (32 x 10) their fixed costs were most of a training step. Here the
 * loss is one pass over the rows, and its gradient with respect to the predictions is one more,
 * through a second op. That gradient op differentiates again through the same gradient written with
 * tensor ops (by `vjp`), so second and higher derivatives work as for any op. The loops are in
 * ./kernels/cross-entropy.ts: sums in float64, each result rounded once to the dtype.
 *
 * Both take targets `t` of the predictions' shape [N, C] (one-hot rows, or probabilities) and average
 * over the N rows; a shape that differs is an error naming both shapes, float32 with float64
 * computes in float64, as every op does, and int32 targets take the predictions' dtype.
 */
import { defineOp, full, vjp, zeros, type Tensor } from '@nn/autograd';
import { elements, expectTensor, formatShape, WASM_MIN } from './util.js';
import { runsOnWasm } from '@nn/autograd/wasm';
import { maskedSoftmaxRowsWasm } from './kernels/softmax-wasm.js';
import {
  EPSILON, logitLoss, logitLossGradient, probabilityLoss, probabilityLossGradient, type Storage,
} from './kernels/cross-entropy.js';

/**
 * A loss op over [N, C] targets and predictions: the forward `loss` and the gradient `gradient` as
 * loops, `gradientOps` the same gradient as tensor ops (what the gradient op differentiates), and
 * `targetGradient` the gradient with respect to the targets as tensor ops (rarely needed).
 */
function fusedLoss(spec: {
  name: string;
  /** What the predictions are, in error messages. */
  predictions: string;
  loss: (t: Storage, y: Storage, rows: number, classes: number) => number;
  gradient: (out: Storage, g: number, t: Storage, y: Storage, rows: number, classes: number) => void;
  gradientOps: (g: Tensor, t: Tensor, y: Tensor) => Tensor;
  targetGradient: (g: Tensor, y: Tensor) => Tensor;
}): (target: Tensor, predictions: Tensor) => Tensor {
  const gradientOp = defineOp({
    name: `${spec.name}Gradient`,
    forward: (g, t, y) => {
      const out = zeros(y!.shape, { dtype: y!.dtype });
      spec.gradient(out.storage, g!.item(), elements(t!), elements(y!), y!.shape[0]!, y!.shape[1]!);
      return out;
    },
    backward: (u, { inputs: [g, t, y] }) => vjp(spec.gradientOps, g!, t!, y!)[1](u),
  });
  const lossOp = defineOp({
    name: spec.name,
    forward: (t, y) => full([], spec.loss(elements(t!), elements(y!), y!.shape[0]!, y!.shape[1]!), { dtype: y!.dtype }),
    backward: (g, { inputs: [t, y], needsInputGrad }) => [
      needsInputGrad[0] ? spec.targetGradient(g, y!) : null,
      needsInputGrad[1] ? gradientOp(g, t!, y!) : null,
    ],
  });
  return (target, predictions) => {
    const t = expectTensor(target, `${spec.name}: target`);
    const y = expectTensor(predictions, `${spec.name}: ${spec.predictions}`);
    if (y.ndim === 0 || t.ndim !== y.ndim || t.shape.some((d, i) => d !== y.shape[i])) {
      throw new Error(`${spec.name}: target of shape ${formatShape(t.shape)} does not match ${spec.predictions} of shape ${formatShape(y.shape)} (expected the same shape, classes on the last axis)`);
    }
    if (y.dtype === 'int32') throw new Error(`${spec.name}: ${spec.predictions} must be a float tensor, got int32`);
    // float32 with float64 gives float64, as for every op; int32 targets (one-hot) take the predictions' dtype, as Keras casts them.
    const [tt, yy] = t.dtype === y.dtype ? [t, y] : t.dtype === 'int32' ? [t.cast(y.dtype), y] : [t.cast('float64'), y.cast('float64')];
    if (yy.ndim === 2) return lossOp(tt, yy);
    // Other ranks: every axis but the last is a row.
    const classes = yy.shape[yy.ndim - 1]!;
    return lossOp(tt.reshape([-1, classes]), yy.reshape([-1, classes]));
  };
}

/** q = p / (row sums of p), clipped to [EPSILON, 1 - EPSILON], and the row sums. */
function clippedProbabilities(p: Tensor): { q: Tensor; c: Tensor; s: Tensor } {
  const s = p.sum(-1, true);
  const q = p.div(s);
  return { q, c: q.clamp(EPSILON, 1 - EPSILON), s };
}

const probabilityCrossEntropy = fusedLoss({
  name: 'crossEntropyOfProbabilities',
  predictions: 'probabilities',
  loss: probabilityLoss,
  gradient: probabilityLossGradient,
  gradientOps: (g, t, p) => {
    const { q, c, s } = clippedProbabilities(p);
    const inside = q.ge(EPSILON).mul(q.le(1 - EPSILON));
    const G = t.mul(inside).div(c).mul(g.mul(-1 / p.shape[0]!));
    return G.sub(G.mul(q).sum(-1, true)).div(s);
  },
  targetGradient: (g, p) => clippedProbabilities(p).c.log().mul(g.mul(-1 / p.shape[0]!)),
});

/**
 * softmax(x) of float32 logits on WebAssembly (./kernels/softmax-wasm.ts), and each row's shift and sum
 * into `stats`, where the kernel takes them; else null. In JavaScript the exponentials (Math.exp,
 * about 12 ns each) were most of the loss's time on a language model's logits.
 */
function wasmSoftmax(x: Storage, rows: number, classes: number, stats: Float64Array | null): Float32Array | null {
  if (!(x instanceof Float32Array) || !runsOnWasm(x.length >= WASM_MIN)) return null;
  const probabilities = new Float32Array(x.length);
  return maskedSoftmaxRowsWasm(probabilities, x, null, rows, classes, 1, stats) ? probabilities : null;
}

const logitCrossEntropy = fusedLoss({
  name: 'crossEntropyOfLogits',
  predictions: 'logits',
  loss: (t, x, rows, classes) => {
    const stats = new Float64Array(2 * rows);
    return logitLoss(t, x, rows, classes, wasmSoftmax(x, rows, classes, stats) === null ? null : stats);
  },
  gradient: (out, g, t, x, rows, classes) => logitLossGradient(out, g, t, x, rows, classes, wasmSoftmax(x, rows, classes, null)),
  gradientOps: (g, t, x) => x.softmax(-1).mul(t.sum(-1, true)).sub(t).mul(g.mul(1 / x.shape[0]!)),
  targetGradient: (g, x) => x.logSoftmax(-1).mul(g.mul(-1 / x.shape[0]!)),
});

/**
 * Keras's categorical cross-entropy of probabilities `p` against targets `t` of its shape, as one op:
 * -(1/N) sum_ij t_ij log(clip(p_ij / s_i, 1e-7, 1 - 1e-7)), s_i the sum of row i of p (Keras
 * normalizes, then clips so that a saturated softmax gives no NaN or Infinity; the clip passes the
 * gradient inside its bounds, bounds included, as `clamp` does). Every axis but the last is a row.
 * The shapes are the caller's to check.
 */
export function crossEntropyOfProbabilities(t: Tensor, p: Tensor): Tensor {
  return probabilityCrossEntropy(t, p);
}

/**
 * The cross-entropy of logits `x` against targets `t` of its shape (one-hot or probabilities), as one
 * op: -(1/N) sum_ij t_ij logSoftmax(x)_ij, computed stably (each row shifted by its maximum).
 * Classes a row of `t` gives 0 are skipped, so a logit of -Infinity there gives no NaN; a NaN logit,
 * or a row holding +Infinity, makes the loss NaN, as in PyTorch. Every axis but the last is a row;
 * `t` must have `x`'s shape.
 */
export function crossEntropyOfLogits(t: Tensor, x: Tensor): Tensor {
  return logitCrossEntropy(t, x);
}
