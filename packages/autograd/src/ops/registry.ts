/**
 * The table of every primitive op. The property suite walks it: each record must carry a backward
 * rule and a test spec (the `BuiltinOp` type demands both, so `tsc` rejects a record without them).
 */
import type { BuiltinOp } from '../op.js';
import { unaryOps } from './unary.js';
import { binaryOps } from './binary.js';
import { reduceOps } from './reduce.js';
import { viewOps } from './view.js';
import { whereOp } from './where.js';
import { concatOp } from './join.js';
import { matmulOp } from './matmul.js';
import { castOp } from './reduce-to-shape.js';
import { softmaxOps } from './softmax.js';
import { clampOp } from './clamp.js';

export const primitiveOps = {
  ...unaryOps,
  ...binaryOps,
  ...reduceOps,
  ...softmaxOps,
  ...viewOps,
  where: whereOp,
  clamp: clampOp,
  concat: concatOp,
  matmul: matmulOp,
  cast: castOp,
};

/** The names of the primitive ops. */
export type PrimitiveOpName = keyof typeof primitiveOps;

/**
 * The public differentiable operations built from primitives. Their gradients follow from the
 * primitives' rules; the test suite keeps a typed table with a case for each of these names.
 */
export const compositeOpNames = ['mean', 'logSumExp', 'stack', 'squeeze', 'unsqueeze', 'transpose'] as const;
export type CompositeOpName = (typeof compositeOpNames)[number];

/** Every primitive as a plain list, for walking. */
export function listPrimitiveOps(): { name: PrimitiveOpName; op: BuiltinOp<unknown> }[] {
  return (Object.keys(primitiveOps) as PrimitiveOpName[]).map((name) => ({ name, op: primitiveOps[name] as BuiltinOp<unknown> }));
}
