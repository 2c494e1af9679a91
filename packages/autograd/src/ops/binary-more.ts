/**
 * More binary element-wise ops, broadcasting as the others: atan2, remainder (the sign of the
 * divisor, as torch.remainder) and logAddExp. Records as in binary.ts, the backward rules written
 * with Tensor ops (PyTorch's formulas) beside the same rules on numbers.
 */
import type { OpDocs, OpRecord, OpSpecs } from '../op.js';
import type { Draw } from '../check/spec.js';
import { drawBroadcastPair, drawShape, drawTensor } from '../check/sampling.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { tensor } from './creation.js';
import { binary } from './binary.js';
import { binaryOp, drawPair } from './binary-record.js';
import { exp } from './unary.js';
import { mapBinary } from './pointwise.js';

/** a mod b with the sign of b, as Python's % and torch.remainder: C's fmod moved into b's side. */
function remainderOf(a: number, b: number): number {
  const m = a % b;
  return m !== 0 && b < 0 !== m < 0 ? m + b : m;
}

/** remainderOf on int32 values; a divisor 0 is an error, as PyTorch's ZeroDivisionError. */
function intRemainderOf(a: number, b: number): number {
  if (b === 0) throw new Error(`remainder: int32 ${a} by the divisor 0 (integer division by zero)`);
  return remainderOf(a, b);
}

/**
 * floor(a / b) as PyTorch's floor division computes it (so that a = b * floor(a / b) + remainder(a, b)
 * holds where the quotient rounds): from fmod, then corrected by one where the rounded quotient
 * fell on the wrong side. It differs from Math.floor(a / b) at the infinities: 5 // -Infinity is -1.
 */
function floorDivideOf(a: number, b: number): number {
  if (b === 0) return a / b;
  const m = a % b;
  let quotient = (a - m) / b;
  if (m !== 0 && b < 0 !== m < 0) quotient -= 1;
  if (quotient === 0) return a / b < 0 || Object.is(a / b, -0) ? -0 : 0; // The zero of a / b's sign, as copysign.
  const down = Math.floor(quotient);
  return quotient - down > 0.5 ? down + 1 : down;
}

/** floor(a / b) element by element, without a gradient (it is piecewise constant): remainder's d/db. */
const floorQuotient = (a: Tensor, b: Tensor): Tensor => mapBinary(a, b, 'remainder', floorDivideOf);

