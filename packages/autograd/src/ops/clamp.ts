/**
 * clamp(x, min, max): each element limited to [min, max], as PyTorch's `torch.clamp` (TensorFlow's
 * `clipByValue`). One op where `x.maximum(min).minimum(max)` takes two, each with a backward of
 * several ops (their tie-splitting masks). The gradient passes where min <= x <= max, as PyTorch's.
 * As in PyTorch, min > max sets every element to max, a NaN element stays NaN, and a NaN bound follows
 * PyTorch's rule (see `clamp`).
 */
import type { BuiltinOp } from '../op.js';
import { apply } from '../op.js';
import type { Draw } from '../check/spec.js';
import { drawShape, drawTensor } from '../check/sampling.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { toTensor } from './creation.js';
import { describeValue } from '../describe-value.js';
import { mapUnary } from './pointwise.js';
import { floatDtype } from '../dtype.js';

/**
 * The bounds, -Infinity or Infinity where absent. Both NaN: every element becomes NaN (PyTorch's clamp
 * given two bounds, one of them NaN).
 */
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

export const clampOp: BuiltinOp<ClampAttrs> = {
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
    return [grad.mul(x!.ge(low).mul(x!.le(high)))];
  },
  spec: { sample: drawClamp },
};

/**
 * Limits every element of `x` to [min, max]; either bound may be left out (undefined). Throws unless
 * at least one is given and each given one is a number. A NaN bound does what it does in PyTorch:
 * given with the other bound, it makes every element NaN; given alone, it compares false with every
 * element, so it changes no value, and the gradient (which passes where min <= x <= max) is 0.
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
  const nanBetweenTwo = min !== undefined && max !== undefined && (Number.isNaN(min) || Number.isNaN(max));
  return apply(clampOp, [x], nanBetweenTwo ? { min: NaN, max: NaN } : { min: min ?? -Infinity, max: max ?? Infinity });
}
