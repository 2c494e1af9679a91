/**
 * The convolution and pooling kernels that are not matrix products, on WebAssembly SIMD: the module
 * of ./spatial-module.ts on a memory of its own. Each copies its operands in (native copies), runs,
 * and copies its result out (but im2col, whose result is read in place).
 *
 * - `im2colWasm`, the lowering of a convolution to a matrix product (../conv.ts) for a column stride
 *   and dilation of 1, left in this module's memory for the product to read: element stores in
 *   JavaScript cost about 0.7 ns each there, vector copies a fraction of that.
 * - `col2imAddWasm`, its adjoint of im2col (../conv.ts) for a column stride and dilation of 1. The
 *   JavaScript loop adds a value at a time (about 2 ns each on LeNet's second convolution, whose rows
 *   are 8 long); here such a row is two vector adds.
 * - `maxPoolValuesWasm` and `maxPoolGradientWasm`, a 2 x 2, stride 2 max pool in float32 and its
 *   gradient (../pool.ts's kernels). In JavaScript finding a window's maximum costs about 20 ns,
 *   most of it in materializing the comparisons; four windows a vector without a branch take a
 *   fraction of that, and the gradient is written whole, with no scattered adds.
 */
import type { Storage } from '../../dtype.js';
import type { ConvGeometry } from '../conv.js';
import type { MaxWindows } from '../pool.js';
import { spatialModuleBytes, type LoweringFunction, type MaxPoolFunction, type MaxPoolGradientFunction } from './spatial-module.js';
import { copyOutOffset, instantiateOwnMemory, type KernelInstance } from './runtime.js';

const VECTOR = 16;

type FloatStorage = Float32Array | Float64Array;

interface LoweringFunctions {
  readonly im2col: { readonly f32: LoweringFunction; readonly f64: LoweringFunction };
  readonly col2im: { readonly f32: LoweringFunction; readonly f64: LoweringFunction };
}

interface PoolingFunctions {
  readonly maxPool: { readonly f32: MaxPoolFunction; readonly f64: MaxPoolFunction };
  readonly maxPoolGradient: { readonly f32: MaxPoolGradientFunction; readonly f64: MaxPoolGradientFunction };
}

const loweringFunctionsOf = (exports: Record<string, unknown>): LoweringFunctions => ({
  im2col: { f32: exports.im2col_f32 as LoweringFunction, f64: exports.im2col_f64 as LoweringFunction },
  col2im: { f32: exports.col2im_add_f32 as LoweringFunction, f64: exports.col2im_add_f64 as LoweringFunction },
});

const poolingFunctionsOf = (exports: Record<string, unknown>): PoolingFunctions => ({
  maxPool: { f32: exports.max_pool_2x2_f32 as MaxPoolFunction, f64: exports.max_pool_2x2_f64 as MaxPoolFunction },
  maxPoolGradient: { f32: exports.max_pool_2x2_grad_f32 as MaxPoolGradientFunction, f64: exports.max_pool_2x2_grad_f64 as MaxPoolGradientFunction },
});

/** Per module, undefined: not tried yet; null: tried, and WebAssembly SIMD is not available. */
const instances: { lowering?: KernelInstance | null; pooling?: KernelInstance | null } = {};

/** A module and its memory, compiled on first use (synchronously: each module is under 4 KiB). */
function spatialInstance(part: 'lowering' | 'pooling'): KernelInstance | null {
  if (instances[part] === undefined) instances[part] = instantiateOwnMemory(spatialModuleBytes(part));
  return instances[part];
}

/** True when the convolution's rows of im2col meet contiguous stretches of x's rows. */
const unitColumnSteps = (g: ConvGeometry): boolean => g.strideW === 1 && g.dilationW === 1;

/**
 * The im2col matrix of x's `channels` planes from `base` on (../conv.ts's layout: channels kH kW rows
 * of outH outW), built in this module's memory in the precision of `like`, for a column stride and
 * dilation of 1: the memory's view and where the matrix starts in it, valid until the next call into
 * this module. Null (having done nothing) for other convolutions, an x of another precision, an empty
 * matrix, or where WebAssembly SIMD is missing.
 */
