/**
 * The table of every op. The property suite walks its primitives: each must have a backward rule and
 * a test spec, in its record (the `BuiltinOp` type demands both) or, for the families whose methods
 * every bundle holds, in the family's spec table beside the records (`OpSpecs`, a mapped type over
 * the records' names), which this module joins to them; `tsc` rejects an op without either. Each
 * must have a doc too (`primitiveDocs` is a mapped type over the primitives' names).
 * docs/ops.md is generated from the whole table (test/ops-doc/). Nothing in the package's entry
 * imports this file: a bundle holds only the ops it can reach.
 */
import type { BuiltinOp, OpDoc, OpRecord, OpSpecs } from '../op.js';
import { unrecordedOps, type UnrecordedOp } from './composites.js';
import { unaryDocs, unaryOps, unarySpecs } from './unary.js';
import { binaryDocs, binaryOps, binarySpecs } from './binary.js';
import { reduceDocs, reduceOps, reduceSpecs } from './reduce.js';
import { viewDocs, viewOps, viewSpecs } from './view.js';
import { whereDoc, whereOp, whereSpec } from './where.js';
import { concatDoc, concatOp } from './join.js';
import { matmulDoc, matmulOp, matmulSpec } from './matmul.js';
import { castDoc, castOp, castSpec } from './reduce-to-shape.js';
import { softmaxDocs, softmaxOps, softmaxSpecs } from './softmax.js';
import { clampDoc, clampOp, clampSpec } from './clamp.js';
import { structureDocs, structureOps } from './structure.js';
import { scanDocs, scanOps, scanSpecs } from './scan.js';
import { reduceMoreDocs, reduceMoreOps, reduceMoreSpecs } from './reduce-more.js';
import { indexingDocs, indexingOps } from './indexing.js';
import { unaryMoreDocs, unaryMoreOps, unaryMoreSpecs } from './unary-more.js';
import { roundingDocs, roundingOps, roundingSpecs } from './rounding.js';
import { binaryMoreDocs, binaryMoreOps, binaryMoreSpecs } from './binary-more.js';
import { poolDocs, poolOps } from './pool.js';
import { convDocs, convOps } from './conv.js';

/** The records of a family with their specs joined, each typed as a `BuiltinOp` of its own attrs. */
type WithSpecs<Records> = { readonly [Name in keyof Records]: Records[Name] & { readonly spec: OpSpecs<Records>[Name] } };

/**
 * Gives each record of a family its spec from the family's table (once, when this module loads: the
 * records stay the objects the ops apply, so the tape and the graph see the same op either way).
 */
function withSpecs<Records extends Readonly<Record<string, OpRecord<never>>>>(records: Records, specs: OpSpecs<Records>): WithSpecs<Records> {
  for (const name of Object.keys(records) as (keyof Records)[]) {
    const spec: unknown = specs[name];
    Object.assign(records[name], { spec });
  }
  return records as WithSpecs<Records>;
}

export const primitiveOps = {
  ...withSpecs(unaryOps, unarySpecs),
  ...withSpecs(binaryOps, binarySpecs),
  ...withSpecs(reduceOps, reduceSpecs),
  ...withSpecs(softmaxOps, softmaxSpecs),
  ...withSpecs(viewOps, viewSpecs),
  ...structureOps,
  ...withSpecs(scanOps, scanSpecs),
  ...withSpecs(reduceMoreOps, reduceMoreSpecs),
  ...indexingOps,
  ...withSpecs({ where: whereOp, clamp: clampOp }, { where: whereSpec, clamp: clampSpec }),
  concat: concatOp,
  ...withSpecs({ matmul: matmulOp, cast: castOp }, { matmul: matmulSpec, cast: castSpec }),
  ...withSpecs(unaryMoreOps, unaryMoreSpecs),
  ...withSpecs(roundingOps, roundingSpecs),
  ...withSpecs(binaryMoreOps, binaryMoreSpecs),
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
