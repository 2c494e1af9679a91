/**
 * Gradient clipping, as PyTorch's `clip_grad_norm_` and `clip_grad_value_`.
 *
 * PyTorch scales the gradients in place. Here a clipped gradient is replaced by a new tensor (same
 * shape and dtype) instead: the engine may hand one gradient tensor to several leaves, or give a
 * broadcast view, so writing into `.grad` could change another parameter's gradient.
 */
import { checkOptions, describeValue, Tensor, tensor, type Storage } from '@nn/autograd';
import { isIterable } from './options.js';

/** Options of {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /** Throw if the total norm is NaN or infinite (instead of scaling by it). Default false. */
  errorIfNonfinite?: boolean;
}

/** The tensors of `params` that have a gradient, after checking that each is a Tensor. */
function withGrads(owner: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  if (!isIterable(params) && !(params instanceof Tensor)) {
    throw new Error(`${owner}: params must be a Tensor or an array of tensors, got ${describeValue(params)}`);
  }
  const list: unknown[] = params instanceof Tensor ? [params] : Array.from(params);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${owner}: parameter ${i} is not a Tensor (got ${describeValue(p)})`);
  });
  return (list as Tensor[]).filter((p) => p.grad !== null);
}

/** Rounding to the dtype a value of these tensors is computed in (float32 only when all are). */
function roundingFor(grads: readonly Tensor[]): (v: number) => number {
  return grads.every((g) => g.dtype === 'float32') ? Math.fround : (v) => v;
}

/** The p-norm of `values` (computed in float64). */
function norm(values: ArrayLike<number>, p: number): number {
  let acc = 0;
  if (p === Infinity) {
    for (let i = 0; i < values.length; i++) acc = Math.max(acc, Math.abs(values[i]!));
    return acc;
  }
  if (p === 1) {
    for (let i = 0; i < values.length; i++) acc += Math.abs(values[i]!);
    return acc;
  }
  if (p === 2) {
    for (let i = 0; i < values.length; i++) acc += values[i]! * values[i]!;
    return Math.sqrt(acc);
  }
  for (let i = 0; i < values.length; i++) acc += Math.abs(values[i]!) ** p;
  return acc ** (1 / p);
}

/** Replaces `param.grad` by a tensor of the same shape and dtype holding `values`. */
function setGrad(param: Tensor, grad: Tensor, values: Storage): void {
  param.grad = tensor(values, { dtype: grad.dtype, shape: grad.shape });
}

/**
 * Scales the gradients of `params` so that their total norm (the norm of all of them as one vector)
 * is at most `maxNorm`, as PyTorch's `clip_grad_norm_`, and returns the total norm before clipping.
 * `normType` is any p > 0 or `Infinity` (the largest absolute value). As in PyTorch the scale is
 * `min(1, maxNorm / (totalNorm + 1e-6))`. Parameters without a gradient are ignored; with none, the
 * norm is 0.
 *
 * @example
 * loss.backward();
 * clipGradNorm(model.parameters(), 1.0);
 * opt.step();
 */
export function clipGradNorm(
  params: Tensor | Iterable<Tensor>,
  maxNorm: number,
  normType = 2,
  opts: ClipGradNormOptions = {},
): number {
  const owner = 'clipGradNorm';
  checkOptions(owner, opts, ['errorIfNonfinite']);
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new Error(`${owner}: maxNorm must be a number >= 0, got ${describeValue(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new Error(`${owner}: normType must be a number > 0 or Infinity, got ${describeValue(normType)}`);
  }
  const params_ = withGrads(owner, params);
  if (params_.length === 0) return 0;
  const grads = params_.map((p) => p.grad!);
  const values = grads.map((g) => g.data());
  // PyTorch takes each gradient's norm in its dtype, then the norm of those norms.
  const norms = values.map((v, i) => (grads[i]!.dtype === 'float32' ? Math.fround(norm(v, normType)) : norm(v, normType)));
  const round = roundingFor(grads);
  const total = round(norm(norms, normType));
  if (opts.errorIfNonfinite === true && !Number.isFinite(total)) {
    throw new Error(
      `${owner}: the total norm of order ${normType} of the gradients is ${total}, so they cannot be clipped ` +
        '(pass errorIfNonfinite: false to scale by it anyway)',
    );
  }
  const coef = Math.min(round(maxNorm / round(total + round(1e-6))), 1);
  if (coef === 1) return total; // multiplying by 1 changes nothing
  params_.forEach((p, i) => {
    const v = values[i]!;
    const c = v instanceof Float32Array ? Math.fround(coef) : coef;
    for (let k = 0; k < v.length; k++) v[k] = v[k]! * c;
    setGrad(p, grads[i]!, v);
  });
  return total;
}

/**
 * Clamps every gradient element of `params` to `[-clipValue, clipValue]`, as PyTorch's
 * `clip_grad_value_`. Parameters without a gradient are ignored.
 *
 * @example
 * clipGradValue(model.parameters(), 0.5);
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const owner = 'clipGradValue';
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) {
    throw new Error(`${owner}: clipValue must be a number >= 0, got ${describeValue(clipValue)}`);
  }
  for (const p of withGrads(owner, params)) {
    const grad = p.grad!;
    const v = grad.data();
    const c = v instanceof Float32Array ? Math.fround(clipValue) : clipValue;
    let changed = false;
    for (let k = 0; k < v.length; k++) {
      const clamped = Math.min(Math.max(v[k]!, -c), c);
      if (clamped !== v[k]) {
        v[k] = clamped;
        changed = true;
      }
    }
    if (changed) setGrad(p, grad, v);
  }
}
