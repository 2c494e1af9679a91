/**
 * Batched matrix multiply over typed arrays, in plain TypeScript.
 *
 * Large products follow the BLIS scheme. The k axis is cut into blocks of KC and the n axis into
 * blocks of NC; for each (n block, k block) a KC x NC panel of B is copied ("packed") into a
 * contiguous Float64Array, then for each MC-row block of A an MC x KC panel of A is packed too. A
 * register-blocked micro-kernel then computes one MR x NR tile of the output at a time, keeping the
 * MR * NR partial sums in local variables. Packing buys three things:
 *  - the micro-kernel reads both operands strictly sequentially, from cache;
 *  - transposed, strided or offset operands cost the same as contiguous ones (only packing sees strides);
 *  - the micro-kernel sees only Float64Array, so the JIT compiles one monomorphic loop with no
 *    float32 -> float64 conversions in it, whatever the input types.
 * Small products, and those thinner than one tile, skip all that and take a direct triple loop.
 */
import type { Storage } from '../dtype.js';

/** One operand of a batched matmul, read through strides so that transposes and broadcasts cost no copy. */
export interface MatrixOperand {
  data: Storage;
  offset: number;
  rowStride: number; // step between rows of the (m x k) or (k x n) matrix
  colStride: number; // step between columns
  batchStrides: readonly number[]; // one per batch dimension of the output (same length as batchShape), 0 where broadcast
}

/**
 * Rows and columns of the output tile that the micro-kernel holds in local variables. 3 x 4 was the
 * fastest shape measured: its 12 sums plus the operands nearly fit the 16 SSE registers V8 uses, where
 * 4 x 4 spills sums to the stack on every step.
 */
const MR = 3;
const NR = 4;
/** Depth of a k block: a KC x NR strip of packed B (8 KiB) stays in L1 while all of A's panel streams past it. */
const KC = 256;
/** Rows of A packed at a time, a multiple of MR: the MC x KC panel (192 KiB) stays in L2. */
const MC = 96;
/** Columns of B packed at a time: the KC x NC panel (1 MiB) stays in L2 or L3. */
const NC = 512;
/** Where packed B starts in `packed`, after room for the largest panel of A. */
const B_START = MC * KC;
/**
 * Up to this many multiply-adds (m * k * n) the direct loop beats packing: measured, the crossover lies
 * between 7 x 7 x 7 and 8 x 8 x 8.
 */
const SMALL = 384;

// Scratch reused across calls, so steady-state calls allocate nothing. Packed A and packed B share one
// array so the micro-kernel indexes a single typed array: V8 re-checks an array's map and bounds on
// every step of the loop, and doing that for one array instead of two was measurably faster.
// Allocated on the first large product, so that importing the module costs nothing.
let packed = new Float64Array(0);
/** Float64 partial sums for a float32 `out`, grown to the largest m * min(n, NC) seen. */
let accumulator = new Float64Array(0);
/** Sums of an edge tile, so that the partial store can loop over them. */
const edgeTile = new Float64Array(MR * NR);

/**
 * The number of m x n products a batched matmul must compute, after the trivial cases: 0 when the
 * output is empty, or when k = 0 (the output is then all zeros, and is filled here).
 */
export function matricesToMultiply(out: Storage, batchShape: readonly number[], m: number, k: number, n: number): number {
  let batches = 1;
  for (const extent of batchShape) batches *= extent;
  if (m * n === 0 || batches === 0) return 0;
  if (k === 0) {
    out.fill(0, 0, batches * m * n);
    return 0;
  }
  return batches;
}

/** Where matrix `batch` of `operand` starts in its storage: the flat batch index decoded per axis, last axis fastest. */
export function matrixStart(operand: MatrixOperand, batchShape: readonly number[], batch: number): number {
  let start = operand.offset;
  let rest = batch;
  for (let axis = batchShape.length - 1; axis >= 0; axis--) {
    const extent = batchShape[axis]!;
    const index = rest % extent;
    rest = (rest - index) / extent;
    start += index * operand.batchStrides[axis]!;
  }
  return start;
}

