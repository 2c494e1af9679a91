/**
 * Rounding to integers: floor, ceil, round (half to even) and trunc. Piecewise constant, so their
 * gradient is 0 everywhere (PyTorch's zeros_like), and the property suite draws values away from
 * the integers and the halves, where finite differences see the same constant. An int32 input comes
 * back as it is (a copy), as PyTorch's.
 */
import type { OpDocs, OpRecord, OpSpecs } from '../op.js';
import { applyUnary } from '../op.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { toTensor, zerosLike } from './creation.js';
import { drawUnary, unaryOp } from './unary-record.js';

/** The nearest integer, a tie going to the even one (as torch.round, C's nearbyint). */
export function roundHalfToEven(v: number): number {
  const r = Math.round(v); // A tie goes up: back down by one where that made it odd.
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const identity = (v: number): number => v;

/** The record of a rounding op: gradient 0 (a fresh zero tensor, so an infinite gradient gives 0, not NaN). */
const roundingOp = (name: string, f: (v: number) => number): OpRecord =>
  unaryOp(name, f, (_g, x) => zerosLike(x), () => 0, identity);

export const roundingOps = {
  floor: roundingOp('floor', Math.floor),
  ceil: roundingOp('ceil', Math.ceil),
  round: roundingOp('round', roundHalfToEven),
  trunc: roundingOp('trunc', Math.trunc),
} satisfies Record<string, OpRecord>;

/** What docs/ops.md says of each rounding op (a table apart from the records, so that bundles leave it out). */
export const roundingDocs = {
  floor: { torch: 'torch.floor', method: 'floor', notes: 'Gradient 0 (it is piecewise constant). NaN and +-Infinity stay as they are; an int32 input is returned as it is.' },
  ceil: { torch: 'torch.ceil', method: 'ceil', notes: 'Gradient 0 (it is piecewise constant). NaN and +-Infinity stay as they are; an int32 input is returned as it is.' },
  round: { torch: 'torch.round', method: 'round', notes: 'Half to even: round(0.5) = 0, round(1.5) = 2, round(-2.5) = -2. ' +
      'Gradient 0 (it is piecewise constant). NaN and +-Infinity stay as they are; an int32 input is returned as it is.' },
  trunc: { torch: 'torch.trunc', method: 'trunc', notes: 'Toward zero. ' + 'Gradient 0 (it is piecewise constant). NaN and +-Infinity stay as they are; an int32 input is returned as it is.' },
} satisfies OpDocs<typeof roundingOps>;

/** How the property suite draws each op's inputs (a table apart from the records, so that bundles leave it out; ops/registry.ts joins them). */
export const roundingSpecs = {
  floor: { sample: (draw) => drawUnary(draw, 'awayFromHalves') },
  ceil: { sample: (draw) => drawUnary(draw, 'awayFromHalves') },
  round: { sample: (draw) => drawUnary(draw, 'awayFromHalves') },
  trunc: { sample: (draw) => drawUnary(draw, 'awayFromHalves') },
} satisfies OpSpecs<typeof roundingOps>;

/** The largest integer not above x. */
export const floor = (x: TensorLike): Tensor => applyUnary(roundingOps.floor, toTensor(x, 'floor'));
/** The smallest integer not below x. */
export const ceil = (x: TensorLike): Tensor => applyUnary(roundingOps.ceil, toTensor(x, 'ceil'));
/** The nearest integer; a tie goes to the even one, as torch.round. */
export const round = (x: TensorLike): Tensor => applyUnary(roundingOps.round, toTensor(x, 'round'));
/** x without its fractional part (rounded toward zero). */
export const trunc = (x: TensorLike): Tensor => applyUnary(roundingOps.trunc, toTensor(x, 'trunc'));

/** The method forms of the rounding ops: `x.floor()` is `floor(x)`. (A function: see ops/methods.ts.) */
export function roundingMethods() {
  return {
    /** The largest integer not above x. */
    floor(): Tensor { return floor(this); },
    /** The smallest integer not below x. */
    ceil(): Tensor { return ceil(this); },
    /** The nearest integer; a tie goes to the even one, as torch.round. */
    round(): Tensor { return round(this); },
    /** x without its fractional part (rounded toward zero). */
    trunc(): Tensor { return trunc(this); },
  } satisfies ThisType<Tensor>;
}
