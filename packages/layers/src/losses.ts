/**
 * Loss functions, with PyTorch's semantics and `reduction` option:
 * 'mean' (default) averages the per-element (or per-sample) losses, 'sum' adds them, 'none' returns
 * them unreduced. Each takes (prediction, target, options) and checks the shapes and options,
 * naming itself in the error.
 */
import { broadcastShapes, tensor, where, type Tensor, checkOptions, describeValue } from '@nn/autograd';
import { log1pExp } from './special.js';
import { crossEntropyOfLogits } from './fused-cross-entropy.js';
import { expectNumber, expectTensor, formatShape } from './util.js';

/** How the per-element losses are combined. */
export type Reduction = 'mean' | 'sum' | 'none';

/** The option every loss takes. */
export interface LossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

/** Options of huberLoss. */
export interface HuberLossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1, must be > 0). */
  delta?: number;
}

/** Options of nllLoss. */
export interface NllLossOptions extends LossOptions {
  /** A weight per class, shape [C]; the 'mean' then divides by the summed weights of the targets. */
  weight?: Tensor;
}

/** Options of crossEntropy. */
export interface CrossEntropyOptions extends NllLossOptions {
  /**
   * In [0, 1] (default 0): the target becomes (1 - s) * target + s / C (uniform mixing), as PyTorch's
   * `label_smoothing`.
   */
  labelSmoothing?: number;
}

/** Options of binaryCrossEntropy. */
export interface BinaryCrossEntropyOptions extends LossOptions {
  /** A weight per element, broadcast to the input's shape. */
  weight?: Tensor;
}

/** Options of binaryCrossEntropyWithLogits. */
export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** The weight of positive examples, broadcast to the input (per class, shape [C], typically). */
  posWeight?: Tensor;
}

/** Validates the options object and the reduction; returns the reduction. */
function lossOptions(name: string, options: object, known: readonly string[]): Reduction {
  checkOptions(name, options, ['reduction', ...known]);
  const reduction = (options as LossOptions).reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new Error(`${name}: reduction must be 'mean', 'sum' or 'none', got ${describeValue(reduction)}`);
  }
  return reduction;
}

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === 'mean' ? loss.mean() : reduction === 'sum' ? loss.sum() : loss;
}

/** Both arguments are tensors of the same shape (no silent broadcasting of a target). */
function sameShape(name: string, input: unknown, target: unknown): [Tensor, Tensor] {
  const x = expectTensor(input, `${name}: input`);
  const y = expectTensor(target, `${name}: target`);
  if (x.ndim !== y.ndim || x.shape.some((d, i) => d !== y.shape[i])) {
    throw new Error(`${name}: input shape ${formatShape(x.shape)} and target shape ${formatShape(y.shape)} differ`);
  }
  return [x, y];
}

/** An optional weight tensor that must broadcast to `shape` without growing it. */
function weightFor(name: string, option: string, weight: unknown, shape: readonly number[]): Tensor | null {
  if (weight === undefined) return null;
  const w = expectTensor(weight, `${name}: ${option}`);
  let ok: boolean;
  try {
    const joint = broadcastShapes(w.shape, shape, name);
    ok = joint.length === shape.length && joint.every((d, i) => d === shape[i]);
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`${name}: ${option} of shape ${formatShape(w.shape)} does not broadcast to the input's shape ${formatShape(shape)}`);
  return w;
}

/** Mean squared error: (input - target)^2. PyTorch's `mse_loss`, Keras's `MeanSquaredError`. */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = lossOptions('mseLoss', options, []);
  const [x, y] = sameShape('mseLoss', input, target);
  return reduce(x.sub(y).square(), reduction);
}

/** Mean absolute error: |input - target| (gradient 0 where they are equal, as PyTorch). `l1_loss`. */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = lossOptions('l1Loss', options, []);
  const [x, y] = sameShape('l1Loss', input, target);
  return reduce(x.sub(y).abs(), reduction);
}

/**
 * Huber loss: 0.5 d^2 where |d| < delta, else delta * (|d| - 0.5 delta), d = input - target
 * (default delta 1). PyTorch's `huber_loss`, Keras's `Huber`.
 */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  const reduction = lossOptions('huberLoss', options, ['delta']);
  const delta = expectNumber(options.delta ?? 1, 'huberLoss: delta', (v) => v > 0, 'a positive number');
  const [x, y] = sameShape('huberLoss', input, target);
  const d = x.sub(y);
  const absolute = d.abs();
  return reduce(where(absolute.lt(delta), d.square().mul(0.5), absolute.sub(0.5 * delta).mul(delta)), reduction);
}

/**
 * Checks integer class labels (a float tensor of shape [N], values 0..C-1) and turns them into a
 * one-hot [N, C] constant, which selects the target's column by a product (no gather op needed).
 */
