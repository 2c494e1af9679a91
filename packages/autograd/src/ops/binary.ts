/**
 * Binary element-wise ops with NumPy broadcasting and dtype promotion. A rule may return a gradient
 * of the broadcast output's shape: the engine sums it back to each operand's shape.
 */
import type { OpDocs, OpRecord, OpSpecs } from '../op.js';
import { applyBinary } from '../op.js';
import type { Draw } from '../check/spec.js';
import { drawValues } from '../check/sampling.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { tensor } from './creation.js';
import { operands } from './pointwise.js';
import { binaryOp, drawPair } from './binary-record.js';
import { eq, ge, gt, lt } from './compare.js';
import { where } from './where.js';

/** A pair whose values are all distinct, across both operands, so no element ties. */
function drawDistinctPair(draw: Draw): { inputs: Tensor[]; attrs: undefined } {
  const { inputs } = drawPair(draw, ['uniform', 'uniform']);
  const [a, b] = inputs as [Tensor, Tensor];
  const values = drawValues(draw, a.size + b.size, 'distinct');
  const make = (t: Tensor, from: number): Tensor =>
    tensor(Float64Array.from(values.slice(from, from + t.size)), { shape: t.shape, dtype: 'float64' });
  return { inputs: [make(a, 0), make(b, a.size)], attrs: undefined };
}

/**
 * The gradient of maximum's or minimum's operand `a`, as PyTorch's rule: none where it loses to `b`
 * (`aLoses`: lt for maximum, gt for minimum), half on a tie, all of it elsewhere. No comparison with
 * NaN holds, so a NaN in either operand gives the whole gradient to both. The loser's 0 is selected,
 * not a product with 0, so an infinite gradient there gives 0, not NaN.
 */
function keptGradient(g: Tensor, a: Tensor, b: Tensor, aLoses: (a: Tensor, b: Tensor) => Tensor): Tensor {
  return where(aLoses(a, b), 0, g.mul(eq(a, b).mul(-0.5).add(1)));
}

/**
 * a ** b as C's pow (so PyTorch's): 1 ** b is 1 for every b, NaN included, and (-1) ** +-Infinity is
 * 1, where JavaScript's Math.pow gives NaN; every other case is Math.pow's.
 */
function powOf(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
  return Math.pow(a, b);
}

/** `keptGradient` on numbers, with `loses` the comparison's outcome. */
function keptGradientOf(grad: number, loses: boolean, a: number, b: number): number {
  return loses ? 0 : grad * (a === b ? 0.5 : 1);
}

/**
 * a ** b in int32, as PyTorch's integer pow: by repeated squaring, each product wrapping as int32's
 * does; a negative exponent gives 1 for a = 1, +-1 for a = -1, and 0 otherwise (0 ** -n included).
 */
function intPow(a: number, b: number): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b % 2 === 0 ? 1 : -1) : 0;
  let result = 1;
  for (let base = a, e = b; e > 0; e = Math.floor(e / 2), base = Math.imul(base, base)) {
    if (e % 2 === 1) result = Math.imul(result, base);
  }
  return result;
}

// Each op's backward is written twice, side by side: with tensor ops (the definition, differentiable
// again), and on numbers (`ScalarRule`s, one per input: the same formulas for the scalar path).
export const binaryOps = {
  add: binaryOp('add', (x, y) => x + y, (g) => [g, g],
    [({ grad }) => grad, ({ grad }) => grad], 'add'),
  sub: binaryOp('sub', (x, y) => x - y, (g, { needsInputGrad }) => [g, needsInputGrad[1] ? g.neg() : null],
    [({ grad }) => grad, ({ grad }) => -grad], 'sub'),
  mul: binaryOp('mul', (x, y) => x * y,
    (g, { inputs: [a, b], needsInputGrad }) => [needsInputGrad[0] ? g.mul(b!) : null, needsInputGrad[1] ? g.mul(a!) : null],
    [({ grad, b }, r) => r(grad * b), ({ grad, a }, r) => r(grad * a)], 'mul', Math.imul),
  div: binaryOp('div', (x, y) => x / y,
    (g, { inputs: [a, b], needsInputGrad }) => [
      needsInputGrad[0] ? g.div(b!) : null,
      needsInputGrad[1] ? g.mul(a!).div(b!.square()).neg() : null,
    ],
    [({ grad, b }, r) => r(grad / b), ({ grad, a, b }, r) => -r(r(grad * a) / r(b * b))],
    // True division, as torch.div: int32 operands give the default float dtype.
    'div', 'float'),
  // As PyTorch: d/da is 0 where the exponent is 0 (even at a = 0), d/db is 0 where a = 0 and b >= 0.
  // Each product is grouped as in PyTorch's formulas, grad * (b * a^(b - 1)) and grad * (a^b * log a),
  // and `b - 1` is computed in b's dtype as PyTorch's is, so that mixed dtypes round where it rounds.
  pow: binaryOp('pow', powOf,
    (g, { inputs: [a, b], output, needsInputGrad }) => [
      needsInputGrad[0] ? where(eq(b!, 0), 0, g.mul(b!.mul(a!.pow(b!.sub(1))))) : null,
      needsInputGrad[1] ? where(eq(a!, 0).mul(ge(b!, 0)), 0, g.mul(output.mul(a!.log()))) : null,
    ],
    [
      ({ grad, a, b }, r) => (b === 0 ? 0 : r(grad * r(b * r(powOf(a, r(b - 1)))))),
      ({ grad, a, b, output }, r) => (a === 0 && b >= 0 ? 0 : r(grad * r(output * r(Math.log(a))))),
    ], undefined, intPow),
  maximum: binaryOp('maximum', (x, y) => (x > y || Number.isNaN(x) ? x : y),
    (g, { inputs: [a, b] }) => [keptGradient(g, a!, b!, lt), keptGradient(g, b!, a!, lt)],
    [({ grad, a, b }, r) => r(keptGradientOf(grad, a < b, a, b)), ({ grad, a, b }, r) => r(keptGradientOf(grad, b < a, a, b))]),
  minimum: binaryOp('minimum', (x, y) => (x < y || Number.isNaN(x) ? x : y),
    (g, { inputs: [a, b] }) => [keptGradient(g, a!, b!, gt), keptGradient(g, b!, a!, gt)],
    [({ grad, a, b }, r) => r(keptGradientOf(grad, a > b, a, b)), ({ grad, a, b }, r) => r(keptGradientOf(grad, b > a, a, b))]),
} satisfies Record<string, OpRecord>;

