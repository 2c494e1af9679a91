/**
 * The table of every op. The property suite walks its primitives: each record must carry a backward
 * rule and a test spec (the `BuiltinOp` type demands both, so `tsc` rejects a record without them),
 * and each must have a doc (`primitiveDocs` is a mapped type over the primitives' names).
 * docs/ops.md is generated from the whole table (test/ops-doc/). Nothing in the package's entry
 * imports this file: a bundle holds only the ops it can reach.
 */
import type { BuiltinOp, OpDoc } from '../op.js';
import { unrecordedOps, type UnrecordedOp } from './composites.js';
import { unaryDocs, unaryOps } from './unary.js';
import { binaryDocs, binaryOps } from './binary.js';
import { reduceDocs, reduceOps } from './reduce.js';
import { viewDocs, viewOps } from './view.js';
import { whereDoc, whereOp } from './where.js';
import { concatDoc, concatOp } from './join.js';
import { matmulDoc, matmulOp } from './matmul.js';
import { castDoc, castOp } from './reduce-to-shape.js';
import { softmaxDocs, softmaxOps } from './softmax.js';
import { clampDoc, clampOp } from './clamp.js';
import { structureDocs, structureOps } from './structure.js';
import { scanDocs, scanOps } from './scan.js';
import { reduceMoreDocs, reduceMoreOps } from './reduce-more.js';
import { indexingDocs, indexingOps } from './indexing.js';
import { unaryMoreDocs, unaryMoreOps } from './unary-more.js';
import { roundingDocs, roundingOps } from './rounding.js';
import { binaryMoreDocs, binaryMoreOps } from './binary-more.js';
import { poolDocs, poolOps } from './pool.js';
import { convDocs, convOps } from './conv.js';

export const primitiveOps = {
  ...unaryOps,
  ...binaryOps,
  ...reduceOps,
  ...softmaxOps,
  ...viewOps,
  ...structureOps,
  ...scanOps,
  ...reduceMoreOps,
  ...indexingOps,
  where: whereOp,
  clamp: clampOp,
  concat: concatOp,
  matmul: matmulOp,
  cast: castOp,
  ...unaryMoreOps,
  ...roundingOps,
  ...binaryMoreOps,
  ...poolOps,
  ...convOps,
};

/** The names of the primitive ops. */
export type PrimitiveOpName = keyof typeof primitiveOps;

/** What docs/ops.md says of each primitive: `tsc` rejects a primitive without one. */
const primitiveDocs: { readonly [Name in PrimitiveOpName]: OpDoc } = {
  ...unaryDocs,
  ...binaryDocs,
  ...reduceDocs,
  ...softmaxDocs,
  ...viewDocs,
  ...structureDocs,
  ...scanDocs,
  ...reduceMoreDocs,
  ...indexingDocs,
  where: whereDoc,
  clamp: clampDoc,
  concat: concatDoc,
  matmul: matmulDoc,
  cast: castDoc,
  ...unaryMoreDocs,
  ...roundingDocs,
  ...binaryMoreDocs,
  ...poolDocs,
  ...convDocs,
};

/** An op of the table: a primitive (with its own backward rule), a composite, or an op without a gradient. */
export interface OpTableEntry {
  readonly gradient: 'primitive' | UnrecordedOp['gradient'];
  readonly doc: OpDoc;
}

/** Every op, by name: the primitives, then the public ops built from them or without a gradient (ops/composites.ts). */
export const opTable: Readonly<Record<string, OpTableEntry>> = {
  ...Object.fromEntries(Object.entries(primitiveDocs).map(([name, doc]) => [name, { gradient: 'primitive', doc }])),
  ...unrecordedOps,
};

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