export function im2colWasm(like: FloatStorage, x: Storage, base: number, channels: number, g: ConvGeometry): { data: FloatStorage; offset: number } | null {
  const colsLength = channels * g.kH * g.kW * g.outH * g.outW;
  if (!unitColumnSteps(g) || x.constructor !== like.constructor || colsLength === 0 || g.inH * g.inW === 0) return null;
  const rt = spatialInstance('lowering');
  if (rt === null) return null;
  const bytes = like.BYTES_PER_ELEMENT;
  const xLength = channels * g.inH * g.inW;
  // Memory: [ x's planes, a spare vector (the copy's last vector may read it) ][ cols, a spare vector ]
  const colsAt = Math.ceil((xLength * bytes) / VECTOR) * VECTOR + VECTOR;
  const view = rt.view(like, colsAt + colsLength * bytes + VECTOR, 'im2col') as FloatStorage;
  view.set(x.subarray(base, base + xLength), 0);
  const run = rt.functions(loweringFunctionsOf).im2col[like instanceof Float64Array ? 'f64' : 'f32'];
  run(0, colsAt, channels, g.inH, g.inW, g.outH, g.outW, g.kH, g.kW, g.padH, g.padW, g.strideH, g.dilationH);
  return { data: view, offset: colsAt / bytes };
}

/**
 * Adds each value of `cols` (channels kH kW rows of outH outW, from element 0) into the position of x
 * (channels planes from `base` on) that im2col read it from, as ../conv.ts's JavaScript loop does and
 * with the same sums. Returns false (having done nothing) for a column stride or dilation other than
 * 1, mixed precisions, nothing to add, or where WebAssembly SIMD is missing.
 */
export function col2imAddWasm(x: FloatStorage, base: number, cols: FloatStorage, channels: number, g: ConvGeometry): boolean {
  const colsLength = channels * g.kH * g.kW * g.outH * g.outW;
  if (!unitColumnSteps(g) || x.constructor !== cols.constructor || colsLength === 0 || g.inH * g.inW === 0) return false;
  const rt = spatialInstance('lowering');
  if (rt === null) return false;
  const bytes = x.BYTES_PER_ELEMENT;
  const xLength = channels * g.inH * g.inW;
  // Memory: [ cols ][ x's planes ], the planes copied in, added into and copied back.
  const xAt = copyOutOffset(Math.ceil((colsLength * bytes) / VECTOR) * VECTOR);
  const view = rt.view(x, xAt + xLength * bytes, 'col2imAdd');
  view.set(cols.subarray(0, colsLength), 0);
  view.set(x.subarray(base, base + xLength), xAt / bytes);
  const run = rt.functions(loweringFunctionsOf).col2im[x instanceof Float64Array ? 'f64' : 'f32'];
  run(xAt, 0, channels, g.inH, g.inW, g.outH, g.outW, g.kH, g.kW, g.padH, g.padW, g.strideH, g.dilationH);
  x.set(view.subarray(xAt / bytes, xAt / bytes + xLength), base);
  return true;
}

/** True when window o of the axis reads positions 2o and 2o + 1: a kernel of 2, stride 2, no padding, dilation 1. */
function isStrideTwoPairs(w: MaxWindows): boolean {
  if (w.counts.length === 0 || w.dilation !== 1) return false;
  for (let o = 0; o < w.counts.length; o++) if (w.counts[o] !== 2 || w.firsts[o] !== 2 * o) return false;
  return true;
}

/** The planes' layout in memory: [ the planes, two spare vectors (read by a last partial step) ], then what follows from `after`. */
function copyPlanesIn(rt: KernelInstance, xs: FloatStorage, offset: number, length: number, bytesAfter: number, op: string): { view: FloatStorage; after: number } {
  const bytes = xs.BYTES_PER_ELEMENT;
  const after = copyOutOffset(Math.ceil((length * bytes) / VECTOR) * VECTOR + 2 * VECTOR);
  const view = rt.view(xs, after + bytesAfter, op) as FloatStorage;
  view.set(xs.subarray(offset, offset + length), 0);
  return { view, after };
}

