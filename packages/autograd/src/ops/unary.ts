/**
 * Unary element-wise ops. Each record holds the forward (a scalar function mapped by the kernel),
 * the backward rule written with Tensor ops (so that it is differentiable again) and beside it the
 * same rule on numbers (for rank-0 graphs). The domain the gradient tests draw from is in
 * `unarySpecs`, beside the records (see `OpSpecs`).
 */
import type { OpDocs, OpRecord, OpSpecs } from '../op.js';
import { applyUnary } from '../op.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { toTensor } from './creation.js';
import { mapUnary } from './pointwise.js';
import { drawUnary, unaryOp } from './unary-record.js';
import { sub } from './binary.js';
import { where } from './where.js';

/** sigmoid(v) = 1 / (1 + e^-v), in a form that never overflows: e^-|v| <= 1. */
function sigmoidScalar(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

// On int32: neg, abs, relu and square stay int32 (square as Math.imul, wrapping); the others give
// the default float dtype, as PyTorch's.
export const unaryOps = {
  neg: unaryOp('neg', (v) => -v, (g) => g.neg(), ({ grad }) => -grad),
  exp: unaryOp('exp', Math.exp, (g, _x, y) => g.mul(y), ({ grad, output }, r) => r(grad * output), 'float'),
  log: unaryOp('log', Math.log, (g, x) => g.div(x), ({ grad, a }, r) => r(grad / a), 'float'),
  sqrt: unaryOp('sqrt', Math.sqrt, (g, _x, y) => g.div(y.mul(2)), ({ grad, output }, r) => r(grad / r(output * 2)), 'float'),
  // abs'(0) = 0 and abs'(NaN) = 0, as PyTorch: sign(0) and sign(NaN) are 0.
  abs: unaryOp('abs', Math.abs, (g, x) => g.mul(sign(x)), ({ grad, a }, r) => r(grad * signOf(a))),
  tanh: unaryOp('tanh', Math.tanh, (g, _x, y) => g.mul(sub(1, y.square())),
    ({ grad, output }, r) => r(grad * r(1 - r(output * output))), 'float'),
  sigmoid: unaryOp('sigmoid', sigmoidScalar, (g, _x, y) => g.mul(y.mul(sub(1, y))),
    ({ grad, output }, r) => r(grad * r(output * r(1 - output))), 'float'),
  // As PyTorch: relu(NaN) is NaN, and the gradient is 0 where the result is 0 (threshold_backward
  // tests result <= 0), so relu'(0) = 0 and the gradient passes at NaN.
  // The gradient is selected, not multiplied by a 0/1 mask, so an infinite incoming gradient where the
  // result is 0 gives 0, not 0 * Infinity = NaN (sqrt(relu(x)) at x < 0), as PyTorch's. The result
  // itself is the condition (where reads nonzero as true, NaN included): the same selection as
  // where(ne(y, 0), g, 0) without making the mask, a tensor as large as the activations.
  relu: unaryOp('relu', (v) => (v <= 0 ? 0 : v), (g, _x, y) => where(y, g, 0), ({ grad, output }) => (output !== 0 ? grad : 0)),
  sin: unaryOp('sin', Math.sin, (g, x) => g.mul(x.cos()), ({ grad, a }, r) => r(grad * r(Math.cos(a))), 'float'),
  cos: unaryOp('cos', Math.cos, (g, x) => g.mul(x.sin()).neg(), ({ grad, a }, r) => -r(grad * r(Math.sin(a))), 'float'),
  square: unaryOp('square', (v) => v * v, (g, x) => g.mul(x).mul(2), ({ grad, a }, r) => r(r(grad * a) * 2), (v) => Math.imul(v, v)),
  reciprocal: unaryOp('reciprocal', (v) => 1 / v, (g, _x, y) => g.mul(y.square()).neg(),
    ({ grad, output }, r) => -r(grad * r(output * output)), 'float'),
} satisfies Record<string, OpRecord>;

/** What docs/ops.md says of each unary op (a table apart from the records, so that bundles leave it out). */
export const unaryDocs = {
  neg: { torch: 'torch.neg', method: 'neg' },
  exp: { torch: 'torch.exp', method: 'exp' },
  log: { torch: 'torch.log', method: 'log', notes: 'log(0) = -Infinity, log of a negative number NaN; the gradient 1/x is Infinity at 0.' },
  sqrt: { torch: 'torch.sqrt', method: 'sqrt', notes: "sqrt of a negative number is NaN; the gradient is Infinity at 0, as PyTorch's." },
  abs: { torch: 'torch.abs', method: 'abs', notes: "Kink at 0: abs'(0) = 0, and abs'(NaN) = 0 (the gradient is grad * sign(x)), as PyTorch's." },
  tanh: { torch: 'torch.tanh', method: 'tanh', notes: 'Saturates at +-1 without NaN.' },
  sigmoid: { torch: 'torch.sigmoid', method: 'sigmoid', notes: 'Computed from e^-|x|, so it never overflows; saturates at 0 and 1 without NaN.' },
  relu: {
    torch: 'torch.relu',
    method: 'relu',
    notes: "Kink at 0: relu'(0) = 0. relu(NaN) is NaN and passes the gradient (the gradient is masked where the result is 0, " +
      "as PyTorch's threshold_backward).",
  },
  sin: { torch: 'torch.sin', method: 'sin' },
  cos: { torch: 'torch.cos', method: 'cos' },
  square: { torch: 'torch.square', method: 'square' },
  reciprocal: { torch: 'torch.reciprocal', method: 'reciprocal', notes: '1/0 is Infinity (-Infinity at -0).' },
} satisfies OpDocs<typeof unaryOps>;

/** How the property suite draws each op's inputs (a table apart from the records, so that bundles leave it out; ops/registry.ts joins them). */
export const unarySpecs = {
  neg: { sample: (draw) => drawUnary(draw, 'uniform') },
  exp: { sample: (draw) => drawUnary(draw, 'uniform') },
  log: { sample: (draw) => drawUnary(draw, 'positive') },
  sqrt: { sample: (draw) => drawUnary(draw, 'positive') },
  abs: { sample: (draw) => drawUnary(draw, 'awayFromZero') },
  tanh: { sample: (draw) => drawUnary(draw, 'uniform') },
  sigmoid: { sample: (draw) => drawUnary(draw, 'uniform') },
  relu: { sample: (draw) => drawUnary(draw, 'awayFromZero') },
  sin: { sample: (draw) => drawUnary(draw, 'uniform') },
  cos: { sample: (draw) => drawUnary(draw, 'uniform') },
  square: { sample: (draw) => drawUnary(draw, 'uniform') },
  reciprocal: { sample: (draw) => drawUnary(draw, 'awayFromZero') },
} satisfies OpSpecs<typeof unaryOps>;

// The free functions and, below them, their method forms.

/** -x */
export const neg = (x: TensorLike): Tensor => applyUnary(unaryOps.neg, toTensor(x, 'neg'));
/** e^x */
export const exp = (x: TensorLike): Tensor => applyUnary(unaryOps.exp, toTensor(x, 'exp'));
/** The natural logarithm. */
export const log = (x: TensorLike): Tensor => applyUnary(unaryOps.log, toTensor(x, 'log'));
/** The square root. */
export const sqrt = (x: TensorLike): Tensor => applyUnary(unaryOps.sqrt, toTensor(x, 'sqrt'));
/** |x|, with gradient 0 at 0. */
export const abs = (x: TensorLike): Tensor => applyUnary(unaryOps.abs, toTensor(x, 'abs'));
/** The hyperbolic tangent. */
export const tanh = (x: TensorLike): Tensor => applyUnary(unaryOps.tanh, toTensor(x, 'tanh'));
/** 1 / (1 + e^-x), computed without overflow. */
export const sigmoid = (x: TensorLike): Tensor => applyUnary(unaryOps.sigmoid, toTensor(x, 'sigmoid'));
/** max(x, 0), with gradient 0 at 0; NaN stays NaN (and passes the gradient), as in PyTorch. */
export const relu = (x: TensorLike): Tensor => applyUnary(unaryOps.relu, toTensor(x, 'relu'));
/** The sine. */
export const sin = (x: TensorLike): Tensor => applyUnary(unaryOps.sin, toTensor(x, 'sin'));
/** The cosine. */
export const cos = (x: TensorLike): Tensor => applyUnary(unaryOps.cos, toTensor(x, 'cos'));
/** x * x */
export const square = (x: TensorLike): Tensor => applyUnary(unaryOps.square, toTensor(x, 'square'));
/** 1 / x */
export const reciprocal = (x: TensorLike): Tensor => applyUnary(unaryOps.reciprocal, toTensor(x, 'reciprocal'));

/** The method forms of the unary ops: `x.exp()` is `exp(x)`. (A function: see ops/methods.ts.) */
export function unaryMethods() {
  return {
    /** -x */
    neg(): Tensor { return neg(this); },
    /** e^x */
    exp(): Tensor { return exp(this); },
    /** The natural logarithm. */
    log(): Tensor { return log(this); },
    /** The square root. */
    sqrt(): Tensor { return sqrt(this); },
    /** |x|, with gradient 0 at 0. */
    abs(): Tensor { return abs(this); },
    /** The hyperbolic tangent. */
    tanh(): Tensor { return tanh(this); },
    /** 1 / (1 + e^-x), computed without overflow. */
    sigmoid(): Tensor { return sigmoid(this); },
    /** max(x, 0), with gradient 0 at 0; NaN stays NaN (and passes the gradient), as in PyTorch. */
    relu(): Tensor { return relu(this); },
    /** The sine. */
    sin(): Tensor { return sin(this); },
    /** The cosine. */
    cos(): Tensor { return cos(this); },
    /** x * x */
    square(): Tensor { return square(this); },
    /** 1 / x */
    reciprocal(): Tensor { return reciprocal(this); },
  } satisfies ThisType<Tensor>;
}

/**
 * -1, 0 or 1 by the sign of each element (no gradient: it is piecewise constant). NaN gives 0, as in
 * PyTorch (whose sign is (0 < x) - (x < 0)).
 */
export function sign(x: TensorLike): Tensor {
  return mapUnary(toTensor(x, 'sign'), signOf);
}

function signOf(v: number): number {
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}
