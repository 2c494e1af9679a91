/**
 * Element-wise ops and sums on WebAssembly SIMD, for large operands: the module of
 * ./elementwise-module.ts on a memory of its own.
 *
 * Operands are copied in (one native `TypedArray.set` each, converting dtype where the output's
 * differs) and the result copied out. That pays because V8's loops over typed arrays are slow: on the
 * benchmark machine a multiply-add ran at 4 ns an element in JavaScript, against about 0.3 ns for each
 * copy and a fraction of that for the SIMD op. Small operands stay in JavaScript, where the fixed
 * cost of a call (about a microsecond) would dominate.
 *
 * Handled layouts: `a` (or the unary op's input) contiguous with the output's shape; `b` the same, or
 * one value (a scalar, or a tensor broadcast from one element), or a pattern repeated over the
 * leading axes: a row (a bias added to a batch), a matrix (an attention mask added to every head),
 * one value per row repeated along the trailing axes (x - mean(x, -1, true), as in a layer norm), or
 * one value per channel (a convolution's bias on [N, C, H, W]); for `where`, a contiguous condition
 * with contiguous or one-value branches; for a sum, a contiguous input reduced over consecutive axes,
 * or over the axes around consecutive kept ones (a bias's gradient, [N, C, H, W] summed to [C]).
 * Others return false, and the caller runs its JavaScript loop.
 */
import type { Storage } from '../../dtype.js';
import type { BinaryCode, View } from '../elementwise.js';
import { isContiguous, sizeOf } from '../../shape.js';
import {
  elementwiseModuleBytes, SIMD_BINARY, SIMD_UNARY, type BinaryFunction, type SelectFunction, type SimdUnary, type SumFunction, type UnaryFunction,
} from './elementwise-module.js';
import { copyOutOffset, instantiateOwnMemory, type KernelInstance } from './runtime.js';

const VECTOR = 16;

/** The module's functions, found by name in one instance's exports. */
interface Functions {
  readonly binary: ReadonlyMap<string, BinaryFunction>;
  readonly unary: ReadonlyMap<string, UnaryFunction>;
  readonly sum: { readonly f32: SumFunction; readonly f64: SumFunction };
  readonly sumOfEnds: { readonly f32: SumFunction; readonly f64: SumFunction };
  readonly select: { readonly f32: SelectFunction; readonly f64: SelectFunction };
}

function functionsOf(exports: Record<string, unknown>): Functions {
  const table = <F>(names: readonly string[]): Map<string, F> =>
    new Map(names.flatMap((op) => ['f32', 'f64'].map((p): [string, F] => [`${op}_${p}`, exports[`${op}_${p}`] as F])));
  return {
    binary: table(SIMD_BINARY), unary: table(SIMD_UNARY),
    sum: { f32: exports.sum_f32 as SumFunction, f64: exports.sum_f64 as SumFunction },
    sumOfEnds: { f32: exports.sum_ends_f32 as SumFunction, f64: exports.sum_ends_f64 as SumFunction },
    select: { f32: exports.select_f32 as SelectFunction, f64: exports.select_f64 as SelectFunction },
  };
}

/** undefined: not tried yet; null: tried, and WebAssembly SIMD is not available. */
let instance: KernelInstance | null | undefined;

/** The module and its memory, compiled on first use (synchronously: the module is under 4 KiB). */
function elementwiseInstance(): KernelInstance | null {
  if (instance === undefined) instance = instantiateOwnMemory(elementwiseModuleBytes());
  return instance;
}

/** The functions of the instance as it is now (enlarging its memory in `view` makes a new one). */
const current = (rt: KernelInstance): Functions => rt.functions(functionsOf);

const roundUp = (x: number, multiple: number): number => Math.ceil(x / multiple) * multiple;
const precisionOf = (out: Storage): 'f32' | 'f64' => (out instanceof Float64Array ? 'f64' : 'f32');

/** int32 runs in JavaScript: the module has float lanes only (its results would not wrap as int32's). */
const anyInt32 = (...arrays: Storage[]): boolean => arrays.some((array) => array instanceof Int32Array);

/**
 * out = a (op) b on WebAssembly, for `a` contiguous in the output's shape and `b` contiguous too,
 * one repeated value, or a pattern repeated over the leading axes (see `patternOf`). Returns false
 * (having done nothing) for other layouts or where WebAssembly SIMD is missing.
 */
