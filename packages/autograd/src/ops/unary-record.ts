/**
 * The builder of unary element-wise records, shared by the unary families (unary.ts, unary-more.ts,
 * rounding.ts). It has a module of its own because those families call it while they load, and
 * they load inside the cycle between tensor.ts and the op files: a module of that cycle that is
 * still loading cannot serve them.
 */
import type { OpCase, Draw } from '../check/spec.js';
import type { OpRecord, ScalarRule } from '../op.js';
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
  int32?: Int32Rule<(v: number) => number>,
): OpRecord {
  return {
    name,
    forward: isUnaryCode(name) ? (inputs) => mapUnary(inputs[0]!, f, name, int32) : (inputs) => mapUnary(inputs[0]!, f, undefined, int32),
    backward: (grad, { inputs, output }) => [derivative(grad, inputs[0]!, output)],
    scalarBackward: [scalarDerivative],
    scalarForward: f,
  };
}

/** The test case of a unary op (for the families' spec tables): one tensor of any shape, its values from `domain`. */
export function drawUnary(draw: Draw, domain: Domain): OpCase<undefined> {
  return { inputs: [drawTensor(draw, drawShape(draw), domain)], attrs: undefined };
}
