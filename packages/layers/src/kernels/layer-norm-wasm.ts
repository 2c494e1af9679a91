/**
 * LayerNorm's row kernels on WebAssembly SIMD: the module of ./layer-norm-wasm-module.ts on a memory
 * of its own. The JavaScript loops of ./layer-norm.ts take about 1 ns an element a pass; here a
 * pass is a few vector operations per four floats.
 */
import { copyOutOffset } from '@nn/autograd/wasm';
import type { Storage } from './cross-entropy.js';
import { layerNormModule, type LayerNormFunction, type LayerNormGradientFunction } from './layer-norm-wasm-module.js';
import { RowKernels, runInPlaceOfSecond } from './rows-wasm-common.js';

interface LayerNormFunctions {
  readonly layerNorm: { readonly f32: LayerNormFunction; readonly f64: LayerNormFunction };
  readonly layerNormGradient: { readonly f32: LayerNormGradientFunction; readonly f64: LayerNormGradientFunction };
}

const rowFunctions = (exports: Record<string, unknown>): LayerNormFunctions => ({
  layerNorm: { f32: exports.layer_norm_f32 as LayerNormFunction, f64: exports.layer_norm_f64 as LayerNormFunction },
  layerNormGradient: { f32: exports.layer_norm_grad_f32 as LayerNormGradientFunction, f64: exports.layer_norm_grad_f64 as LayerNormGradientFunction },
});

const kernels = new RowKernels(layerNormModule);

/**
 * `layerNormRows` (./layer-norm.ts) on WebAssembly: false, having done nothing, for mixed or int32
 * storages, rows that are not whole vectors (4 float32 or 2 float64 values), nothing to do, or
 * where WebAssembly SIMD is missing.
 */
export function layerNormRowsWasm(out: Storage, x: Storage, rows: number, length: number, eps: number): boolean {
  const found = kernels.for([out, x], rows, length);
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
  const found = kernels.for([out, g, x], rows, length);
  if (found === null) return false;
  const { kernel, precision } = found;
  runInPlaceOfSecond(kernel, out, x, g, rows * length, 'LayerNorm backward', (xAt, gAt) => {
    kernel.functions(rowFunctions).layerNormGradient[precision](xAt, gAt, rows, length, eps);
  });
  return true;
}
