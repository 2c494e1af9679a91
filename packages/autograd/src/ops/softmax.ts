/**
 * softmax and logSoftmax, built from primitives on the input shifted by its maximum, so that neither
 * overflows at logits of +-1e4 and their gradients (from the primitives' rules) stay finite. Working
 * on the shifted values, not on x - logSumExp(x), keeps float32 precision when the logits are large.
 */
import type { Tensor } from '../tensor.js';
import { normalizeAxis } from '../shape.js';
import { shiftByMax } from './reduce.js';

/** exp(x) / sum(exp(x)) along `axis` (default the last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  const { shifted } = shiftByMax(x, [normalizeAxis(axis, x.ndim, 'softmax')]);
  const e = shifted.exp();
  return e.div(e.sum(axis, true));
}

/** log(softmax(x)) along `axis` (default the last), computed without forming softmax. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const { shifted } = shiftByMax(x, [normalizeAxis(axis, x.ndim, 'logSoftmax')]);
  return shifted.sub(shifted.exp().sum(axis, true).log());
}