export function binaryWasm(code: BinaryCode, out: Storage, a: View, aContiguous: boolean, b: View, bContiguous: boolean): boolean {
  const rt = elementwiseInstance();
  const n = out.length;
  // A float32 result of a float64 input is computed in float64 and rounded once in JavaScript;
  // converting the input first would round twice.
  const narrowing = out instanceof Float32Array && !(a.storage instanceof Float32Array && b.storage instanceof Float32Array);
  if (rt === null || n === 0 || narrowing || !aContiguous || anyInt32(out, a.storage, b.storage)) return false;
  const pattern = bContiguous ? { length: n, values: n, repeats: 1 } : patternOf(b);
  if (pattern === null) return false;
  const single = pattern.length === 1;
  const bytes = out.BYTES_PER_ELEMENT;
  const padded = roundUp(n * bytes, VECTOR);
  const patternBytes = roundUp(pattern.length * bytes, VECTOR);
  // Memory: [ a, padded ][ b: one period of its pattern, padded (one vector for one value) ][ out, padded ]
  const aAt = 0;
  const bAt = padded;
  const outAt = copyOutOffset(bAt + patternBytes);
  const view = rt.view(out, outAt + padded, 'binaryWasm');
  const lanes = VECTOR / bytes;
  view.set(a.storage.subarray(a.offset, a.offset + n), aAt / bytes);
  if (single) view.fill(b.storage[b.offset]!, bAt / bytes, bAt / bytes + lanes);
  else if (pattern.repeats === 1) view.set(b.storage.subarray(b.offset, b.offset + pattern.values), bAt / bytes);
  else {
    for (let r = 0, at = bAt / bytes; r < pattern.values; r++, at += pattern.repeats) view.fill(b.storage[b.offset + r]!, at, at + pattern.repeats);
  }
  const run = current(rt).binary.get(`${code}_${precisionOf(out)}`)!;
  const period = pattern.length;
  if (single || period === n) {
    run(aAt, bAt, outAt, outAt + padded, single ? 0 : VECTOR);
  } else if (period % lanes !== 0) {
    // Periods that do not fill whole vectors: one call per period, each stretch of a and out copied apart.
    for (let start = 0; start < n; start += period) {
      view.set(a.storage.subarray(a.offset + start, a.offset + start + period), aAt / bytes);
      run(aAt, bAt, outAt, outAt + patternBytes, VECTOR);
      out.set(view.subarray(outAt / bytes, outAt / bytes + period), start);
    }
    return true;
  } else {
    // Whole-vector periods: a and out are processed in place, one call per period.
    for (let start = 0; start < n * bytes; start += period * bytes) run(aAt + start, bAt, outAt + start, outAt + start + period * bytes, VECTOR);
  }
  out.set(view.subarray(outAt / bytes, outAt / bytes + n));
  return true;
}

/**
 * Columns shorter than this stay in JavaScript: b is spread out with one `fill` per value, whose
 * fixed cost a short run does not repay.
 */
const MIN_COLUMN_REPEATS = 16;

/**
 * b's layout as a pattern of `length` elements that repeats over the leading axes (stride 0 there),
 * made of `values` consecutive elements of its storage each repeated `repeats` times along the
 * trailing axes (stride 0 there too, contiguous in between), or null when b is not so. One value:
 * length 1. A row (a bias added to a batch) or a block (an attention mask added to every head):
 * repeats 1. A column (x - mean(x, -1), as in a layer norm) or a bias per channel of [N, C, H, W]:
 * repeats H W, spread out in the module's memory, and only when the repeats are long enough to pay.
 */
function patternOf(b: View): { length: number; values: number; repeats: number } | null {
  const { shape, strides } = b;
  let axis = shape.length - 1;
  const skipOnes = (): void => { while (axis >= 0 && shape[axis] === 1) axis--; };
  let repeats = 1;
  for (skipOnes(); axis >= 0 && strides[axis] === 0; axis--, skipOnes()) repeats *= shape[axis]!;
  let values = 1;
  for (skipOnes(); axis >= 0 && strides[axis] === values; axis--, skipOnes()) values *= shape[axis]!;
  for (; axis >= 0; axis--) if (shape[axis]! > 1 && strides[axis] !== 0) return null;
  if (values === 1) return { length: 1, values: 1, repeats: 1 };
  if (repeats > 1 && repeats < MIN_COLUMN_REPEATS) return null;
  return { length: values * repeats, values, repeats };
}

/**
 * out = cond != 0 ? a : b on WebAssembly, for a contiguous `cond` of the output's shape in the
 * output's precision (or one that converts to it exactly: float32 or int32 into float64, int32 into
 * float32, where a nonzero value stays nonzero), and `a` and `b` each contiguous or one value.
 * Returns false (having done nothing) for other layouts or where WebAssembly SIMD is missing.
 */
export function selectWasm(out: Storage, cond: View, a: View, b: View): boolean {
  const rt = elementwiseInstance();
  const n = out.length;
  // float64 into float32 could turn a tiny nonzero condition into 0.
  const condNarrows = out instanceof Float32Array && cond.storage instanceof Float64Array;
  if (rt === null || n === 0 || out instanceof Int32Array || condNarrows || !isContiguous(cond.shape, cond.strides)) return false;
  const layoutOf = (v: View): 'whole' | 'single' | null => (isContiguous(v.shape, v.strides) ? 'whole' : v.strides.every((s) => s === 0) ? 'single' : null);
  const [aLayout, bLayout] = [layoutOf(a), layoutOf(b)];
  if (aLayout === null || bLayout === null) return false;
  const bytes = out.BYTES_PER_ELEMENT;
  const padded = roundUp(n * bytes, VECTOR);
  const sizeOfOperand = (layout: 'whole' | 'single'): number => (layout === 'whole' ? padded : VECTOR);
  // Memory: [ cond, padded ][ a: padded, or one vector ][ b: likewise ][ out, padded ]
  const aAt = padded;
  const bAt = aAt + sizeOfOperand(aLayout);
  const outAt = copyOutOffset(bAt + sizeOfOperand(bLayout));
  const view = rt.view(out, outAt + padded, 'selectWasm');
  view.set(cond.storage.subarray(cond.offset, cond.offset + n), 0);
  for (const [v, layout, at] of [[a, aLayout, aAt], [b, bLayout, bAt]] as const) {
    if (layout === 'whole') view.set(v.storage.subarray(v.offset, v.offset + n), at / bytes);
    else view.fill(v.storage[v.offset]!, at / bytes, (at + VECTOR) / bytes);
  }
  const step = (layout: 'whole' | 'single'): number => (layout === 'whole' ? VECTOR : 0);
  current(rt).select[precisionOf(out)](0, aAt, bAt, outAt, outAt + padded, step(aLayout), step(bLayout));
  out.set(view.subarray(outAt / bytes, outAt / bytes + n));
  return true;
}

