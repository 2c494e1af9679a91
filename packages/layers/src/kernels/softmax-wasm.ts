/**
 * The softmax row kernels on WebAssembly SIMD, for attention's weights and the cross-entropy of
 * logits: the module of ./softmax-wasm-module.ts on a memory of its own. The JavaScript loops of
 * ./attention-softmax.ts take about 12 ns an exponential (Math.exp); here four take a few vector
 * operations.
 */
import { copyOutOffset } from '@nn/autograd/wasm';
import type { Storage } from './cross-entropy.js';
import { softmaxModule, type SoftmaxFunction, type SoftmaxGradientFunction } from './softmax-wasm-module.js';
import { RowKernels, runInPlaceOfSecond, wholeVectors } from './rows-wasm-common.js';

interface SoftmaxFunctions {
  readonly softmax: SoftmaxFunction;
  readonly softmaxGradient: SoftmaxGradientFunction;
}

const rowFunctions = (exports: Record<string, unknown>): SoftmaxFunctions => ({
  softmax: exports.softmax_f32 as SoftmaxFunction,
  softmaxGradient: exports.softmax_grad_f32 as SoftmaxGradientFunction,
});

const kernels = new RowKernels(softmaxModule);

/**
 * `maskedSoftmaxRows` (./attention-softmax.ts) on WebAssembly, in float32, and with `stats` each row's
 * shift and sum of exponentials (two float64 a row, as the kernel writes them). Without a mask, rows
 * of any length: a row that is not whole vectors is padded with -Infinity, which adds nothing. False,
 * having done nothing, for other storages, masked rows that are not whole vectors (4 values),
 * nothing to do, or where WebAssembly SIMD is missing.
 */
export function maskedSoftmaxRowsWasm(
  out: Storage, x: Storage, mask: Storage | null, rows: number, length: number, maskRows: number, stats: Float64Array | null = null,
): boolean {
  const padded = Math.ceil(length / 4) * 4;
  if (padded !== length && mask !== null) return false;
  const found = kernels.for(mask === null ? [out, x] : [out, x, mask], rows, padded);
  if (found === null || found.precision !== 'f32') return false;
  const { kernel } = found;
  const size = rows * padded;
  const maskSize = (mask === null ? 1 : maskRows) * padded;
  // Memory: [ x's rows, overwritten by the result and copied out ][ the mask's rows (one row of
  // zeros without) ][ the stats ].
  const at = copyOutOffset(0);
  const maskAt = wholeVectors(at + size * 4);
  const statsAt = wholeVectors(maskAt + maskSize * 4);
  const view = kernel.view(x, statsAt + rows * 16, 'softmax');
  const first = at / 4;
  if (padded === length) view.set(x.subarray(0, size), first);
  else {
    for (let r = 0; r < rows; r++) {
      view.set(x.subarray(r * length, (r + 1) * length), first + r * padded);
      view.fill(-Infinity, first + r * padded + length, first + (r + 1) * padded);
    }
  }
  if (mask === null) view.fill(0, maskAt / 4, maskAt / 4 + maskSize);
  else view.set(mask.subarray(0, maskSize), maskAt / 4);
  kernel.functions(rowFunctions).softmax(at, maskAt, rows, padded, mask === null ? 1 : maskRows, statsAt);
  if (padded === length) out.set(view.subarray(first, first + size));
  else for (let r = 0; r < rows; r++) out.set(view.subarray(first + r * padded, first + r * padded + length), r * length);
  if (stats !== null) stats.set(kernel.f64.subarray(statsAt / 8, statsAt / 8 + 2 * rows));
  return true;
}

/** `softmaxRowsGradient` (./attention-softmax.ts) on WebAssembly, in float32; false as `maskedSoftmaxRowsWasm`. */
export function softmaxRowsGradientWasm(out: Storage, g: Storage, y: Storage, rows: number, length: number): boolean {
  const found = kernels.for([out, g, y], rows, length);
  if (found === null || found.precision !== 'f32') return false;
  const { kernel } = found;
  runInPlaceOfSecond(kernel, out, y, g, rows * length, 'attention softmax backward', (yAt, gAt) => {
    kernel.functions(rowFunctions).softmaxGradient(yAt, gAt, rows, length);
  });
  return true;
}
