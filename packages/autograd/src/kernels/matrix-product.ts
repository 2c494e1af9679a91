/**
 * Which kernel runs one matrix product: the crossover that ops/matmul.ts, the convolutions and
 * `matmulInto` (the product other packages' kernels call) share, so that it is measured once.
 */
import { runsOnWasm } from '../backend.js';
import { matmulKernel } from './matmul.js';
import { matmulKernelWasm } from './wasm/matmul.js';

/**
 * Where WebAssembly beats the JS kernel, measured per matrix of a batch: from about 8 x 8 x 8
 * multiply-adds, except for matrix-vector products (n = 1) with a small matrix, where the copy into
 * WebAssembly memory costs more than the product.
 */
export function wasmPaysOff(m: number, k: number, n: number): boolean {
  return m * k * n >= 512 && (n > 1 || m * k >= 2048);
}

/** The kernel (same contract for both) that an m x k x n product runs on under the backend setting. */
export function matmulKernelFor(m: number, k: number, n: number): typeof matmulKernel {
  return runsOnWasm(wasmPaysOff(m, k, n)) ? matmulKernelWasm : matmulKernel;
}
