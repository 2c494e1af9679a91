/**
 * Scaled dot-product attention, PyTorch's `torch.nn.functional.scaled_dot_product_attention`:
 * softmax(q k^T * scale + mask) v, on any number of leading batch axes ([B, H, L, E] for multi-head
 * attention). Batched matmuls around one op for softmax(scores + mask) (./attention-softmax.ts),
 * max-shifted, so it is stable at large scores, and differentiable twice.
 */
import { broadcastShapes, checkGenerator, checkOptions, describeValue, type Generator, type FloatDType, type Tensor } from '@nn/autograd';
import { additiveMask, causalMask, type BooleanMeaning } from './attention-mask.js';
import { dropout as dropoutOf } from './dropout.js';
import { attentionSoftmax } from './attention-softmax.js';
import { expectBoolean, expectNumber, expectTensor, formatShape } from './util.js';

/** Options of `scaledDotProductAttention`. */
export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to the scores' shape [..., L, S]. An int32 mask of 0/1 is boolean, PyTorch's bool
   * `attn_mask`: **1 = takes part in attention**, 0 = masked out. A float mask is added to the scores
   * (0 keeps, -Infinity removes). Note: MultiheadAttention's boolean masks mean the opposite (1 =
   * masked out), as in PyTorch.
   */
  mask?: Tensor;
  /**
   * Query i attends to keys j <= i only (PyTorch's `is_causal`: the top-left lower triangle, also when
   * L != S). Built from `triu` and cached. Give either `mask` or `causal`, as PyTorch.
   */
  causal?: boolean;
  /**
   * The dropout probability on the attention weights (default 0). Applied whenever > 0, as PyTorch's
   * `dropout_p`: pass 0 in evaluation (MultiheadAttention does so outside training mode).
   */
  dropout?: number;
  /** The factor of the scores (default 1 / sqrt(E), E the last axis of q). */
  scale?: number;
  /** The generator of the dropout masks (default: the global one that `manualSeed` seeds). */
  rng?: Generator;
}

/** Attention's result with its weights (softmax of the scores, after dropout). */
export interface AttentionResult {
  /** [..., L, Ev]. */
  output: Tensor;
  /** [..., L, S]. */
  weights: Tensor;
}

/** The float dtype of an operand, or an error naming the op (softmax has no int32 kernel). */
function floatDtype(t: Tensor, what: string): FloatDType {
  if (t.dtype === 'int32') throw new Error(`${what} must be a float tensor, got int32 of shape ${formatShape(t.shape)}`);
  return t.dtype;
}

/**
 * The checks of q [..., L, E], k [..., S, E] and v [..., S, Ev], with `op` naming the caller;
 * returns the scores' shape [...batch, L, S].
 */
export function attentionShapes(q: Tensor, k: Tensor, v: Tensor, op: string): number[] {
  const names = ['query', 'key', 'value'] as const;
  [q, k, v].forEach((t, i) => {
    expectTensor(t, `${op}: ${names[i]}`);
    if (t.ndim < 2) throw new Error(`${op}: ${names[i]} must have at least 2 axes [..., length, features], got shape ${formatShape(t.shape)}`);
    floatDtype(t, `${op}: ${names[i]}`);
  });
  const all = `query ${formatShape(q.shape)}, key ${formatShape(k.shape)}, value ${formatShape(v.shape)}`;
  if (q.shape[q.ndim - 1] !== k.shape[k.ndim - 1]) {
    throw new Error(`${op}: query and key must have the same last axis (features), got ${all}`);
  }
  if (k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new Error(`${op}: key and value must have the same length (second-to-last axis), got ${all}`);
  }
  let batch: readonly number[];
  try {
    batch = broadcastShapes(broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2), op), v.shape.slice(0, -2), op);
  } catch {
    throw new Error(`${op}: the batch axes (all but the last two) do not broadcast together: ${all}`);
  }
  return [...batch, q.shape[q.ndim - 2]!, k.shape[k.ndim - 2]!];
}

