/**
 * Special functions that @nn/autograd has no primitive for, built as custom ops with its public
 * `defineOp`: erf, the standard normal CDF (GELU's Phi) and log(1 + e^x) (softplus's core). Each forward computes the
 * values element by element in float64; each backward is written with tensor ops, so the ops are
 * differentiable twice (gradgradcheck verifies them).
 *
 * erf is computed from two classical expansions, each used where it converges fast and loses no
 * digits (Abramowitz & Stegun 7.1.6 and 7.1.14):
 * - erf(z) for |z| < 3: erf(z) = 2/sqrt(pi) * z * exp(-z^2) * sum_n (2z^2)^n / (1 * 3 * ... * (2n+1)).
 *   Every term is positive, so there is no cancellation; at most about 60 terms reach full precision.
 * - erfc(z) for z >= 1: erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...))))),
 *   a continued fraction evaluated bottom-up at a fixed depth, deeper where it converges slower
 *   (200 terms at z = 1, 40 from z = 3 on).
 * The others follow: erf = 1 - erfc for |z| >= 3, erfc = 1 - erf for z < 1 (erfc > 0.15 there, so
 * little is lost), and the odd / reflected forms for negative z. Against 40-digit mpmath on
 * [-8, 8]: erf within 1e-15 relative, erfc within 4e-15 and Phi within 1e-14 (the last digits lost
 * deep in the tails to the rounding of x / sqrt(2) and of z^2 inside exp(-z^2)).
 */
import { defineOp, tensor, type Tensor } from '@nn/autograd';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_TWO_PI = 1 / Math.sqrt(2 * Math.PI);

/** erf(z) by its everywhere-positive series; accurate for |z| < 3.5. */
function erfSeries(z: number): number {
  const twoZ2 = 2 * z * z;
  let term = 1;
  let sum = 1;
  for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
    term *= twoZ2 / (2 * n + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * z * Math.exp(-z * z) * sum;
}

/** erfc(z) for z >= 1 by its continued fraction; the depths reach full precision (checked with mpmath). */
function erfcContinuedFraction(z: number): number {
  let t = z;
  for (let k = z < 1.5 ? 200 : z < 2 ? 100 : z < 3 ? 80 : 40; k >= 1; k--) t = z + k / 2 / t;
  return (ONE_OVER_SQRT_PI * Math.exp(-z * z)) / t;
}

/** The complementary error function 1 - erf(z), accurate also where it is tiny (large z). */
export function erfcScalar(z: number): number {
  if (Number.isNaN(z)) return z;
  if (z < 0) return 2 - erfcScalar(-z);
  if (z < 1) return 1 - erfSeries(z);
  // exp(-z^2) underflows beyond z ~ 27.3: erfc is 0 in float64 there.
  return z > 27 ? 0 : erfcContinuedFraction(z);
}

/** The error function erf(z) = 2/sqrt(pi) * integral from 0 to z of exp(-t^2) dt. */
export function erfScalar(z: number): number {
  if (Number.isNaN(z)) return z;
  const a = Math.abs(z);
  if (a < 3) return erfSeries(z);
  // erfc(6) ~ 2e-17 is below half an ulp of 1: erf is +-1 exactly in float64 from there on.
  const value = a >= 6 ? 1 : 1 - erfcContinuedFraction(a);
  return z < 0 ? -value : value;
}

/** Phi(x), the standard normal CDF, 0.5 * erfc(-x / sqrt(2)): accurate in both tails. */
export function normalCdfScalar(x: number): number {
  return 0.5 * erfcScalar(-x * Math.SQRT1_2);
}

/** log(1 + e^x) without overflow or loss of digits: max(x, 0) + log1p(e^-|x|). */
function softplusScalar(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Applies a scalar function to every element (computed in float64, stored in the tensor's dtype). */
function mapElements(x: Tensor, f: (v: number) => number): Tensor {
  return tensor(x.data().map(f), { shape: x.shape, dtype: x.dtype });
}

/** The error function, element-wise. d/dx erf(x) = 2/sqrt(pi) * exp(-x^2). */
export const erf: (x: Tensor) => Tensor = defineOp({
  name: 'erf',
  forward: (x) => mapElements(x, erfScalar),
  backward: (grad, { inputs: [x] }) => [grad.mul(x!.square().neg().exp().mul(TWO_OVER_SQRT_PI))],
});

/**
 * The standard normal CDF Phi(x) = 0.5 * (1 + erf(x / sqrt(2))), element-wise. Its derivative is the
 * normal density exp(-x^2/2) / sqrt(2 pi), written with tensor ops so that GELU is differentiable twice.
 */
export const normalCdf: (x: Tensor) => Tensor = defineOp({
  name: 'normalCdf',
  forward: (x) => mapElements(x, normalCdfScalar),
  backward: (grad, { inputs: [x] }) => [grad.mul(x!.square().mul(-0.5).exp().mul(ONE_OVER_SQRT_TWO_PI))],
});

/**
 * log(1 + e^x), element-wise and stable at any x, with no threshold (binaryCrossEntropyWithLogits
 * and mish use it as it is; the public `softplus` adds PyTorch's beta and threshold). A single op
 * with derivative sigmoid(x) rather than a composition of relu and abs, whose kinks at 0 would give
 * a wrong gradient at x = 0 exactly (the sum of two one-sided derivatives taken as 0).
 */
export const log1pExp: (x: Tensor) => Tensor = defineOp({
  name: 'log1pExp',
  forward: (x) => mapElements(x, softplusScalar),
  backward: (grad, { inputs: [x] }) => [grad.mul(x!.sigmoid())],
});

/**
 * e^x - 1, element-wise, exact near 0 (Math.expm1), whose derivative is computed as e^x: ELU's
 * negative branch. The op expm1 of @nn/autograd takes its derivative from the result as PyTorch's
 * (result + 1), which keeps only absolute accuracy: at x = -30 that is 1e-3 relative, where
 * PyTorch's elu_backward (which calls exp) is exact.
 */
export const expm1WithExpDerivative: (x: Tensor) => Tensor = defineOp({
  name: 'expm1WithExpDerivative',
  forward: (x) => mapElements(x, Math.expm1),
  backward: (grad, { inputs: [x] }) => [grad.mul(x!.exp())],
});
