/**
 * The in-place tensor ops PyTorch's optimizers are written with (`mul_`, `add_(other, alpha)`,
 * `addcmul_`, `addcdiv_`, ...), on raw typed arrays. The update rules call these in PyTorch's order,
 * line for line, so that they round where PyTorch rounds.
 *
 * The arrays have the parameter's dtype. For a float32 parameter PyTorch computes in float32: it
 * casts the Python-float scalar to float32 (`scalar` below), rounds each op's result (storing into a
 * Float32Array does that), and rounds the product inside `addcmul` / `addcdiv` before using it
 * (`inner` below). A float32 product of two floats is exact in float64, so `x + a * y` computed in
 * float64 and then stored is PyTorch's fused multiply-add to within a double rounding.
 *
 * In float64 the only difference left is that PyTorch's AVX2 kernels fuse `x + a * y` into one FMA
 * (one rounding) where JavaScript rounds twice: a last-bit difference now and then.
 */
import type { Storage } from '@nn/autograd';

const identity = (v: number): number => v;

/** A Python float scalar as the kernel of a tensor of `x`'s dtype sees it. */
export function scalar(x: Storage, value: number): number {
  return x instanceof Float32Array ? Math.fround(value) : value;
}

/** Rounding of an intermediate result to `x`'s dtype. */
function inner(x: Storage): (v: number) => number {
  return x instanceof Float32Array ? Math.fround : identity;
}

/** `x.clone()` */
export function clone(x: Storage): Storage {
  return x.slice();
}

/** `x.mul_(s)` */
export function mul_(x: Storage, s: number): void {
  const c = scalar(x, s);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * c;
}

/** `x.add_(s)` for a scalar `s` */
export function addScalar_(x: Storage, s: number): void {
  const c = scalar(x, s);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + c;
}

/** `x.add_(y, alpha=alpha)`: x + alpha * y */
export function add_(x: Storage, y: Storage, alpha = 1): void {
  const a = scalar(x, alpha);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + a * y[i]!;
}

/** `x.addcmul_(t1, t2, value=value)`: x + value * t1 * t2, evaluated as PyTorch does: (value * t1) * t2 */
export function addcmul_(x: Storage, t1: Storage, t2: Storage, value = 1): void {
  const v = scalar(x, value);
  const r = inner(x);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + r(v * t1[i]!) * t2[i]!;
}

/** `x.addcdiv_(t1, t2, value=value)`: x + value * t1 / t2, evaluated as PyTorch does: (value * t1) / t2 */
export function addcdiv_(x: Storage, t1: Storage, t2: Storage, value = 1): void {
  const v = scalar(x, value);
  const r = inner(x);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + r(r(v * t1[i]!) / t2[i]!);
}

/** `x.sqrt_()` */
export function sqrt_(x: Storage): void {
  for (let i = 0; i < x.length; i++) x[i] = Math.sqrt(x[i]!);
}

/** The per-step constants of {@link adamStep_}, as Python floats (float64) before rounding. */
export interface AdamCoefficients {
  /** AdamW's shrink factor 1 - lr * weightDecay (1 for Adam). */
  shrink: number;
  /** Adam's L2 weight decay added to the gradient (0 for AdamW). */
  decay: number;
  beta1: number;
  beta2: number;
  /** sqrt(1 - beta2^t) */
  biasCorrection2Sqrt: number;
  eps: number;
  /** lr / (1 - beta1^t) */
  stepSize: number;
}

/** The constants of one Adam step as a kernel for `param`'s dtype uses them (each rounded to it). */
export function adamConstants(param: Storage, k: AdamCoefficients) {
  return {
    shrink: scalar(param, k.shrink),
    decay: scalar(param, k.decay),
    beta1: scalar(param, k.beta1),
    oneMinusBeta1: scalar(param, 1 - k.beta1),
    beta2: scalar(param, k.beta2),
    oneMinusBeta2: scalar(param, 1 - k.beta2),
    correction: scalar(param, k.biasCorrection2Sqrt),
    eps: scalar(param, k.eps),
    step: scalar(param, -k.stepSize),
  };
}

/**
 * One Adam (or AdamW) step over every element, fused: the same sequence of PyTorch ops as
 *
 *   param.mul_(shrink); grad.add_(param, alpha=decay); expAvg.mul_(beta1).add_(grad, alpha=1 - beta1);
 *   expAvgSq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2); [maxExpAvgSq = max(maxExpAvgSq, expAvgSq)];
 *   denom = (second.sqrt() / biasCorrection2Sqrt).add_(eps); param.addcdiv_(expAvg, denom, value=-stepSize)
 *
 * with each intermediate rounded where that op would store it (`round`, the identity in float64), so
 * the result is the op-by-op one bit for bit, in one pass over memory instead of ten and without the
 * temporary `denom`.
 */