/** log(e^a + e^b) as PyTorch computes it: max + log1p(e^-|a - b|), and a itself when a = b = +-Infinity. */
function logAddExpOf(a: number, b: number): number {
  if (a === b && (a === Infinity || a === -Infinity)) return a;
  const m = a < b ? b : a;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/**
 * A dividend and a divisor whose quotient stays clear of the integers (remainder jumps there): the
 * divisor is +-0.5, 1 or 2 stretched by at most 0.5%, the dividend at least 0.05 from every multiple
 * of 0.5, so the quotient keeps at least 0.017 from every integer.
 */
function drawRemainderPair(draw: Draw): { inputs: Tensor[]; attrs: undefined } {
  const [sa, sb] = drawBroadcastPair(draw, drawShape(draw));
  const a = drawTensor(draw, sa, 'awayFromHalves');
  const size = sb.reduce((n, d) => n * d, 1);
  const [scales, stretches] = [draw.integers(size, 0, 5), draw.integers(size, 0, 1000)];
  const values = scales.map((k, i) => (k < 3 ? 1 : -1) * 2 ** ((k % 3) - 1) * (1 + stretches[i]! / 200_000));
  return { inputs: [a, tensor(Float64Array.from(values), { shape: sb, dtype: 'float64' })], attrs: undefined };
}

export const binaryMoreOps = {
  // d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2).
  atan2: binaryOp('atan2', Math.atan2,
    (g, { inputs: [a, b], needsInputGrad }) => {
      const radius2 = a!.square().add(b!.square());
      return [needsInputGrad[0] ? g.mul(b!).div(radius2) : null, needsInputGrad[1] ? g.mul(a!).div(radius2).neg() : null];
    },
    [({ grad, a, b }, r) => r(r(grad * b) / r(r(a * a) + r(b * b))), ({ grad, a, b }, r) => -r(r(grad * a) / r(r(a * a) + r(b * b)))], undefined, 'float'),
  // As PyTorch's: d/da = 1, d/db = -floor(a / b) (PyTorch's floor division).
  remainder: binaryOp('remainder', remainderOf,
    (g, { inputs: [a, b], needsInputGrad }) => [g, needsInputGrad[1] ? g.mul(floorQuotient(a!, b!)).neg() : null],
    [({ grad }) => grad, ({ grad, a, b }, r) => -r(grad * r(floorDivideOf(a, b)))], undefined, intRemainderOf),
  // As PyTorch's: d/da = 1 / (1 + e^(b - a)), d/db = 1 / (1 + e^(a - b)); an overflowing e^ gives 0.
  logAddExp: binaryOp('logAddExp', logAddExpOf,
    (g, { inputs: [a, b], needsInputGrad }) => [
      needsInputGrad[0] ? g.div(exp(b!.sub(a!)).add(1)) : null,
      needsInputGrad[1] ? g.div(exp(a!.sub(b!)).add(1)) : null,
    ],
    [({ grad, a, b }, r) => r(grad / r(r(Math.exp(r(b - a))) + 1)), ({ grad, a, b }, r) => r(grad / r(r(Math.exp(r(a - b))) + 1))], undefined, 'float'),
} satisfies Record<string, OpRecord>;

/** What docs/ops.md says of each op of this family (a table apart from the records, so that bundles leave it out). */
export const binaryMoreDocs = {
  atan2: {
    torch: 'torch.atan2',
    notes: 'The angle of the point (b, a), in [-pi, pi]; atan2(0, 0) = 0 with the gradient NaN there (0/0). ' +
      'int32 operands give the default float dtype.',
  },
  remainder: {
    torch: 'torch.remainder',
    notes: 'a - b * floor(a / b): the sign of the divisor, as Python\'s %. Jumps at the multiples of b; ' +
      'd/da = 1, d/db = -floor(a / b), as PyTorch\'s. Two int32 operands give int32, and a divisor 0 there is an error; ' +
      'x mod 0 is NaN in floats.',
  },
  logAddExp: {
    torch: 'torch.logaddexp',
    notes: 'max(a, b) + log1p(e^-|a - b|): no overflow. Both +Infinity (or both -Infinity) give that infinity, ' +
      'as PyTorch\'s; the gradients are then NaN, as PyTorch\'s. int32 operands give the default float dtype.',
  },
} satisfies OpDocs<typeof binaryMoreOps>;

/** How the property suite draws each op's inputs (a table apart from the records, so that bundles leave it out; ops/registry.ts joins them). */
export const binaryMoreSpecs = {
  // a away from 0 keeps clear of the origin and of the cut along b < 0.
  atan2: { sample: (d) => drawPair(d, ['awayFromZero', 'uniform']) },
  remainder: { sample: drawRemainderPair },
  logAddExp: { sample: (d) => drawPair(d, ['uniform', 'uniform']) },
} satisfies OpSpecs<typeof binaryMoreOps>;

/** The angle of the point (b, a) from the positive b axis, in [-pi, pi], broadcasting (torch.atan2). */
export const atan2 = (a: TensorLike, b: TensorLike): Tensor => binary(binaryMoreOps.atan2, a, b);
/**
 * a mod b with the sign of b (a - b * floor(a / b)), broadcasting, as torch.remainder. Two int32
 * operands give int32; an int32 divisor 0 is an error.
 */
export const remainder = (a: TensorLike, b: TensorLike): Tensor => binary(binaryMoreOps.remainder, a, b);
/** log(e^a + e^b) without overflow, broadcasting (torch.logaddexp). */
export const logAddExp = (a: TensorLike, b: TensorLike): Tensor => binary(binaryMoreOps.logAddExp, a, b);
