/**
 * The matrix product the blocked kernels use for their trailing updates: @nn/autograd's matmul
 * (on float64 that is the WebAssembly SIMD micro-kernel under the default backend, the packed
 * JavaScript kernel under 'js'), on float64 copies of the blocks. A transposed B is passed as a
 * transposed view: matmul's packing reads it through its strides, so it costs no further copy.
 */
import { matmul, tensor, transpose } from '@nn/autograd';
import type { Multiply } from './kernels/lu.js';

/** C = A B for row-major float64 A (m x k) and B (k x n), or C = A B^T for B n x k when `bTransposed`. */
export const multiply: Multiply = (a, b, m, k, n, bTransposed = false) => {
  const left = tensor(a, { dtype: 'float64', shape: [m, k] });
  const right = bTransposed ? transpose(tensor(b, { dtype: 'float64', shape: [n, k] }), 0, 1) : tensor(b, { dtype: 'float64', shape: [k, n] });
  return matmul(left, right).data();
};