/** Checks that `mask` broadcasts to `scores` (without growing it); `what` names it. */
export function checkMaskShape(mask: Tensor, scores: readonly number[], what: string): void {
  let shape: readonly number[] | null;
  try {
    shape = broadcastShapes(mask.shape, scores, what);
  } catch {
    shape = null;
  }
  if (shape === null || shape.length !== scores.length || shape.some((d, i) => d !== scores[i])) {
    throw new Error(`${what} of shape ${formatShape(mask.shape)} does not broadcast to the attention scores' shape ${formatShape(scores)} ([..., L, S])`);
  }
}

/**
 * The computation itself, on checked operands: softmax(q * scale k^T + mask) with dropout, then
 * times v. `mask` is additive (or null). Scaling q before the product costs L*E multiplications per
 * batch instead of L*S, and is what PyTorch does.
 */
export function attend(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, scale: number, dropout: number, rng: Generator | undefined): AttentionResult {
  const scores = q.mul(scale).matmul(k.transpose(-2, -1));
  const weights = dropoutOf(attentionSoftmax(scores, mask), dropout, rng);
  return { output: weights.matmul(v), weights };
}

/** The option checks shared by scaledDotProductAttention and MultiheadAttention's dropout. */
export function checkDropout(value: unknown, what: string): number {
  return expectNumber(value, what, (p) => p >= 0 && p < 1, 'a probability in [0, 1)');
}

/**
 * The additive mask of a user mask, checked against the scores' shape: `meaning` says what a 1 of an
 * int32 (boolean) mask means. `what` names the mask in errors.
 */
export function userMask(mask: unknown, scores: readonly number[], dtype: FloatDType, meaning: BooleanMeaning, what: string): Tensor {
  const m = expectTensor(mask, what);
  checkMaskShape(m, scores, what);
  return additiveMask(m, dtype, meaning, what);
}

/**
 * Scaled dot-product attention: softmax(q k^T * scale + mask) v, as PyTorch's
 * `F.scaled_dot_product_attention`. q is [..., L, E], k [..., S, E], v [..., S, Ev] (leading axes
 * broadcast, e.g. [batch, heads, length, headDim]); the result is [..., L, Ev].
 *
 * - `mask`: int32 0/1 is boolean with **1 = attend** (PyTorch's bool mask), float is added.
 * - `causal`: query i sees keys j <= i (a cached `triu` mask); not together with `mask`.
 * - `dropout`: on the attention weights, whenever > 0 (pass 0 in evaluation), drawn from `rng`.
 * - `scale`: default 1 / sqrt(E).
 *
 * A row whose keys are all masked out is NaN, as in PyTorch.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: ScaledDotProductAttentionOptions = {}): Tensor {
  const op = 'scaledDotProductAttention';
  checkOptions(op, opts, ['mask', 'causal', 'dropout', 'scale', 'rng']);
  const scores = attentionShapes(q, k, v, op);
  const causal = expectBoolean(opts.causal ?? false, `${op}: option causal`);
  const dropout = checkDropout(opts.dropout ?? 0, `${op}: option dropout`);
  const features = q.shape[q.ndim - 1]!;
  const scale = opts.scale === undefined ? 1 / Math.sqrt(features) : expectNumber(opts.scale, `${op}: option scale`, () => true, 'a finite number');
  const rng = checkGenerator(op, opts.rng);
  if (causal && opts.mask !== undefined) {
    throw new Error(`${op}: give either mask or causal, not both (as PyTorch); add the causal mask into yours instead, got mask ${describeValue(opts.mask)}`);
  }
  const dtype = q.dtype as FloatDType;
  const [length, keys] = scores.slice(-2) as [number, number];
  const mask = causal ? causalMask(length, keys, dtype) : opts.mask === undefined ? null : userMask(opts.mask, scores, dtype, 'attend', `${op}: mask`);
  return attend(q, k, v, mask, scale, dropout, rng).output;
}