function oneHotLabels(name: string, target: Tensor, classes: number, like: Tensor): Tensor {
  const labels = target.data();
  const out = new Float64Array(labels.length * classes);
  labels.forEach((label, i) => {
    if (!Number.isInteger(label)) throw new Error(`${name}: target[${i}] = ${label} is not an integer class index`);
    if (label < 0 || label >= classes) {
      throw new Error(`${name}: target[${i}] = ${label} is out of range for ${classes} classes (expected 0..${classes - 1})`);
    }
    out[i * classes + label] = 1;
  });
  return tensor(out, { shape: [labels.length, classes], dtype: like.dtype });
}

/** A class-weight option: shape [C]. */
function classWeight(name: string, weight: unknown, classes: number): Tensor | null {
  if (weight === undefined) return null;
  const w = expectTensor(weight, `${name}: weight`);
  if (w.ndim !== 1 || w.shape[0] !== classes) {
    throw new Error(`${name}: weight must have shape [${classes}] (one per class), got ${formatShape(w.shape)}`);
  }
  return w;
}

/** [N, C] scores and the class count, checked. */
function classScores(name: string, what: string, input: unknown): Tensor {
  const x = expectTensor(input, `${name}: ${what}`);
  if (x.ndim !== 2) throw new Error(`${name}: expected ${what} of shape [N, C], got ${formatShape(x.shape)}`);
  return x;
}

/**
 * The negative log-likelihood of class labels given log-probabilities, with optional class weights
 * and label smoothing: PyTorch's nll_loss and the label-smoothing part of its cross_entropy.
 * - per sample: nll_i = -w[y_i] logp[i, y_i]; smooth_i = -sum_c w[c] logp[i, c];
 * - loss = (1 - s) * nll + (s / C) * smooth, each reduced alike: 'mean' divides the sums by
 *   sum_i w[y_i] (N without weights), 'sum' adds, 'none' keeps the per-sample values.
 */
function labelLoss(logp: Tensor, oneHot: Tensor, weight: Tensor | null, smoothing: number, reduction: Reduction): Tensor {
  const classes = logp.shape[1]!;
  const weighted = weight === null ? logp : logp.mul(weight);
  const nll = weighted.mul(oneHot).sum(1).neg();
  const smooth = smoothing > 0 ? weighted.sum(1).neg() : null;
  const combine = (reducedNll: Tensor, reducedSmooth: Tensor | null): Tensor =>
    reducedSmooth === null ? reducedNll : reducedNll.mul(1 - smoothing).add(reducedSmooth.mul(smoothing / classes));
  if (reduction === 'none') return combine(nll, smooth);
  if (reduction === 'sum') return combine(nll.sum(), smooth?.sum() ?? null);
  // 'mean': normalized by the total weight of the targets, as PyTorch (the number of samples without weights).
  const total = weight === null ? logp.shape[0]! : oneHot.mul(weight).sum();
  return combine(nll.sum().div(total), smooth?.sum().div(total) ?? null);
}

/**
 * The negative log-likelihood loss of log-probabilities `logProbs` [N, C] (e.g. from `LogSoftmax`)
 * for class labels `target` [N] (integers 0..C-1 in a float tensor): -w[y_i] logProbs[i, y_i].
 * PyTorch's `nll_loss`.
 */
export function nllLoss(logProbs: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const reduction = lossOptions('nllLoss', options, ['weight']);
  const logp = classScores('nllLoss', 'logProbs', logProbs);
  const [n, classes] = logp.shape as [number, number];
  const t = expectTensor(target, 'nllLoss: target');
  if (t.ndim !== 1 || t.shape[0] !== n) {
    throw new Error(`nllLoss: target shape ${formatShape(t.shape)} does not match logProbs ${formatShape(logp.shape)} (expected class indices of shape [${n}])`);
  }
  const weight = classWeight('nllLoss', options.weight, classes);
  return labelLoss(logp, oneHotLabels('nllLoss', t, classes, logp), weight, 0, reduction);
}

