/**
 * @nn/autograd: tensors (float32 and float64), a dynamic graph recorded as ops run, and reverse-mode
 * automatic differentiation with higher-order gradients.
 */
export { Tensor } from './tensor.js';
export type { NestedArray, TensorLike, Axis } from './tensor.js';
export type { DType, FloatDType, Storage } from './dtype.js';
export { setDefaultDtype, getDefaultDtype, AllocationError } from './dtype.js';
export type { Shape } from './shape.js';
export { broadcastShapes } from './shape.js';
export { Generator, manualSeed, globalGenerator, checkGenerator } from './random.js';
export { checkOptions } from './options.js';
export { describeValue } from './describe-value.js';
export { noGrad, enableGrad, isGradEnabled } from './mode.js';
export type { BackwardOptions } from './engine.js';
export type { CreationOptions, RandomOptions } from './ops/creation.js';
export { tensor, zeros, ones, full, eye, arange, rand, randn, zerosLike, onesLike } from './ops/creation.js';
export { neg, exp, log, sqrt, abs, tanh, sigmoid, relu, sin, cos, square, reciprocal, sign } from './ops/unary.js';
export { add, sub, mul, div, pow, maximum, minimum } from './ops/binary.js';
export { eq, ne, lt, le, gt, ge } from './ops/compare.js';
export { sum, mean, max, min, logSumExp } from './ops/reduce.js';
export { reshape, transpose, permute, expand, squeeze, unsqueeze, slice, pad } from './ops/view.js';
export { matmul } from './ops/matmul.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { concat, stack } from './ops/join.js';
export { where } from './ops/where.js';
export { clamp } from './ops/clamp.js';
export { castTo as cast } from './ops/reduce-to-shape.js';
export { detach, zeroGrad } from './ops/graph.js';
export { log1p, expm1, log2, log10, erf, erfc, tan, atan, asin, acos, sinh, cosh, asinh, acosh, atanh, rsqrt } from './ops/unary-more.js';
export { floor, ceil, round, trunc } from './ops/rounding.js';
export { atan2, remainder, logAddExp } from './ops/binary-more.js';
export { detectAnomaly } from './mode.js';
export { setBackend, getBackend, type Backend, type BackendSetting } from './backend.js';
export type { GradientHook } from './tensor.js';
export { defineOp } from './custom-op.js';
export type { CustomOpDefinition, CustomOpContext } from './custom-op.js';
export { gradients } from './functional.js';
export type { GradientsOptions } from './functional.js';
export { gradcheck, gradgradcheck, assertGradcheck, assertGradgradcheck } from './check/gradcheck.js';
export type { GradcheckOptions, GradcheckReport, GradcheckFailure, CheckedFunction } from './check/gradcheck.js';
export { grad, valueAndGrad, vjp, jvp, jacobian, hessian, hvp, type Argnums, type TransformOptions } from './functional.js';
