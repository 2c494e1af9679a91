/** Free-function forms of the graph methods of Tensor. */
import type { Tensor } from '../tensor.js';

/** A tensor with the same values, cut from the graph. */
export const detach = (x: Tensor): Tensor => x.detach();

/** Clears the accumulated gradient of `x`. */
export const zeroGrad = (x: Tensor): void => x.zeroGrad();
