/**
 * clamp(x, min, max): each element limited to [min, max], as PyTorch's `torch.clamp` (TensorFlow's
 * `clipByValue`). One op where `x.maximum(min).minimum(max)` takes two, each with a backward of
 * several ops (their tie-splitting masks). The gradient passes where min <= x <= max, as PyTorch's.
 * As in PyTorch, min > max sets every element to max, a NaN element stays NaN, and a NaN bound follows
 * PyTorch's rule (see `clamp`).
 */
import type { OpDoc, OpRecord } from '../op.js';
import type { OpTestSpec } from '../check/spec.js';
import { apply } from '../op.js';
import type { Draw } from '../check/spec.js';
import { drawShape, drawTensor } from '../check/sampling.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { toTensor } from './creation.js';
import { describeValue } from '../describe-value.js';
import { mapUnary } from './pointwise.js';
import { where } from './where.js';
import { floatDtype } from '../dtype.js';

/** The bounds, -Infinity or Infinity where absent. Both NaN: every element becomes NaN (a NaN bound). */
export interface ClampAttrs {
  min: number;
  max: number;
}

/** The bounds as x's dtype stores them, so that comparisons match the stored result. */
function roundedBounds(x: Tensor, { min, max }: ClampAttrs): [number, number] {
  return x.dtype === 'float32' ? [Math.fround(min), Math.fround(max)] : [min, max];
}

/**
 * Draws values spaced as the 'distinct' domain does (bin k holds one value in [0.1 k, 0.1 k + 0.04],
 * shifted), and bounds in the gaps between bins, 0.03 or more from every value, or absent.
 */
function drawClamp(draw: Draw): { inputs: Tensor[]; attrs: ClampAttrs } {
  const x = drawTensor(draw, drawShape(draw), 'distinct');
  const gap = (bin: number): number => -0.1 * (x.size / 2) + 0.1 * bin + 0.07;
  const low = draw.integer(-2, x.size);
  const high = draw.integer(low, x.size + 1);
  return { inputs: [x], attrs: { min: low < 0 ? -Infinity : gap(low), max: high > x.size ? Infinity : gap(high) } };
}

export const clampOp: OpRecord<ClampAttrs> = {
  name: 'clamp',
  forward([x], attrs) {
    const [low, high] = roundedBounds(x!, attrs);
    if (Number.isNaN(low) && Number.isNaN(high)) return mapUnary(x!, () => NaN);
    return mapUnary(x!, (v) => {
      const raised = v < low ? low : v;
      return raised > high ? high : raised;
    });
  },
  backward(grad, { inputs: [x], attrs }) {
    const [low, high] = roundedBounds(x!, attrs);
    // Selected, not multiplied by the 0/1 mask: an infinite gradient outside the bounds gives 0, as PyTorch's.
    return [where(x!.ge(low).mul(x!.le(high)), grad, 0)];
  },
};

/** What docs/ops.md says of clamp (apart from the record, so that bundles leave it out). */
export const clampDoc: OpDoc = {
  torch: 'torch.clamp',
  method: 'clamp',
  notes: 'The gradient passes where min <= x <= max (bounds included). min > max gives max everywhere; a NaN element stays NaN; ' +
    'a NaN bound with the other bound makes every element NaN, a NaN bound alone changes nothing (gradient 0).',
};

/** How the property suite draws the op's inputs (apart from the record, so that bundles leave it out; ops/registry.ts joins it). */
export const clampSpec: OpTestSpec<ClampAttrs> = { sample: drawClamp };

/**
 * Limits every element of `x` to [min, max]; either bound may be left out (undefined). Throws unless
 * at least one is given and each given one is a number. A NaN bound makes every element NaN, with a
 * gradient of 0 (PyTorch's rule with two bounds, and with one since pytorch/pytorch#172200; 1.13
 * ignored a lone NaN bound), so a NaN bound never vanishes silently.
 */
export function clamp(operand: TensorLike, min?: number, max?: number): Tensor {
  const given = toTensor(operand, 'clamp');
  // As PyTorch promotes: int32 with a non-integer bound (0.5, NaN, Infinity) is clamped in the default float dtype.
  const floatBound = [min, max].some((bound) => typeof bound === 'number' && !Number.isInteger(bound));
  const x = given.dtype === 'int32' && floatBound ? given.cast(floatDtype('int32')) : given;
  if (min === undefined && max === undefined) throw new Error('clamp: at least one of min and max is required');
  for (const [name, bound] of [['min', min], ['max', max]] as const) {
    if (bound !== undefined && typeof bound !== 'number') throw new Error(`clamp: ${name} must be a number, got ${describeValue(bound)}`);
  }
  const nanBound = Number.isNaN(min) || Number.isNaN(max);
  return apply(clampOp, [x], nanBound ? { min: NaN, max: NaN } : { min: min ?? -Infinity, max: max ?? Infinity });
}

/** The method form: `x.clamp(min, max)` is `clamp(x, min, max)`. (A function: see ops/methods.ts.) */
export function clampMethods() {
  return {
    /** Each element limited to [min, max] (either may be undefined); see `clamp`. */
    clamp(min?: number, max?: number): Tensor { return clamp(this, min, max); },
  } satisfies ThisType<Tensor>;
}
