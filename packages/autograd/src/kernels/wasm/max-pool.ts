/**
 * The 2 x 2, stride 2 max pool (LeNet's) on WebAssembly SIMD: the positions of the window maxima, by
 * `max_pool_2x2_f32` of the element-wise module (./elementwise-module.ts), on that module's memory.
 * In JavaScript the same kernel costs about 20 ns a window, most of it in materializing the
 * comparisons; four windows a vector without a branch take a fraction of that, copies included.
 */
import type { Storage } from '../../dtype.js';
import type { MaxWindows } from '../pool.js';
import type { MaxPoolFunction } from './elementwise-module.js';
import { elementwiseInstance } from './elementwise.js';
import { copyOutOffset } from './runtime.js';

const VECTOR = 16;

const findMaxPool = (exports: Record<string, unknown>): MaxPoolFunction => exports.max_pool_2x2_f32 as MaxPoolFunction;

/** True when window o of the axis reads positions 2o and 2o + 1: a kernel of 2, stride 2, no padding, dilation 1. */
function isStrideTwoPairs(w: MaxWindows): boolean {
  if (w.counts.length === 0 || w.dilation !== 1) return false;
  for (let o = 0; o < w.counts.length; o++) if (w.counts[o] !== 2 || w.firsts[o] !== 2 * o) return false;
  return true;
}

/**
 * maxPoolIndicesKernel (../pool.ts) on WebAssembly, with the same result, for float32 planes whose
 * windows are 2 x 2 at stride 2. Returns false (having done nothing) for other windows or dtypes, or
 * where WebAssembly SIMD is missing.
 */
export function maxPoolTwoByTwoWasm(out: Int32Array, xs: Storage, offset: number, planes: number, rows: MaxWindows, cols: MaxWindows): boolean {
  if (!(xs instanceof Float32Array) || planes === 0 || !isStrideTwoPairs(rows) || !isStrideTwoPairs(cols)) return false;
  const rt = elementwiseInstance();
  if (rt === null) return false;
  const width = cols.inputSize;
  const planeSize = rows.inputSize * width;
  const inputLength = planes * planeSize;
  // Memory: [ the planes, two spare vectors (read by a last partial step) ][ out, one spare vector ]
  const outAt = copyOutOffset(Math.ceil((inputLength * 4) / VECTOR) * VECTOR + 2 * VECTOR);
  const view = rt.view(xs, outAt + out.length * 4 + VECTOR, 'maxPool2d');
  view.set(xs.subarray(offset, offset + inputLength), 0);
  rt.functions(findMaxPool)(0, outAt, planes, rows.counts.length, cols.counts.length, width, planeSize * 4);
  out.set(new Int32Array(view.buffer, outAt, out.length));
  return true;
}