const tieNotes = 'Ties split the gradient evenly between a and b; a NaN in either operand gives NaN and the whole gradient to both.';

/** What docs/ops.md says of each binary op (a table apart from the records, so that bundles leave it out). */
export const binaryDocs = {
  add: { torch: 'torch.add', method: 'add' },
  sub: { torch: 'torch.sub', method: 'sub' },
  mul: { torch: 'torch.mul', method: 'mul' },
  div: { torch: 'torch.div', method: 'div', notes: 'True division; x / 0 is +-Infinity, 0 / 0 NaN.' },
  pow: {
    torch: 'torch.pow',
    method: 'pow',
    notes: "As C's and PyTorch's pow: 1 ** NaN is 1 and (-1) ** +-Infinity is 1 (JavaScript's Math.pow gives NaN). " +
      'd/da is 0 where b = 0 (even at a = 0); d/db is 0 where a = 0 and b >= 0.',
  },
  maximum: { torch: 'torch.maximum', method: 'maximum', notes: tieNotes },
  minimum: { torch: 'torch.minimum', method: 'minimum', notes: tieNotes },
} satisfies OpDocs<typeof binaryOps>;

/** How the property suite draws each op's inputs (a table apart from the records, so that bundles leave it out; ops/registry.ts joins them). */
export const binarySpecs = {
  add: { sample: (d) => drawPair(d, ['uniform', 'uniform']) },
  sub: { sample: (d) => drawPair(d, ['uniform', 'uniform']) },
  mul: { sample: (d) => drawPair(d, ['uniform', 'uniform']) },
  div: { sample: (d) => drawPair(d, ['uniform', 'awayFromZero']) },
  pow: { sample: (d) => drawPair(d, ['positive', 'uniform']) },
  maximum: { sample: drawDistinctPair },
  minimum: { sample: drawDistinctPair },
} satisfies OpSpecs<typeof binaryOps>;

/** Applies a binary op to two tensors or numbers (a number takes the other operand's dtype). */
export function binary(op: OpRecord, a: TensorLike, b: TensorLike): Tensor {
  // Two tensors (most calls in a scalar graph) need no operands array.
  if (a instanceof Tensor && b instanceof Tensor) return applyBinary(op, a, b);
  const [x, y] = operands(a, b, op.name);
  return applyBinary(op, x, y);
}

/** a + b, broadcasting. */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary(binaryOps.add, a, b);
/** a - b, broadcasting. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary(binaryOps.sub, a, b);
/** a * b, broadcasting. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary(binaryOps.mul, a, b);
/** a / b, broadcasting. */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary(binaryOps.div, a, b);
/**
 * a ** b, broadcasting. Two int32 operands give int32 (wrapping); an int32 base to a negative
 * integer number is an error, as in PyTorch.
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (a instanceof Tensor && a.dtype === 'int32' && typeof b === 'number' && Number.isInteger(b) && b < 0) {
    throw new Error(`pow: an int32 tensor to the negative integer power ${b} is not an integer; cast the base to a float dtype first`);
  }
  return binary(binaryOps.pow, a, b);
}
/** The larger of a and b element by element; on a tie the gradient is split evenly. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary(binaryOps.maximum, a, b);
/** The smaller of a and b element by element; on a tie the gradient is split evenly. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary(binaryOps.minimum, a, b);


/** The method forms of the binary ops: `a.add(b)` is `add(a, b)`. (A function: see ops/methods.ts.) */
export function binaryMethods() {
  return {
    /** a + b, broadcasting. */
    add(other: TensorLike): Tensor { return add(this, other); },
    /** a - b, broadcasting. */
    sub(other: TensorLike): Tensor { return sub(this, other); },
    /** a * b, broadcasting. */
    mul(other: TensorLike): Tensor { return mul(this, other); },
    /** a / b, broadcasting. */
    div(other: TensorLike): Tensor { return div(this, other); },
    /** a ** b, broadcasting. */
    pow(other: TensorLike): Tensor { return pow(this, other); },
    /** The larger of a and b element by element; on a tie the gradient is split evenly. */
    maximum(other: TensorLike): Tensor { return maximum(this, other); },
    /** The smaller of a and b element by element; on a tie the gradient is split evenly. */
    minimum(other: TensorLike): Tensor { return minimum(this, other); },
  } satisfies ThisType<Tensor>;
}