/** The precision of float storages that all share one: 'f32', 'f64', or null when they differ or are not float. */
function sharedPrecision(...storages: Storage[]): 'f32' | 'f64' | null {
  if (storages.every((s) => s instanceof Float32Array)) return 'f32';
  if (storages.every((s) => s instanceof Float64Array)) return 'f64';
  return null;
}

/**
 * The maximum of each 2 x 2 window at stride 2 of float planes (`xs` from `offset` on) into `out`
 * (planes x outRows x outCols, the same precision): the value at ../pool.ts's maxPoolIndicesKernel
 * position, bit for bit. Returns false (having done nothing) for other windows, mixed precisions,
 * or where WebAssembly SIMD is missing.
 */
export function maxPoolValuesWasm(out: Storage, xs: Storage, offset: number, planes: number, rows: MaxWindows, cols: MaxWindows): boolean {
  const precision = sharedPrecision(out, xs);
  if (precision === null || planes === 0 || !isStrideTwoPairs(rows) || !isStrideTwoPairs(cols)) return false;
  const rt = spatialInstance('pooling');
  if (rt === null) return false;
  const bytes = xs.BYTES_PER_ELEMENT;
  const width = cols.inputSize;
  const planeSize = rows.inputSize * width;
  // Then [ out, one spare vector ].
  const { view, after } = copyPlanesIn(rt, xs as FloatStorage, offset, planes * planeSize, out.length * bytes + VECTOR, 'maxPool2d');
  rt.functions(poolingFunctionsOf).maxPool[precision](0, after, planes, rows.counts.length, cols.counts.length, width, planeSize * bytes);
  out.set(view.subarray(after / bytes, after / bytes + out.length));
  return true;
}

/**
 * The gradient of `maxPoolValuesWasm`: `out` (the planes' shape, zero-filled) gets each window's
 * gradient (`grad` from `gradOffset` on, planes x outRows x outCols) at the position picked, as
 * ../pool.ts's maxPoolGradientKernel. For rows of windows that fill whole vectors (outCols a multiple
 * of 4 for float32, as LeNet's 12 and 4, and of 2 for float64); false (having done nothing)
 * otherwise, as maxPoolValuesWasm.
 */
export function maxPoolGradientWasm(out: Storage, grad: Storage, gradOffset: number, xs: Storage, offset: number, planes: number, rows: MaxWindows, cols: MaxWindows): boolean {
  const precision = sharedPrecision(out, grad, xs);
  if (precision === null || planes === 0 || !isStrideTwoPairs(rows) || !isStrideTwoPairs(cols)) return false;
  const bytes = xs.BYTES_PER_ELEMENT;
  if (cols.counts.length % (VECTOR / bytes) !== 0) return false;
  const rt = spatialInstance('pooling');
  if (rt === null) return false;
  const width = cols.inputSize;
  const planeSize = rows.inputSize * width;
  const length = planes * planeSize;
  const windows = planes * rows.counts.length * cols.counts.length;
  // Then [ grad ][ the gradient's planes ].
  const { view, after } = copyPlanesIn(rt, xs as FloatStorage, offset, length, (windows + length) * bytes, 'maxPool2d backward');
  const outAt = after + windows * bytes;
  view.set(grad.subarray(gradOffset, gradOffset + windows), after / bytes);
  // A last row or column that no window covers gets no store: it must be 0 already.
  if (rows.inputSize !== 2 * rows.counts.length || width !== 2 * cols.counts.length) view.fill(0, outAt / bytes, outAt / bytes + length);
  rt.functions(poolingFunctionsOf).maxPoolGradient[precision](0, outAt, planes, rows.counts.length, cols.counts.length, width, planeSize * bytes, after);
  out.set(view.subarray(outAt / bytes, outAt / bytes + length));
  return true;
}
