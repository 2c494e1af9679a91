/**
 * The builder of unary element-wise records, shared by the unary families (unary.ts, unary-more.ts,
 * rounding.ts). It has a module of its own because those families call it while they load, and
 * they load inside the cycle between tensor.ts and the op files: a module of that cycle that is
 * still loading cannot serve them.
 */
import type { BuiltinOp, ScalarRule } from '../op.js';
import type { Domain } from '../check/sampling.js';
import { drawShape, drawTensor } from '../check/sampling.js';
import type { Tensor } from '../tensor.js';
import { isUnaryCode } from '../kernels/elementwise.js';
import { mapUnary, type Int32Rule } from './pointwise.js';

/**
 * Builds the record of a unary op from its scalar function and its derivative rule, written twice
 * side by side: with tensor ops (the definition, differentiable again) and on numbers (the same
 * formula, for the scalar path of the engine; `a` is the input, see `ScalarRule`).
 */
export function unaryOp(
  name: string,
  f: (v: number) => number,
  derivative: (grad: Tensor, x: Tensor, y: Tensor) => Tensor,
  scalarDerivative: ScalarRule,
  domain: Domain,
  int32?: Int32Rule<(v: number) => number>,
): BuiltinOp {
  return {
    name,
    forward: isUnaryCode(name) ? (inputs) => mapUnary(inputs[0]!, f, name, int32) : (inputs) => mapUnary(inputs[0]!, f, undefined, int32),
    backward: (grad, { inputs, output }) => [derivative(grad, inputs[0]!, output)],
    scalarBackward: [scalarDerivative],
    scalarForward: f,
    spec: { sample: (draw) => ({ inputs: [drawTensor(draw, drawShape(draw), domain)], attrs: undefined }) },
  };
}
