/**
 * The matrix product the blocked kernels use for their trailing updates: @nn/autograd's matmul
 * (packed and register-blocked in JavaScript, or WebAssembly, as the backend picks), on float64
 * copies of the blocks.
 */
import { matmul, tensor } from '@nn/autograd';
import type { Multiply } from './kernels/lu.js';

/** C = A B for row-major float64 A (m x k) and B (k x n). */
export const multiply: Multiply = (a, b, m, k, n) =>
  matmul(tensor(a, { dtype: 'float64', shape: [m, k] }), tensor(b, { dtype: 'float64', shape: [k, n] })).data();