export function adamStep_(param: Storage, grad: Storage, expAvg: Storage, expAvgSq: Storage, maxExpAvgSq: Storage | null, k: AdamCoefficients): void {
  const round = inner(param);
  // The constants of `adamConstants`, computed here as locals: read from its object, they made this
  // loop three times slower on Node 20 (measured on the digits fit), and the tests hold the two equal.
  const shrink = scalar(param, k.shrink);
  const decay = scalar(param, k.decay);
  const beta1 = scalar(param, k.beta1);
  const oneMinusBeta1 = scalar(param, 1 - k.beta1);
  const beta2 = scalar(param, k.beta2);
  const oneMinusBeta2 = scalar(param, 1 - k.beta2);
  const correction = scalar(param, k.biasCorrection2Sqrt);
  const eps = scalar(param, k.eps);
  const step = scalar(param, -k.stepSize);
  for (let i = 0; i < param.length; i++) {
    const p = shrink === 1 ? param[i]! : round(param[i]! * shrink);
    const g = decay === 0 ? grad[i]! : round(grad[i]! + decay * p);
    const m = round(round(expAvg[i]! * beta1) + oneMinusBeta1 * g);
    const v = round(round(expAvgSq[i]! * beta2) + round(oneMinusBeta2 * g) * g);
    expAvg[i] = m;
    expAvgSq[i] = v;
    let second = v;
    if (maxExpAvgSq !== null) second = maxExpAvgSq[i] = Math.max(maxExpAvgSq[i]!, v);
    const denom = round(round(round(Math.sqrt(second)) / correction) + eps);
    param[i] = p + round(round(step * m) / denom);
  }
}

/** The per-step constants of {@link rmspropStep_}, as Python floats (float64) before rounding. */
export interface RmspropCoefficients {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
}

/**
 * One RMSprop step over every element, as PyTorch's sequence of in-place ops:
 *
 *   grad.add_(param, alpha=weightDecay); squareAvg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
 *   avg = squareAvg.clone(); [gradAvg.mul_(alpha).add_(grad, alpha=1 - alpha); avg.addcmul_(gradAvg, gradAvg, value=-1)]
 *   avg.sqrt_().add_(eps)
 *   [buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)]  or  param.addcdiv_(grad, avg, value=-lr)
 *
 * (gradAvg when centered, buf when momentum > 0; null otherwise). `grad` is overwritten with the
 * decayed gradient. Each op is its own loop: the WebAssembly kernel fuses them (one pass) and is held
 * to these bits. (A fused TypeScript loop was tried: V8 made it up to ten times slower once it had
 * run with and without the optional arrays in one process, where these small loops stay fast.)
 */
export function rmspropStep_(param: Storage, grad: Storage, squareAvg: Storage, gradAvg: Storage | null, momentumBuffer: Storage | null, k: RmspropCoefficients): void {
  if (k.weightDecay !== 0) add_(grad, param, k.weightDecay);
  mul_(squareAvg, k.alpha);
  addcmul_(squareAvg, grad, grad, 1 - k.alpha);
  const avg = clone(squareAvg);
  if (gradAvg !== null) {
    mul_(gradAvg, k.alpha);
    add_(gradAvg, grad, 1 - k.alpha);
    addcmul_(avg, gradAvg, gradAvg, -1);
  }
  sqrt_(avg);
  addScalar_(avg, k.eps);
  if (momentumBuffer !== null) {
    mul_(momentumBuffer, k.momentum);
    addcdiv_(momentumBuffer, grad, avg);
    add_(param, momentumBuffer, -k.lr);
  } else {
    addcdiv_(param, grad, avg, -k.lr);
  }
}

/** The per-step constants of {@link adagradStep_}: the decayed learning rate of this step, and the options. */
export interface AdagradCoefficients {
  /** lr / (1 + (step - 1) * lrDecay) */
  clr: number;
  weightDecay: number;
  eps: number;
}

/**
 * One Adagrad step over every element, as PyTorch's sequence of in-place ops:
 *
 *   grad.add_(param, alpha=weightDecay); sum.addcmul_(grad, grad, value=1)
 *   std = sum.sqrt().add_(eps); param.addcdiv_(grad, std, value=-clr)
 *
 * `grad` is overwritten with the decayed gradient. The WebAssembly kernel fuses the ops and is held
 * to these bits (see `rmspropStep_` on why these stay separate loops).
 */
export function adagradStep_(param: Storage, grad: Storage, sum: Storage, k: AdagradCoefficients): void {
  if (k.weightDecay !== 0) add_(grad, param, k.weightDecay);
  addcmul_(sum, grad, grad, 1);
  const std = clone(sum);
  sqrt_(std);
  addScalar_(std, k.eps);
  addcdiv_(param, grad, std, -k.clr);
}
