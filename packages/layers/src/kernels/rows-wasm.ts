/**
 * LayerNorm's and attention's row kernels on WebAssembly SIMD: the module of ./rows-wasm-module.ts on
 * a memory of its own. Each call copies its operands in (one `TypedArray.set` each), runs in place
 * and copies the result out. The JavaScript loops of ./layer-norm.ts take about 1 ns an element a
 * pass, those of ./attention-softmax.ts about 12 ns an exponential (Math.exp); here a pass is a few
 * vector operations per four floats.
 */
import { copyOutOffset, instantiateOwnMemory, type KernelInstance } from '@nn/autograd/wasm';
import type { Storage } from './cross-entropy.js';
import {
  rowsModule, type LayerNormFunction, type LayerNormGradientFunction, type SoftmaxFunction, type SoftmaxGradientFunction,
} from './rows-wasm-module.js';

const VECTOR = 16;

interface RowFunctions {
  readonly layerNorm: { readonly f32: LayerNormFunction; readonly f64: LayerNormFunction };
  readonly layerNormGradient: { readonly f32: LayerNormGradientFunction; readonly f64: LayerNormGradientFunction };
  readonly softmax: SoftmaxFunction;
  readonly softmaxGradient: SoftmaxGradientFunction;
}

const rowFunctions = (exports: Record<string, unknown>): RowFunctions => ({
  layerNorm: { f32: exports.layer_norm_f32 as LayerNormFunction, f64: exports.layer_norm_f64 as LayerNormFunction },
  layerNormGradient: { f32: exports.layer_norm_grad_f32 as LayerNormGradientFunction, f64: exports.layer_norm_grad_f64 as LayerNormGradientFunction },
  softmax: exports.softmax_f32 as SoftmaxFunction,
  softmaxGradient: exports.softmax_grad_f32 as SoftmaxGradientFunction,
});

/** undefined: not tried yet; null: tried, and WebAssembly SIMD is not available. */
let instance: KernelInstance | null | undefined;

/**
 * The module's instance and the precision of `storages` when the kernels take them: all float32 or
 * all float64, rows of whole vectors, something to do. Else null.
 */
function kernelFor(storages: Storage[], rows: number, length: number): { kernel: KernelInstance; precision: 'f32' | 'f64' } | null {
  const precision = storages.every((s) => s instanceof Float32Array) ? 'f32' : storages.every((s) => s instanceof Float64Array) ? 'f64' : null;
  if (precision === null || rows * length === 0 || (length * storages[0]!.BYTES_PER_ELEMENT) % VECTOR !== 0) return null;
  if (instance === undefined) instance = instantiateOwnMemory(rowsModule());
  return instance === null ? null : { kernel: instance, precision };
}

/**
 * `layerNormRows` (./layer-norm.ts) on WebAssembly: false, having done nothing, for mixed or int32
 * storages, rows that are not whole vectors (4 float32 or 2 float64 values), nothing to do, or
 * where WebAssembly SIMD is missing.
 */
export function layerNormRowsWasm(out: Storage, x: Storage, rows: number, length: number, eps: number): boolean {
  const found = kernelFor([out, x], rows, length);
  if (found === null) return false;
  const { kernel, precision } = found;
  const size = rows * length;
  const at = copyOutOffset(0);
  const element = at / x.BYTES_PER_ELEMENT;
  const view = kernel.view(x, at + size * x.BYTES_PER_ELEMENT, 'LayerNorm');
  view.set(x.subarray(0, size), element);
  kernel.functions(rowFunctions).layerNorm[precision](at, rows, length, eps);
  out.set(view.subarray(element, element + size));
  return true;
}

/** `layerNormRowsGradient` (./layer-norm.ts) on WebAssembly; false as `layerNormRowsWasm`. */
export function layerNormRowsGradientWasm(out: Storage, g: Storage, x: Storage, rows: number, length: number, eps: number): boolean {
  const found = kernelFor([out, g, x], rows, length);
  if (found === null) return false;
  const { kernel, precision } = found;
  const size = rows * length;
  const bytes = x.BYTES_PER_ELEMENT;
  // Memory: [ x ][ g, overwritten by the gradient and copied out ].
  const gAt = copyOutOffset(size * bytes);
  const view = kernel.view(x, gAt + size * bytes, 'LayerNorm backward');
  view.set(x.subarray(0, size), 0);
  view.set(g.subarray(0, size), gAt / bytes);
  kernel.functions(rowFunctions).layerNormGradient[precision](0, gAt, rows, length, eps);
  out.set(view.subarray(gAt / bytes, gAt / bytes + size));
  return true;
}

/** The next multiple of a vector from `bytes`. */
const wholeVectors = (bytes: number): number => Math.ceil(bytes / VECTOR) * VECTOR;

/**
 * `maskedSoftmaxRows` (./attention-softmax.ts) on WebAssembly, in float32: false, having done
 * nothing, for other storages, rows that are not whole vectors (4 values), nothing to do, or where
 * WebAssembly SIMD is missing. A null mask adds nothing.
 */
export function maskedSoftmaxRowsWasm(out: Storage, x: Storage, mask: Storage | null, rows: number, length: number, maskRows: number): boolean {
  const found = kernelFor(mask === null ? [out, x] : [out, x, mask], rows, length);
  if (found === null || found.precision !== 'f32') return false;
  const { kernel } = found;
  const size = rows * length;
  const maskSize = (mask === null ? 1 : maskRows) * length;
  // Memory: [ x, overwritten by the result and copied out ][ the mask's rows (one row of zeros without) ].
  const at = copyOutOffset(0);
  const maskAt = wholeVectors(at + size * 4);
  const view = kernel.view(x, maskAt + maskSize * 4, 'attention softmax');
  view.set(x.subarray(0, size), at / 4);
  if (mask === null) view.fill(0, maskAt / 4, maskAt / 4 + maskSize);
  else view.set(mask.subarray(0, maskSize), maskAt / 4);
  kernel.functions(rowFunctions).softmax(at, maskAt, rows, length, mask === null ? 1 : maskRows);
  out.set(view.subarray(at / 4, at / 4 + size));
  return true;
}

/** `softmaxRowsGradient` (./attention-softmax.ts) on WebAssembly, in float32; false as `maskedSoftmaxRowsWasm`. */
export function softmaxRowsGradientWasm(out: Storage, g: Storage, y: Storage, rows: number, length: number): boolean {
  const found = kernelFor([out, g, y], rows, length);
  if (found === null || found.precision !== 'f32') return false;
  const { kernel } = found;
  const size = rows * length;
  // Memory: [ y ][ g, overwritten by the gradient and copied out ].
  const gAt = copyOutOffset(size * 4);
  const view = kernel.view(y, gAt + size * 4, 'attention softmax backward');
  view.set(y.subarray(0, size), 0);
  view.set(g.subarray(0, size), gAt / 4);
  kernel.functions(rowFunctions).softmaxGradient(0, gAt, rows, length);
  out.set(view.subarray(gAt / 4, gAt / 4 + size));
  return true;
}