/** out = op(x) on WebAssembly, for a contiguous `x` and an op with a SIMD form; false otherwise. */
export function unaryWasm(code: string, out: Storage, x: View, contiguous: boolean): boolean {
  const rt = elementwiseInstance();
  const n = out.length;
  const narrowing = out instanceof Float32Array && !(x.storage instanceof Float32Array);
  if (rt === null || n === 0 || narrowing || !contiguous || !SIMD_UNARY.includes(code as SimdUnary) || anyInt32(out, x.storage)) return false;
  const bytes = out.BYTES_PER_ELEMENT;
  const padded = roundUp(n * bytes, VECTOR);
  const outAt = copyOutOffset(padded);
  const view = rt.view(out, outAt + padded, 'unaryWasm');
  view.set(x.storage.subarray(x.offset, x.offset + n), 0);
  current(rt).unary.get(`${code}_${precisionOf(out)}`)!(0, outAt, outAt + padded);
  out.set(view.subarray(outAt / bytes, outAt / bytes + n));
  return true;
}

/**
 * out = the sum of `x` over `axes` (sorted, at least one) on WebAssembly, for a contiguous `x` whose
 * reduced axes are consecutive and not the last (x is then an outer x mid x inner block summed over
 * its middle, inner > 1), or whose kept axes are (a block summed over its outer and inner axes, as a
 * bias's gradient). The sums
 * are float64, in the JavaScript kernel's order, rounded once into `out`: its result exactly.
 * Returns false (having done nothing) for other layouts or where WebAssembly SIMD is missing.
 */
export function sumWasm(out: Storage, x: View, contiguous: boolean, axes: readonly number[]): boolean {
  const rt = elementwiseInstance();
  if (rt === null || !contiguous || out.length === 0 || axes.length === 0 || anyInt32(out, x.storage)) return false;
  const block = blockOf(x.shape, axes);
  // Rows summed to one value each (inner 1, a layer norm's mean) are one chain of dependent adds
  // through memory here; the JavaScript loop keeps its sum in a local and was three times faster
  // ([16, 64, 128] over its last axis, float32: 100 against 307 us).
  if (block === null || (block.reducedMiddle && block.inner === 1)) return false;
  const { outer, mid, inner, reducedMiddle } = block;
  const bytes = x.storage.BYTES_PER_ELEMENT;
  // Memory: [ x, padded to a vector ][ acc: out.length float64 ]
  const accAt = copyOutOffset(outer * mid * inner * bytes);
  const view = rt.view(x.storage, accAt + out.length * 8, 'sumWasm');
  view.set(x.storage.subarray(x.offset, x.offset + outer * mid * inner), 0);
  rt.f64.fill(0, accAt / 8, accAt / 8 + out.length);
  const functions = current(rt);
  (reducedMiddle ? functions.sum : functions.sumOfEnds)[precisionOf(x.storage)](0, accAt, outer, mid, inner);
  out.set(rt.f64.subarray(accAt / 8, accAt / 8 + out.length));
  return true;
}

/**
 * `shape` as an outer x mid x inner block whose middle is the reduced axes (reducedMiddle) or the
 * kept ones, both ends reduced; null when neither the reduced nor the kept axes are consecutive.
 */
function blockOf(shape: readonly number[], axes: readonly number[]): { outer: number; mid: number; inner: number; reducedMiddle: boolean } | null {
  const consecutive = (list: readonly number[]): boolean => list.length > 0 && list[list.length - 1]! - list[0]! === list.length - 1;
  const kept = shape.map((_, axis) => axis).filter((axis) => !axes.includes(axis));
  const reducedMiddle = consecutive(axes);
  if (!reducedMiddle && !(consecutive(kept) && axes.includes(0) && axes.includes(shape.length - 1))) return null;
  const middle = reducedMiddle ? axes : kept;
  const product = (from: number, to?: number): number => sizeOf(shape.slice(from, to));
  return { outer: product(0, middle[0]), mid: product(middle[0]!, middle[middle.length - 1]! + 1), inner: product(middle[middle.length - 1]! + 1), reducedMiddle };
}
