/**
 * The BLIS loops over cache blocks of one product, run by whichever thread owns a share of it. The
 * operands are already staged in WebAssembly memory (see ./matmul.ts); these loops pack blocks of
 * them and multiply packed blocks into C, calling into WebAssembly a few times per block, never per
 * tile. Worker threads (./thread-worker.ts) run this same code on their own instance of the module.
 */
import { F32, F64, type GemmFunction, type PackFunction, type Precision } from './matmul-module.js';

/** Cache blocking for one precision, around the module's MR x NR tile. Measured flat within +-3% nearby. */
export interface Plan {
  readonly precision: Precision;
  /**
   * Most depth of a k block: one packed strip of B (KC x NR, 8 KiB at 256) stays in L1 while strips
   * of A stream past. k is cut into equal blocks of at most this depth (784 = 4 x 196, not
   * 3 x 256 + 16: a thin last block pays C's loads and stores for little work).
   */
  readonly kc: number;
  /** Rows of A packed at a time, a multiple of MR: the MC x KC panel (128 KiB) stays in L2. */
  readonly mc: number;
  /** Columns of B packed at a time, a multiple of NR: the KC x NC panel (1 or 2 MiB) stays in L2 or L3. */
  readonly nc: number;
}

export const F32_PLAN: Plan = { precision: F32, kc: 256, mc: 128, nc: 1024 };
export const F64_PLAN: Plan = { precision: F64, kc: 256, mc: 64, nc: 1024 };

/** The depth of each k block for a product of depth k: equal blocks of at most `plan.kc`. */
export function blockDepth(plan: Plan, k: number): number {
  return Math.ceil(k / Math.ceil(k / plan.kc));
}

/** The module's functions for one precision. */
export interface Kernels {
  readonly gemm: GemmFunction;
  readonly pack: PackFunction;
}

/**
 * One thread's share of an m x k by k x n product: the block C[i0:i1, j0:j1] over the whole depth.
 * Addresses and strides are in bytes; i0 and j0 are multiples of MR and NR. Every field is an
 * integer, so that a share travels to a worker as a row of an Int32Array (see ./parallel.ts).
 */
export interface Share {
  /** 1 for float64, 0 for float32. */
  readonly f64: number;
  /** Staged A: element [0, 0], and the steps between rows and columns. */
  readonly aAt: number;
  readonly aRowStride: number;
  readonly aColStride: number;
  /** Staged B, likewise. */
  readonly bAt: number;
  readonly bRowStride: number;
  readonly bColStride: number;
  /** C's element [0, 0] (the whole product's, not the share's) and its row stride. */
  readonly cAt: number;
  readonly ldc: number;
  readonly k: number;
  readonly i0: number;
  readonly i1: number;
  readonly j0: number;
  readonly j1: number;
  /** Where this thread packs its blocks of A and of B: its own scratch, sized by the plan. */
  readonly packedA: number;
  readonly packedB: number;
  /** 1 when B's strips are read in place, unpacked (see `computeShare`). */
  readonly direct: number;
  /** 1 when C already holds a sum the product adds to (a later matrix of a summed batch), else 0. */
  readonly accumulate: number;
}

/**
 * Computes C[i0:i1, j0:j1] = A[i0:i1, :] B[:, j0:j1] for one share, writing C in memory.
 *
 * Loop order, outer to inner: n block (NC columns), k block (pack B), m block (pack A, then one gemm
 * call for all its tiles). Packed B is reused by every m block; the C block stays in memory across k
 * blocks, the first overwriting it (unless `accumulate`) and the others adding to it. Sums run in
 * the same order whatever the share's bounds, so any split of a product over threads gives the
 * single-thread bits.
 *
 * `direct` (set by the caller when A has a single strip of MR rows and B's rows are contiguous): every
 * value of B is used once, so packing it buys nothing and gemm reads its strips from the staged copy,
 * stepping down by B's row stride. (The last strip may run past B's columns into the next row, or into
 * slack the caller leaves after B; those columns of C are dropped.)
 */
