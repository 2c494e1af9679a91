/** LU factors of a batch of square matrices, shared by solve, inv, det and slogdet. */
import type { Tensor } from '@nn/autograd';
import { runsOnWasm } from '@nn/autograd/wasm';
import { readBatch, sizeOf, type MatrixBatch } from './batch.js';
import { LU_BLOCK, luBlockedInPlace, type LuInfo } from './kernels/lu.js';
import { luBlockedOnWasm, luFactorOnWasm } from './kernels/lu-wasm.js';
import { gemm } from './gemm.js';

/**
 * The factors of each matrix of a batch: L and U in `batch.data`, the row permutations, the infos.
 * `batch.data` is for reading, at once: a single matrix factored on WebAssembly leaves its factors
 * in the kernel's memory, and the next factorization there overwrites them.
 */
export interface LuBatch {
  readonly batch: MatrixBatch;
  readonly perms: Int32Array;
  readonly infos: LuInfo[];
}

/** P A = L U for every matrix of `a` (broadcast to `batchShape` when given), in float64. */
export function factorBatch(a: Tensor, batchShape?: readonly number[]): LuBatch {
  const n = a.shape[a.ndim - 1]!;
  // The panels and subtractions on WebAssembly where the factorization is blocked (and the backend allows it).
  const onWasm = runsOnWasm(n >= LU_BLOCK);
  const target = batchShape ?? a.shape.slice(0, -2);
  const { storage } = a;
  if (onWasm && sizeOf(target) === 1 && a.isContiguous && (storage instanceof Float64Array || storage instanceof Float32Array)) {
    // One matrix: copied from the tensor into the kernel's memory and read there, with no copy of our own.
    const perms = new Int32Array(n);
    const factored = luFactorOnWasm(storage, a.offset, n, perms, gemm);
    if (factored !== null) return { batch: { data: factored.factors, batchShape: target, count: 1, rows: n, cols: n }, perms, infos: [factored.info] };
  }
  const batch = readBatch(a, batchShape);
  const perms = new Int32Array(batch.count * n);
  const infos: LuInfo[] = [];
  for (let i = 0; i < batch.count; i++) {
    const perm = perms.subarray(i * n, (i + 1) * n);
    infos.push((onWasm ? luBlockedOnWasm(batch.data, n, perm, gemm, i * n * n) : null) ?? luBlockedInPlace(batch.data, n, perm, gemm, i * n * n));
  }
  return { batch, perms, infos };
}
