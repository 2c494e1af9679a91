/**
 * More unary element-wise ops: logarithms and exponentials accurate near 0 or in other bases, the
 * error function, and the inverse and hyperbolic trigonometric functions. Records as in unary.ts:
 * forward by the scalar function, the backward rule written with Tensor ops (PyTorch's formulas, so
 * that it differentiates again) beside the same rule on numbers; in `unaryMoreSpecs`, the domain
 * the property suite draws from (inside the op's domain, clear of its edges). On int32 each gives
 * the default float dtype, as PyTorch's.
 */
import type { OpDocs, OpRecord, OpSpecs } from '../op.js';
import { applyUnary } from '../op.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { erf as erfOf, erfc as erfcOf } from '../erf.js';
import { toTensor } from './creation.js';
import { drawUnary, unaryOp } from './unary-record.js';
import { exp } from './unary.js';
import { sub } from './binary.js';

/** 2/sqrt(pi), erf's derivative at 0. */
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

const rsqrtOf = (v: number): number => 1 / Math.sqrt(v);

/** e^(-x^2) * 2/sqrt(pi): erf's derivative, as PyTorch groups it. */
const erfSlope = (x: Tensor): Tensor => exp(x.square().neg()).mul(TWO_OVER_SQRT_PI);

export const unaryMoreOps = {
  log1p: unaryOp('log1p', Math.log1p, (g, x) => g.div(x.add(1)), ({ grad, a }, r) => r(grad / r(a + 1)), 'float'),
  expm1: unaryOp('expm1', Math.expm1, (g, _x, y) => g.mul(y.add(1)), ({ grad, output }, r) => r(grad * r(output + 1)), 'float'),
  log2: unaryOp('log2', Math.log2, (g, x) => g.div(x.mul(Math.LN2)), ({ grad, a }, r) => r(grad / r(a * r(Math.LN2))), 'float'),
  log10: unaryOp('log10', Math.log10, (g, x) => g.div(x.mul(Math.LN10)), ({ grad, a }, r) => r(grad / r(a * r(Math.LN10))), 'float'),
  erf: unaryOp('erf', erfOf, (g, x) => g.mul(erfSlope(x)),
    ({ grad, a }, r) => r(grad * r(r(Math.exp(-r(a * a))) * r(TWO_OVER_SQRT_PI))), 'float'),
  erfc: unaryOp('erfc', erfcOf, (g, x) => g.mul(erfSlope(x)).neg(),
    ({ grad, a }, r) => -r(grad * r(r(Math.exp(-r(a * a))) * r(TWO_OVER_SQRT_PI))), 'float'),
  // tan' = 1 + tan^2, from the result as PyTorch's.
  tan: unaryOp('tan', Math.tan, (g, _x, y) => g.mul(y.square().add(1)),
    ({ grad, output }, r) => r(grad * r(r(output * output) + 1)), 'float'),
  atan: unaryOp('atan', Math.atan, (g, x) => g.div(x.square().add(1)), ({ grad, a }, r) => r(grad / r(r(a * a) + 1)), 'float'),
  asin: unaryOp('asin', Math.asin, (g, x) => g.mul(rsqrt(sub(1, x.square()))),
    ({ grad, a }, r) => r(grad * r(rsqrtOf(r(1 - r(a * a))))), 'float'),
  acos: unaryOp('acos', Math.acos, (g, x) => g.mul(rsqrt(sub(1, x.square()))).neg(),
    ({ grad, a }, r) => -r(grad * r(rsqrtOf(r(1 - r(a * a))))), 'float'),
  sinh: unaryOp('sinh', Math.sinh, (g, x) => g.mul(cosh(x)), ({ grad, a }, r) => r(grad * r(Math.cosh(a))), 'float'),
  cosh: unaryOp('cosh', Math.cosh, (g, x) => g.mul(sinh(x)), ({ grad, a }, r) => r(grad * r(Math.sinh(a))), 'float'),
  asinh: unaryOp('asinh', Math.asinh, (g, x) => g.mul(rsqrt(x.square().add(1))),
    ({ grad, a }, r) => r(grad * r(rsqrtOf(r(r(a * a) + 1)))), 'float'),
  acosh: unaryOp('acosh', Math.acosh, (g, x) => g.mul(rsqrt(x.square().sub(1))),
    ({ grad, a }, r) => r(grad * r(rsqrtOf(r(r(a * a) - 1)))), 'float'),
  atanh: unaryOp('atanh', Math.atanh, (g, x) => g.div(sub(1, x.square())),
    ({ grad, a }, r) => r(grad / r(1 - r(a * a))), 'float'),
  // rsqrt' = -rsqrt^3 / 2, from the result as PyTorch's.
  rsqrt: unaryOp('rsqrt', rsqrtOf, (g, _x, y) => g.mul(y.square().mul(y)).mul(-0.5),
    ({ grad, output }, r) => r(r(grad * r(r(output * output) * output)) * -0.5), 'float'),
} satisfies Record<string, OpRecord>;

