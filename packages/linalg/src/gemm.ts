/**
 * The matrix products the blocked kernels use: @nn/autograd's `matmulInto` (on float64 the
 * WebAssembly SIMD micro-kernel under the default backend, the packed JavaScript kernel under 'js'),
 * on views of the kernels' own arrays, so that a block is multiplied where it lies, transposed or not,
 * with no tensor and no copy of our own per call.
 */
import { matmulInto } from '@nn/autograd/wasm';
import type { Gemm, Multiply } from './kernels/blocks.js';

/** out = A B for views A (m x k) and B (k x n) into float64 arrays. */
export const gemm: Gemm = (out, a, b, m, k, n) => matmulInto(out, a, b, m, k, n);

/** C = A B for row-major float64 A (m x k) and B (k x n), or C = A B^T for B n x k when `bTransposed`, as a new array. */
export const multiply: Multiply = (a, b, m, k, n, bTransposed = false) => {
  const out = new Float64Array(m * n);
  const right = bTransposed ? { data: b, offset: 0, rowStride: 1, colStride: k } : { data: b, offset: 0, rowStride: n, colStride: 1 };
  matmulInto(out, { data: a, offset: 0, rowStride: k, colStride: 1 }, right, m, k, n);
  return out;
};