/**
 * out[...batch, i, j] = sum_p A[...batch, i, p] * B[...batch, p, j].
 * `out` is contiguous row-major of shape [...batchShape, m, n] and is fully overwritten.
 *
 * `a` is read as an m x k matrix and `b` as a k x n matrix, each through its own strides and offset;
 * a batch stride of 0 broadcasts that operand over the batch axis. `out`, `a.data` and `b.data` may
 * each be Float32Array or Float64Array, or all three Int32Array. Sums are accumulated in float64 and
 * rounded once on store; int32 products and sums wrap as int32's do.
 */
export function matmulKernel(
  out: Storage,
  a: MatrixOperand,
  b: MatrixOperand,
  batchShape: readonly number[],
  m: number,
  k: number,
  n: number,
): void {
  const size = m * n;
  const batches = matricesToMultiply(out, batchShape, m, k, n);
  for (let batch = 0; batch < batches; batch++) {
    const aStart = matrixStart(a, batchShape, batch);
    const bStart = matrixStart(b, batchShape, batch);
    if (out instanceof Int32Array) {
      integerMultiply(out, batch * size, a, aStart, b, bStart, m, k, n);
      continue;
    }
    // Besides small products (see SMALL), take the direct loop for those thinner than one tile, such
    // as matrix-vector products: most of each padded tile would be zeros, and the direct loop was
    // measured 1.3 to 3x faster (a draw at m = MR - 1).
    if (m * k * n <= SMALL || m < MR || n < NR) {
      directMultiply(out, batch * size, a, aStart, b, bStart, m, k, n);
    } else {
      blockedMultiply(out, batch * size, a, aStart, b, bStart, m, k, n);
    }
  }
}

/** The textbook loop: each output is one dot product, summed in a local and stored once. */
function directMultiply(
  out: Storage, outStart: number,
  a: MatrixOperand, aStart: number, b: MatrixOperand, bStart: number,
  m: number, k: number, n: number,
): void {
  const { data: ad, rowStride: ars, colStride: acs } = a;
  const { data: bd, rowStride: brs, colStride: bcs } = b;
  let o = outStart;
  for (let i = 0; i < m; i++) {
    const aRow = aStart + i * ars;
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let pa = aRow;
      let pb = bStart + j * bcs;
      for (let p = 0; p < k; p++, pa += acs, pb += brs) sum += ad[pa]! * bd[pb]!;
      out[o++] = sum;
    }
  }
}

/**
 * The direct loop in int32 (both operands int32): each product by Math.imul and each sum by `| 0`,
 * so that the result wraps as PyTorch's int32 matmul does (float64 sums would round past 2^53).
 */
function integerMultiply(
  out: Int32Array, outStart: number,
  a: MatrixOperand, aStart: number, b: MatrixOperand, bStart: number,
  m: number, k: number, n: number,
): void {
  const { data: ad, rowStride: ars, colStride: acs } = a;
  const { data: bd, rowStride: brs, colStride: bcs } = b;
  let o = outStart;
  for (let i = 0; i < m; i++) {
    const aRow = aStart + i * ars;
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let pa = aRow;
      let pb = bStart + j * bcs;
      for (let p = 0; p < k; p++, pa += acs, pb += brs) sum = (sum + Math.imul(ad[pa]!, bd[pb]!)) | 0;
      out[o++] = sum;
    }
  }
}

/** One m x k by k x n product by the BLIS loop nest, written to out[outStart .. outStart + m * n). */
function blockedMultiply(
  out: Storage, outStart: number,
  a: MatrixOperand, aStart: number, b: MatrixOperand, bStart: number,
  m: number, k: number, n: number,
): void {
  // Partial sums over k blocks must stay in float64: accumulate straight into a float64 `out`,
  // otherwise into scratch for one column block (m x nc, row stride nc), rounded into `out` when the
  // block is done. Scratch for one block rather than all of `out` bounds it at m * NC values.
  let c: Float64Array;
  if (out instanceof Float64Array) {
    c = out;
    c.fill(0, outStart, outStart + m * n);
  } else {
    if (accumulator.length < m * Math.min(n, NC)) accumulator = new Float64Array(m * Math.min(n, NC));
    c = accumulator;
  }
  if (packed.length === 0) packed = new Float64Array(B_START + KC * NC);

  // Loop order, outer to inner: n block, k block (pack B), m block (pack A), NR-column strip, MR-row
  // strip. Packed B is reused by every m block; within an m block one KC x NR strip of B stays in L1
  // while the micro-kernel walks all of packed A's row strips (in L2) past it.
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    const cStart = c === out ? outStart + jc : 0;
    const ldc = c === out ? n : nc;
    if (c !== out) c.fill(0, 0, m * nc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(b, bStart + pc * b.rowStride + jc * b.colStride, kc, nc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(a, aStart + ic * a.rowStride + pc * a.colStride, mc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = Math.min(MR, mc - ir);
            const at = cStart + (ic + ir) * ldc + jr;
            microKernel(kc, packed, ir * kc, B_START + jr * kc, c, at, ldc, rows, cols);
          }
        }
      }
    }
    if (c !== out) {
      for (let i = 0; i < m; i++) {
        const row = outStart + i * n + jc;
        for (let j = 0; j < nc; j++) out[row + j] = c[i * nc + j]!;
      }
    }
  }
}

