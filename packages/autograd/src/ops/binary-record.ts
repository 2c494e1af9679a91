/**
 * The builder of binary element-wise records and their usual test draw, shared by binary.ts and
 * binary-more.ts. A module of its own because those families call it while they load, inside the
 * cycle between tensor.ts and the op files (see unary-record.ts).
 */
import type { OpRecord, ScalarRule } from '../op.js';
import type { Draw } from '../check/spec.js';
import type { Domain } from '../check/sampling.js';
import { drawBroadcastPair, drawShape, drawTensor } from '../check/sampling.js';
import type { Tensor } from '../tensor.js';
import type { Arithmetic } from '../kernels/elementwise.js';
import { mapBinary, type Int32Rule } from './pointwise.js';

/** Draws a broadcasting pair: one operand broadcast or both, either way round. */
export function drawPair(draw: Draw, domains: [Domain, Domain]): { inputs: Tensor[]; attrs: undefined } {
  const [sa, sb] = drawBroadcastPair(draw, drawShape(draw));
  return { inputs: [drawTensor(draw, sa, domains[0]), drawTensor(draw, sb, domains[1])], attrs: undefined };
}

/** Builds the record of a binary element-wise op: forward by mapBinary, both scalar rules (its test spec is in the family's table). */
export function binaryOp(
  name: string,
  f: (x: number, y: number) => number,
  backward: OpRecord['backward'],
  scalarBackward: [ScalarRule, ScalarRule],
  arithmetic?: Arithmetic,
  int32?: Int32Rule<(x: number, y: number) => number>,
): OpRecord {
  return {
    name,
    forward: (inputs) => mapBinary(inputs[0]!, inputs[1]!, name, f, arithmetic, int32),
    backward,
    scalarBackward,
    // The rank-0 forward of mapBinary: its arithmetic loops compute exactly f.
    scalarForward: f,
    scalarArithmetic: arithmetic,
  };
}