export function computeShare(plan: Plan, { gemm, pack }: Kernels, s: Share): void {
  const { bytes, tile: { mr, nr } } = plan.precision;
  const depth = blockDepth(plan, s.k);
  for (let jc = s.j0; jc < s.j1; jc += plan.nc) {
    const nc = Math.min(plan.nc, s.j1 - jc);
    const nTiles = Math.ceil(nc / nr);
    for (let pc = 0; pc < s.k; pc += depth) {
      const kc = Math.min(depth, s.k - pc);
      const accumulate = pc > 0 || s.accumulate !== 0 ? 1 : 0;
      const bBlock = s.bAt + pc * s.bRowStride + jc * s.bColStride;
      // B's lanes are its columns and its depth runs down the rows; A's lanes are its rows.
      if (s.direct === 0) pack(s.packedB, bBlock, nc, nr, kc, s.bColStride, s.bRowStride);
      for (let ic = s.i0; ic < s.i1; ic += plan.mc) {
        const mc = Math.min(plan.mc, s.i1 - ic);
        pack(s.packedA, s.aAt + ic * s.aRowStride + pc * s.aColStride, mc, mr, kc, s.aRowStride, s.aColStride);
        const c = s.cAt + ic * s.ldc + jc * bytes;
        const mTiles = Math.ceil(mc / mr);
        if (s.direct !== 0) gemm(s.packedA, bBlock, c, mTiles, nTiles, kc, s.ldc, accumulate, s.bRowStride, nr * bytes);
        else gemm(s.packedA, s.packedB, c, mTiles, nTiles, kc, s.ldc, accumulate, nr * bytes, kc * nr * bytes);
      }
    }
  }
}

/**
 * How a product is cut into chunks for threads: C[:, columns] or C[rows, :] ranges whose bounds
 * are multiples of `unit`, about equal in size. Integers throughout, like a Share, to travel in an
 * Int32Array.
 */
export interface Split {
  /** 1: chunks are ranges of columns; 0: ranges of rows. */
  readonly byColumns: number;
  /** Chunk bounds are multiples of this many columns or rows. */
  readonly unit: number;
  readonly chunks: number;
  /** Threads working on the product (thread 0 is the caller); at most `chunks`. */
  readonly threads: number;
  /** Bytes between one thread's packing scratch and the next's (thread 0's is the Share's). */
  readonly scratchStride: number;
}

/** The share of chunk `chunk` of `whole` (a whole product: all of C), for thread `thread` (its own packing scratch). */
export function chunkShare(whole: Share, split: Split, chunk: number, thread: number): Share {
  const extent = split.byColumns !== 0 ? whole.j1 : whole.i1;
  const units = Math.ceil(extent / split.unit);
  const from = Math.floor((chunk * units) / split.chunks) * split.unit;
  const to = Math.min(extent, Math.floor(((chunk + 1) * units) / split.chunks) * split.unit);
  const packedA = whole.packedA + thread * split.scratchStride;
  const packedB = whole.packedB + thread * split.scratchStride;
  return split.byColumns !== 0 ? { ...whole, packedA, packedB, j0: from, j1: to } : { ...whole, packedA, packedB, i0: from, i1: to };
}

/**
 * Thread `thread`'s part of a split product: chunk `thread` first, so that every thread has one,
 * then whichever chunks are left, claimed one at a time (`claim` returns a fresh index each call,
 * counting from 0, shared by all threads). Threads slowed by other work on the machine thus take
 * fewer chunks, where an even split would make every thread wait for the slowest.
 */
export function computeChunks(plan: Plan, kernels: Kernels, whole: Share, split: Split, thread: number, claim: () => number): void {
  for (let chunk = thread; chunk < split.chunks; chunk = split.threads + claim()) {
    computeShare(plan, kernels, chunkShare(whole, split, chunk, thread));
  }
}
