/** Free-function forms of the graph methods of Tensor. */
import type { Tensor, TensorLike } from '../tensor.js';
import { toTensor } from './creation.js';

/** A tensor with the same values, cut from the graph. */
export const detach = (x: TensorLike): Tensor => toTensor(x, 'detach').detach();

/** Clears the accumulated gradient of `x` (a number has none: nothing to do). */
export const zeroGrad = (x: TensorLike): void => toTensor(x, 'zeroGrad').zeroGrad();