/** What docs/ops.md says of each op of this family (a table apart from the records, so that bundles leave it out). */
export const unaryMoreDocs = {
  log1p: { torch: 'torch.log1p', method: 'log1p', notes: 'Accurate near 0; log1p(-1) = -Infinity, NaN below -1. ' + 'An int32 input gives the default float dtype.' },
  expm1: { torch: 'torch.expm1', method: 'expm1', notes: 'Accurate near 0. ' + 'An int32 input gives the default float dtype.' },
  log2: { torch: 'torch.log2', method: 'log2', notes: 'log2(0) = -Infinity, NaN below 0. ' + 'An int32 input gives the default float dtype.' },
  log10: { torch: 'torch.log10', method: 'log10', notes: 'log10(0) = -Infinity, NaN below 0. ' + 'An int32 input gives the default float dtype.' },
  erf: { torch: 'torch.erf', method: 'erf', notes: "fdlibm's rational approximations, within an ulp of float64. " + 'An int32 input gives the default float dtype.' },
  erfc: { torch: 'torch.erfc', method: 'erfc', notes: '1 - erf(x) without cancellation: tiny values for large x stay accurate. ' + 'An int32 input gives the default float dtype.' },
  tan: { torch: 'torch.tan', method: 'tan', notes: 'The gradient 1 + tan(x)^2 is taken from the result. ' + 'An int32 input gives the default float dtype.' },
  atan: { torch: 'torch.atan', method: 'atan', notes: 'An int32 input gives the default float dtype.' },
  asin: { torch: 'torch.asin', method: 'asin', notes: 'NaN outside [-1, 1]; the gradient is Infinity at +-1. ' + 'An int32 input gives the default float dtype.' },
  acos: { torch: 'torch.acos', method: 'acos', notes: 'NaN outside [-1, 1]; the gradient is -Infinity at +-1. ' + 'An int32 input gives the default float dtype.' },
  sinh: { torch: 'torch.sinh', method: 'sinh', notes: 'An int32 input gives the default float dtype.' },
  cosh: { torch: 'torch.cosh', method: 'cosh', notes: 'An int32 input gives the default float dtype.' },
  asinh: { torch: 'torch.asinh', method: 'asinh', notes: 'An int32 input gives the default float dtype.' },
  acosh: { torch: 'torch.acosh', method: 'acosh', notes: 'NaN below 1; the gradient is Infinity at 1. ' + 'An int32 input gives the default float dtype.' },
  atanh: { torch: 'torch.atanh', method: 'atanh', notes: 'atanh(+-1) = +-Infinity, NaN outside [-1, 1]. ' + 'An int32 input gives the default float dtype.' },
  rsqrt: { torch: 'torch.rsqrt', method: 'rsqrt', notes: 'rsqrt(0) = Infinity, NaN below 0. ' + 'An int32 input gives the default float dtype.' },
} satisfies OpDocs<typeof unaryMoreOps>;

/** How the property suite draws each op's inputs (a table apart from the records, so that bundles leave it out; ops/registry.ts joins them). */
export const unaryMoreSpecs = {
  log1p: { sample: (draw) => drawUnary(draw, { from: -0.9, to: 3 }) },
  expm1: { sample: (draw) => drawUnary(draw, 'uniform') },
  log2: { sample: (draw) => drawUnary(draw, 'positive') },
  log10: { sample: (draw) => drawUnary(draw, 'positive') },
  erf: { sample: (draw) => drawUnary(draw, 'uniform') },
  erfc: { sample: (draw) => drawUnary(draw, 'uniform') },
  tan: { sample: (draw) => drawUnary(draw, { from: -1.4, to: 1.4 }) },
  atan: { sample: (draw) => drawUnary(draw, 'uniform') },
  asin: { sample: (draw) => drawUnary(draw, { from: -0.9, to: 0.9 }) },
  acos: { sample: (draw) => drawUnary(draw, { from: -0.9, to: 0.9 }) },
  sinh: { sample: (draw) => drawUnary(draw, 'uniform') },
  cosh: { sample: (draw) => drawUnary(draw, 'uniform') },
  asinh: { sample: (draw) => drawUnary(draw, 'uniform') },
  acosh: { sample: (draw) => drawUnary(draw, { from: 1.1, to: 3 }) },
  atanh: { sample: (draw) => drawUnary(draw, { from: -0.9, to: 0.9 }) },
  rsqrt: { sample: (draw) => drawUnary(draw, 'positive') },
} satisfies OpSpecs<typeof unaryMoreOps>;

