/**
 * Functional forms of the smooth activations that @nn/autograd has no op for: silu, softplus (with
 * PyTorch's beta and threshold), elu and mish, as `torch.nn.functional`'s. Each is written with
 * tensor ops (and the stable log(1 + e^x) of special.ts), so it is differentiable twice; the layers
 * SiLU, Softplus, ELU and Mish (activations.ts) call them.
 */
import { checkOptions, where, type Tensor } from '@nn/autograd';
import { expm1WithExpDerivative, log1pExp } from './special.js';
import { expectNumber, expectTensor } from './util.js';

/** x * sigmoid(x), element-wise (the swish of Ramachandran et al.). `F.silu`. */
export function silu(x: Tensor): Tensor {
  expectTensor(x, 'silu: input');
  // sigmoid saturates to 0 without NaN, so x * sigmoid(x) is -0 far left, as PyTorch's.
  return x.mul(x.sigmoid());
}

/** Options of `softplus` and `Softplus`. */
export interface SoftplusOptions {
  /** The sharpness: softplus(x) = log(1 + e^(beta x)) / beta (default 1; a positive number). */
  beta?: number;
  /** Where beta * x > threshold the result is x itself (default 20). */
  threshold?: number;
}

/** The options of softplus, checked, with their defaults. */
export function softplusOptions(options: SoftplusOptions, owner: string): { beta: number; threshold: number } {
  checkOptions(owner, options, ['beta', 'threshold']);
  return {
    beta: expectNumber(options.beta ?? 1, `${owner}: beta`, (v) => v > 0, 'a positive number'),
    threshold: expectNumber(options.threshold ?? 20, `${owner}: threshold`, () => true, 'a finite number'),
  };
}

/**
 * log(1 + e^(beta x)) / beta, element-wise, and x where beta * x > threshold: PyTorch's `F.softplus`
 * with its threshold rule (default beta 1, threshold 20). The log form is computed as
 * max(z, 0) + log1p(e^-|z|), z = beta x, which neither overflows nor loses digits. The derivative is
 * sigmoid(beta x) below the threshold and 1 above (the second derivative 0 there), as PyTorch's.
 * NaN gives NaN.
 */
export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  expectTensor(x, 'softplus: input');
  const { beta, threshold } = softplusOptions(options, 'softplus');
  const z = beta === 1 ? x : x.mul(beta);
  const smooth = beta === 1 ? log1pExp(z) : log1pExp(z).div(beta);
  // `where` sends the gradient to the branch it picks: 1 above the threshold, sigmoid(z) below.
  return where(z.gt(threshold), x, smooth);
}

/** Options of `elu` and `ELU`. */
export interface ELUOptions {
  /** The value approached far left: elu(x) = alpha * (e^x - 1) for x <= 0 (default 1). */
  alpha?: number;
}

/** The options of elu, checked, with their defaults. */
export function eluOptions(options: ELUOptions, owner: string): { alpha: number } {
  checkOptions(owner, options, ['alpha']);
  return { alpha: expectNumber(options.alpha ?? 1, `${owner}: alpha`, () => true, 'a finite number') };
}

/**
 * x for x > 0, alpha * (e^x - 1) (by expm1, exact near 0; its derivative alpha e^x computed
 * by exp, exact far left) for x <= 0, element-wise: PyTorch's
 * `F.elu` (default alpha 1). Its derivative at 0 is alpha, the left one, as PyTorch's (which
 * tests x <= 0), and so is the second. NaN gives NaN, and a NaN gradient, as PyTorch's.
 */
export function elu(x: Tensor, options: ELUOptions = {}): Tensor {
  expectTensor(x, 'elu: input');
  const { alpha } = eluOptions(options, 'elu');
  // As PyTorch's kernel, the test is x > 0: NaN takes the exponential branch, so that both the result
  // and its gradient are NaN (what PyTorch 1.13 gives).
  const positive = x.gt(0);
  // The exponential sees 0 where x > 0: e^x of a large x would overflow, and its infinite
  // derivative times the zero gradient of the branch not taken would give NaN.
  const negativePart = expm1WithExpDerivative(where(positive, 0, x)).mul(alpha);
  return where(positive, x, negativePart);
}

/**
 * x * tanh(softplus(x)), element-wise, with the unthresholded stable softplus: PyTorch's `F.mish`
 * (Misra 2019). NaN gives NaN.
 */
export function mish(x: Tensor): Tensor {
  expectTensor(x, 'mish: input');
  return x.mul(log1pExp(x).tanh());
}