/**
 * Copies the mc x kc block of A at `start` into `packed` as strips of MR rows, each strip stored
 * column by column (kc groups of MR values), which is the order the micro-kernel reads it in.
 * A last, short strip is padded with zeros, so that the micro-kernel always computes a full tile
 * (with no tests in its loop) and simply drops the padded sums; zeros rather than stale values keep
 * denormals and NaNs, which are slow or merely odd, out of those sums.
 */
function packA(a: MatrixOperand, start: number, mc: number, kc: number): void {
  const { data, rowStride, colStride } = a;
  let d = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    const strip = start + ir * rowStride;
    for (let p = 0; p < kc; p++, d += MR) {
      const src = strip + p * colStride;
      for (let r = 0; r < rows; r++) packed[d + r] = data[src + r * rowStride]!;
      for (let r = rows; r < MR; r++) packed[d + r] = 0;
    }
  }
}

/** Like packA for the kc x nc block of B at `start`: strips of NR columns, stored row by row, zero-padded. */
function packB(b: MatrixOperand, start: number, kc: number, nc: number): void {
  const { data, rowStride, colStride } = b;
  let d = B_START;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    const strip = start + jr * colStride;
    for (let p = 0; p < kc; p++, d += NR) {
      const src = strip + p * rowStride;
      for (let j = 0; j < cols; j++) packed[d + j] = data[src + j * colStride]!;
      for (let j = cols; j < NR; j++) packed[d + j] = 0;
    }
  }
}

/**
 * Adds the product of a packed MR-row strip of A (at `aAt`) and a packed NR-column strip of B (at
 * `bAt`), both kc deep, into the tile of `c` whose top-left is `at` (row stride `ldc`). Only the
 * `rows` x `cols` corner is stored; the rest came from zero padding. Each step of p loads 3 + 4
 * values for 12 multiply-adds, where a plain loop loads 2 per multiply-add.
 */
function microKernel(
  kc: number, pk: Float64Array, aAt: number, bAt: number,
  c: Float64Array, at: number, ldc: number, rows: number, cols: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  for (let p = 0; p < kc; p++, aAt += MR, bAt += NR) {
    const a0 = pk[aAt]!, a1 = pk[aAt + 1]!, a2 = pk[aAt + 2]!;
    const b0 = pk[bAt]!, b1 = pk[bAt + 1]!, b2 = pk[bAt + 2]!, b3 = pk[bAt + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
  }
  if (rows === MR && cols === NR) {
    const r1 = at + ldc, r2 = r1 + ldc;
    c[at] = c[at]! + c00; c[at + 1] = c[at + 1]! + c01; c[at + 2] = c[at + 2]! + c02; c[at + 3] = c[at + 3]! + c03;
    c[r1] = c[r1]! + c10; c[r1 + 1] = c[r1 + 1]! + c11; c[r1 + 2] = c[r1 + 2]! + c12; c[r1 + 3] = c[r1 + 3]! + c13;
    c[r2] = c[r2]! + c20; c[r2 + 1] = c[r2 + 1]! + c21; c[r2 + 2] = c[r2 + 2]! + c22; c[r2 + 3] = c[r2 + 3]! + c23;
    return;
  }
  // Edge tile (the last rows or columns of the matrix): store only the part inside it.
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) c[at + r * ldc + j] = c[at + r * ldc + j]! + t[r * NR + j]!;
  }
}