/**
 * Cross-entropy of logits [N, C] (unnormalized scores) against either
 * - class indices, a tensor of shape [N] holding integers 0..C-1, or
 * - class probabilities (one-hot or soft labels), a tensor of shape [N, C],
 * as PyTorch's `cross_entropy`, with `weight` (per class), `labelSmoothing` and `reduction`.
 * Fused and stable: built from logSoftmax, it is finite (with finite gradients) at logits of +-1e4.
 * With class indices and weights, 'mean' divides by the summed weights of the targets; with
 * probabilities, 'mean' divides by N (PyTorch's conventions).
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const name = 'crossEntropy';
  const reduction = lossOptions(name, options, ['weight', 'labelSmoothing']);
  const x = classScores(name, 'logits', logits);
  const [n, classes] = x.shape as [number, number];
  const smoothing = expectNumber(options.labelSmoothing ?? 0, `${name}: labelSmoothing`, (v) => v >= 0 && v <= 1, 'in [0, 1]');
  const weight = classWeight(name, options.weight, classes);
  const t = expectTensor(target, `${name}: target`);
  const labels = t.ndim === 1 && t.shape[0] === n;
  const probabilities = t.ndim === 2 && t.shape[0] === n && t.shape[1] === classes;
  if (probabilities && t.dtype === 'int32') {
    // As torch.nn.functional.cross_entropy: a target of the logits' shape holds probabilities, which are floats.
    throw new Error(
      `${name}: target of shape ${formatShape(t.shape)} (the logits' shape) holds class probabilities, which must be a float tensor, got int32 ` +
        `(class indices are an int32 tensor of shape [${n}]; a one-hot int32 target can be cast with cast(target, 'float32'))`,
    );
  }
  if (weight === null && reduction === 'mean' && (labels || probabilities)) {
    // The common case as one fused op; smoothing mixes the uniform distribution into the targets.
    const hot = labels ? oneHotLabels(name, t, classes, x) : t;
    return crossEntropyOfLogits(smoothing > 0 ? hot.mul(1 - smoothing).add(smoothing / classes) : hot, x);
  }
  const logp = x.logSoftmax(1);
  if (labels) return labelLoss(logp, oneHotLabels(name, t, classes, x), weight, smoothing, reduction);
  if (probabilities) {
    const soft = smoothing > 0 ? t.mul(1 - smoothing).add(smoothing / classes) : t;
    const perClass = logp.mul(weight === null ? soft : soft.mul(weight)).neg();
    return reduction === 'none' ? perClass.sum(1) : reduction === 'sum' ? perClass.sum() : perClass.sum().div(n);
  }
  throw new Error(
    `${name}: target shape ${formatShape(t.shape)} matches neither class indices [${n}] nor class probabilities [${n},${classes}] for logits ${formatShape(x.shape)}`,
  );
}

/** log(p) clamped below at -100 as PyTorch's binary_cross_entropy, with no NaN gradient at p = 0. */
function clampedLog(p: Tensor): Tensor {
  const positive = p.gt(0);
  // log of a safe stand-in where p = 0, so neither the value nor the gradient of the unused branch is
  // infinite or NaN (the gradient of log at 0 would be 0 / 0 through the mask).
  const logP = where(positive, p, 1).log();
  return where(logP.gt(-100).mul(positive), logP, -100);
}

/**
 * Binary cross-entropy of probabilities `input` (in [0, 1], e.g. from `Sigmoid`) against targets in
 * [0, 1]: -w (y log p + (1 - y) log(1 - p)), each log clamped to >= -100 as PyTorch does, so p = 0 or 1
 * gives a finite loss. Where a log is clamped its gradient is 0 (PyTorch's rule divides by
 * max(p (1 - p), 1e-12) there instead). Prefer `binaryCrossEntropyWithLogits` on logits: it is
 * exact where the sigmoid saturates.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor {
  const name = 'binaryCrossEntropy';
  const reduction = lossOptions(name, options, ['weight']);
  const [p, y] = sameShape(name, input, target);
  const bad = p.data().findIndex((v) => !(v >= 0 && v <= 1));
  if (bad >= 0) throw new Error(`${name}: input must hold probabilities in [0, 1], got ${p.data()[bad]} at flat index ${bad}`);
  const weight = weightFor(name, 'weight', options.weight, p.shape);
  const loss = y.mul(clampedLog(p)).add(y.neg().add(1).mul(clampedLog(p.neg().add(1)))).neg();
  return reduce(weight === null ? loss : loss.mul(weight), reduction);
}

/**
 * Binary cross-entropy on logits x (sigmoid applied inside), stable at any x:
 * (1 - y) x + l (log(1 + e^-|x|) + max(-x, 0)), with l = 1 + (posWeight - 1) y, which is
 * max(x, 0) - x y + log(1 + e^-|x|) without posWeight. PyTorch's `binary_cross_entropy_with_logits`.
 * The gradient is exactly sigmoid(x) - y, also at x = 0.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  const name = 'binaryCrossEntropyWithLogits';
  const reduction = lossOptions(name, options, ['weight', 'posWeight']);
  const [x, y] = sameShape(name, input, target);
  const weight = weightFor(name, 'weight', options.weight, x.shape);
  const posWeight = weightFor(name, 'posWeight', options.posWeight, x.shape);
  // softplus(-x) = log(1 + e^-x) = log(1 + e^-|x|) + max(-x, 0), one smooth op.
  const logWeight = posWeight === null ? null : posWeight.sub(1).mul(y).add(1);
  const loss = y.neg().add(1).mul(x).add(logWeight === null ? log1pExp(x.neg()) : log1pExp(x.neg()).mul(logWeight));
  return reduce(weight === null ? loss : loss.mul(weight), reduction);
}
