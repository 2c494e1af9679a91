/**
 * The table of every op. The property suite walks its primitives: each record must carry a backward
 * rule, a test spec and a doc (the `BuiltinOp` type demands all three, so `tsc` rejects a record
 * without them). docs/ops.md is generated from the whole table (test/ops-doc/).
 */
import type { BuiltinOp } from '../op.js';
import { unrecordedOps } from './composites.js';
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

/** Every op: the primitives, and the public ops built from them or without a gradient (ops/composites.ts). */
export const opTable = { ...primitiveOps, ...unrecordedOps };
export type OpTableEntry = (typeof opTable)[keyof typeof opTable];

/**
 * The public differentiable operations built from primitives. Their gradients follow from the
 * primitives' rules; the test suite keeps a typed table with a case for each of these names.
 */
export type CompositeOpName = {
  [K in keyof typeof unrecordedOps]: (typeof unrecordedOps)[K]['gradient'] extends 'none' ? never : K;
}[keyof typeof unrecordedOps];
export const compositeOpNames = (Object.keys(unrecordedOps) as (keyof typeof unrecordedOps)[]).filter(
  (name): name is CompositeOpName => unrecordedOps[name].gradient !== 'none',
);

/** Every primitive as a plain list, for walking. */
export function listPrimitiveOps(): { name: PrimitiveOpName; op: BuiltinOp<unknown> }[] {
  return (Object.keys(primitiveOps) as PrimitiveOpName[]).map((name) => ({ name, op: primitiveOps[name] as BuiltinOp<unknown> }));
}
