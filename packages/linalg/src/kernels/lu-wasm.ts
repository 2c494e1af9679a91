/**
 * The blocked LU with its panels factored, and its products subtracted, on WebAssembly SIMD (the
 * module of ./lu-wasm-module.ts, on a memory of its own). The matrix is copied into that memory
 * once and the recursion of `luBlockedInPlace` runs there (its products read the blocks where they
 * lie, through `gemm`, and are written beside the matrix); `luBlockedOnWasm` copies the factors
 * back, `luFactorOnWasm` leaves them there for a caller that only reads them. These were
 * most of the JavaScript time of a factorization: a scalar axpy over a Float64Array ran at about
 * 1.6 ns a multiply-add here, where the products run at 0.1, so the 16-column panels of a 256 matrix
 * (a twentieth of the multiply-adds) took a quarter of its time and subtracting the products a
 * tenth. Same bits as the JavaScript kernels (tested).
 */
import { instantiateOwnMemory, type KernelInstance } from '@nn/autograd/wasm';
import type { BlockProducts, Gemm } from './blocks.js';
import { LU_LEAF, luBlockedWith, type LuInfo, type LuKernels } from './lu.js';
import { luPanelModule, panelColumnStride } from './lu-wasm-module.js';

type Panel = (a: number, ld: number, rows: number, width: number, left: number, rowBytes: number, scratch: number, columnBytes: number, pivots: number) => void;
type Subtract = (c: number, ld: number, p: number, rows: number, cols: number) => void;
interface Functions {
  readonly panel: Panel;
  readonly subtract: Subtract;
}
const findFunctions = (exports: Record<string, unknown>): Functions => ({ panel: exports.panel as Panel, subtract: exports.subtract as Subtract });

/** undefined: not tried yet; null: tried, and WebAssembly SIMD is not available. */
let instance: KernelInstance | null | undefined;

/** The module's instance, or null where WebAssembly SIMD is missing. */
function luInstance(): KernelInstance | null {
  if (instance === undefined) instance = instantiateOwnMemory(luPanelModule());
  return instance;
}

const roundUp = (x: number, multiple: number): number => Math.ceil(x / multiple) * multiple;

/**
 * `luBlockedInPlace(a, n, perm, gemm, offset)` with the panels and the subtractions on WebAssembly:
 * the same factors, bit for bit. Returns null, having done nothing, where WebAssembly SIMD is missing.
 */
export function luBlockedOnWasm(a: Float64Array, n: number, perm: Int32Array, gemm: Gemm, offset = 0): LuInfo | null {
  const factored = luFactorOnWasm(a, offset, n, perm, gemm);
  if (factored === null) return null;
  a.set(factored.factors, offset);
  return factored.info;
}

/**
 * The factors of the n x n matrix at `offset` of `source` (float32 values are converted exactly),
 * as `luBlockedOnWasm` computes them, left in the module's memory: `factors` is a view of it, valid
 * until the next call here (which reuses the memory), so that a caller that only reads them (a
 * solve) copies the matrix once in all. Null where WebAssembly SIMD is missing.
 */
export function luFactorOnWasm(
  source: Float32Array | Float64Array, offset: number, n: number, perm: Int32Array, gemm: Gemm,
): { factors: Float64Array; info: LuInfo } | null {
  const module = luInstance();
  if (module === null) return null;
  // [ the matrix: n x n ][ a product: up to n x n ][ a panel, column by column: LU_LEAF columns ][ its pivots: LU_LEAF i32 ]
  const productAt = roundUp(n * n * 8, 64);
  const scratchAt = productAt + roundUp(n * n * 8, 64);
  const pivotsAt = scratchAt + panelColumnStride(n) * LU_LEAF * 8;
  module.reserve(pivotsAt + LU_LEAF * 4, 'linalg.lu');
  // Nothing below enlarges the memory, so these views and functions stay valid to the end.
  const memory = module.f64;
  const pivots = new Int32Array(memory.buffer, pivotsAt, LU_LEAF);
  const { panel, subtract } = module.functions(findFunctions);
  memory.set(source.subarray(offset, offset + n * n), 0);
  const kernels: LuKernels = {
    products: memoryProducts(memory, gemm, productAt, n * n, subtract),
    panel: (m, off, size, permutation, c0, c1, info) => {
      if (m !== memory || off !== 0) throw new Error('luBlockedOnWasm: a panel outside the module memory');
      panel((c0 * size + c0) * 8, size * 8, size - c0, c1 - c0, c0 * 8, size * 8, scratchAt, panelColumnStride(size - c0) * 8, pivotsAt);
      for (let k = c0; k < c1; k++) {
        const p = c0 + pivots[k - c0]!;
        if (p !== k) {
          const t = permutation[k]!; permutation[k] = permutation[p]!; permutation[p] = t;
          info.permutationSign = -info.permutationSign;
        }
        if (info.zeroPivot === 0 && m[k * size + k] === 0) info.zeroPivot = k + 1;
      }
    },
  };
  const info = luBlockedWith(memory, n, perm, kernels, 0);
  return { factors: memory.subarray(0, n * n), info };
}

/** Products written at byte `productAt` of `memory` (room for `capacity` values) and subtracted there from blocks of `memory`. */
function memoryProducts(memory: Float64Array, gemm: Gemm, productAt: number, capacity: number, subtract: Subtract): BlockProducts {
  const product = memory.subarray(productAt / 8, productAt / 8 + capacity);
  return {
    gemm,
    productArray: (size) => {
      if (size > capacity) throw new Error(`luBlockedOnWasm: a product of ${size} values, room for ${capacity}`);
      return product;
    },
    subtract: (c, offset, ld, p, rows, cols, lower) => {
      if (c !== memory || p !== product) throw new Error('luBlockedOnWasm: a subtraction outside the module memory');
      if (lower) throw new Error('luBlockedOnWasm: the module subtracts whole blocks only');
      subtract(offset * 8, ld * 8, productAt, rows, cols);
    },
  };
}
