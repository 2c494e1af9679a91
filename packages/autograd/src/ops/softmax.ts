/**
 * softmax and logSoftmax, built on logSumExp: exp(x - logSumExp(x)) and x - logSumExp(x). logSumExp
 * subtracts the maximum first, so neither overflows at logits of +-1e4, and their gradients (from the
 * primitives' rules) stay finite.
 */
import type { Tensor } from '../tensor.js';
import { logSumExp } from './reduce.js';

/** exp(x) / sum(exp(x)) along `axis` (default the last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return x.sub(logSumExp(x, axis, true)).exp();
}

/** log(softmax(x)) along `axis` (default the last), computed without forming softmax. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return x.sub(logSumExp(x, axis, true));
}