// The free functions and, below them, their method forms.

/** log(1 + x), accurate for small x. */
export const log1p = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.log1p, toTensor(x, 'log1p'));
/** e^x - 1, accurate for small x. */
export const expm1 = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.expm1, toTensor(x, 'expm1'));
/** The base-2 logarithm. */
export const log2 = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.log2, toTensor(x, 'log2'));
/** The base-10 logarithm. */
export const log10 = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.log10, toTensor(x, 'log10'));
/** The error function, 2/sqrt(pi) times the integral of e^(-t^2) from 0 to x. */
export const erf = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.erf, toTensor(x, 'erf'));
/** The complementary error function 1 - erf(x), accurate where erf(x) is near 1. */
export const erfc = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.erfc, toTensor(x, 'erfc'));
/** The tangent. */
export const tan = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.tan, toTensor(x, 'tan'));
/** The arctangent, in (-pi/2, pi/2). */
export const atan = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.atan, toTensor(x, 'atan'));
/** The arcsine, in [-pi/2, pi/2]; NaN outside [-1, 1]. */
export const asin = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.asin, toTensor(x, 'asin'));
/** The arccosine, in [0, pi]; NaN outside [-1, 1]. */
export const acos = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.acos, toTensor(x, 'acos'));
/** The hyperbolic sine. */
export const sinh = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.sinh, toTensor(x, 'sinh'));
/** The hyperbolic cosine. */
export const cosh = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.cosh, toTensor(x, 'cosh'));
/** The inverse hyperbolic sine. */
export const asinh = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.asinh, toTensor(x, 'asinh'));
/** The inverse hyperbolic cosine; NaN below 1. */
export const acosh = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.acosh, toTensor(x, 'acosh'));
/** The inverse hyperbolic tangent; NaN outside [-1, 1]. */
export const atanh = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.atanh, toTensor(x, 'atanh'));
/** 1 / sqrt(x). */
export const rsqrt = (x: TensorLike): Tensor => applyUnary(unaryMoreOps.rsqrt, toTensor(x, 'rsqrt'));

/** The method forms of this family: `x.erf()` is `erf(x)`. (A function: see ops/methods.ts.) */
export function unaryMoreMethods() {
  return {
    /** log(1 + x), accurate for small x. */
    log1p(): Tensor { return log1p(this); },
    /** e^x - 1, accurate for small x. */
    expm1(): Tensor { return expm1(this); },
    /** The base-2 logarithm. */
    log2(): Tensor { return log2(this); },
    /** The base-10 logarithm. */
    log10(): Tensor { return log10(this); },
    /** The error function, 2/sqrt(pi) times the integral of e^(-t^2) from 0 to x. */
    erf(): Tensor { return erf(this); },
    /** The complementary error function 1 - erf(x), accurate where erf(x) is near 1. */
    erfc(): Tensor { return erfc(this); },
    /** The tangent. */
    tan(): Tensor { return tan(this); },
    /** The arctangent, in (-pi/2, pi/2). */
    atan(): Tensor { return atan(this); },
    /** The arcsine, in [-pi/2, pi/2]; NaN outside [-1, 1]. */
    asin(): Tensor { return asin(this); },
    /** The arccosine, in [0, pi]; NaN outside [-1, 1]. */
    acos(): Tensor { return acos(this); },
    /** The hyperbolic sine. */
    sinh(): Tensor { return sinh(this); },
    /** The hyperbolic cosine. */
    cosh(): Tensor { return cosh(this); },
    /** The inverse hyperbolic sine. */
    asinh(): Tensor { return asinh(this); },
    /** The inverse hyperbolic cosine; NaN below 1. */
    acosh(): Tensor { return acosh(this); },
    /** The inverse hyperbolic tangent; NaN outside [-1, 1]. */
    atanh(): Tensor { return atanh(this); },
    /** 1 / sqrt(x). */
    rsqrt(): Tensor { return rsqrt(this); },
  } satisfies ThisType<Tensor>;
}
