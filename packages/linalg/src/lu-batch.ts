/** LU factors of a batch of square matrices, shared by solve, inv, det and slogdet. */
import type { Tensor } from '@nn/autograd';
import { runsOnWasm } from '@nn/autograd/wasm';
import { readBatch, type MatrixBatch } from './batch.js';
import { LU_BLOCK, luBlockedInPlace, type LuInfo } from './kernels/lu.js';
import { luBlockedOnWasm } from './kernels/lu-wasm.js';
import { gemm } from './gemm.js';

/** The factors of each matrix of a batch: L and U in `batch.data`, the row permutations, the infos. */
export interface LuBatch {
  readonly batch: MatrixBatch;
  readonly perms: Int32Array;
  readonly infos: LuInfo[];
}

/** P A = L U for every matrix of `a` (broadcast to `batchShape` when given), in float64. */
export function factorBatch(a: Tensor, batchShape?: readonly number[]): LuBatch {
  const batch = readBatch(a, batchShape);
  const n = batch.rows;
  const perms = new Int32Array(batch.count * n);
  const infos: LuInfo[] = [];
  // The panels on WebAssembly where the factorization is blocked (and the backend allows it).
  const onWasm = runsOnWasm(n >= LU_BLOCK);
  for (let i = 0; i < batch.count; i++) {
    const perm = perms.subarray(i * n, (i + 1) * n);
    infos.push((onWasm ? luBlockedOnWasm(batch.data, n, perm, gemm, i * n * n) : null) ?? luBlockedInPlace(batch.data, n, perm, gemm, i * n * n));
  }
  return { batch, perms, infos };
}
