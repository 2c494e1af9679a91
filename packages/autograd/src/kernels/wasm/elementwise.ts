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
 * one value (a scalar, or a tensor broadcast from one element), or one block repeated over the
 * leading axes (a row: a bias added to a batch; a matrix: an attention mask added to every head), or
 * one value per row repeated along the trailing axes (x - mean(x, -1, true), as in a layer norm); for
 * a sum, a contiguous input reduced over consecutive axes.
 * Others return false, and the caller runs its JavaScript loop.
 */
import type { Storage } from '../../dtype.js';
import type { BinaryCode, View } from '../elementwise.js';
import { sizeOf } from '../../shape.js';
import {
  elementwiseModuleBytes, SIMD_BINARY, SIMD_UNARY, type BinaryFunction, type SimdUnary, type SumFunction, type UnaryFunction,
} from './elementwise-module.js';
import { copyOutOffset, instantiateOwnMemory, type KernelInstance } from './runtime.js';

const VECTOR = 16;

/** The module's functions, found by name in one instance's exports. */
interface Functions {
  readonly binary: ReadonlyMap<string, BinaryFunction>;
  readonly unary: ReadonlyMap<string, UnaryFunction>;
  readonly sum: { readonly f32: SumFunction; readonly f64: SumFunction };
}

function functionsOf(exports: Record<string, unknown>): Functions {
  const table = <F>(names: readonly string[]): Map<string, F> =>
    new Map(names.flatMap((op) => ['f32', 'f64'].map((p): [string, F] => [`${op}_${p}`, exports[`${op}_${p}`] as F])));
  return { binary: table(SIMD_BINARY), unary: table(SIMD_UNARY), sum: { f32: exports.sum_f32 as SumFunction, f64: exports.sum_f64 as SumFunction } };
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
 * one repeated value, or one repeated row. Returns false (having done nothing) for other layouts or
 * where WebAssembly SIMD is missing.
 */
export function binaryWasm(code: BinaryCode, out: Storage, a: View, aContiguous: boolean, b: View, bContiguous: boolean): boolean {
  const rt = elementwiseInstance();
  const n = out.length;
  // A float32 result of a float64 input is computed in float64 and rounded once in JavaScript;
  // converting the input first would round twice.
  const narrowing = out instanceof Float32Array && !(a.storage instanceof Float32Array && b.storage instanceof Float32Array);
  if (rt === null || n === 0 || narrowing || !aContiguous || anyInt32(out, a.storage, b.storage)) return false;
  // b's layout: the whole output (bContiguous), one value (every stride 0), a block repeated over the
  // leading axes (a row is the block of the last axis), or one value per row repeated along the
  // trailing axes (a column), which is spread out into a whole b in the module's memory.
  const block = bContiguous ? n : repeatedBlock(b);
  const single = !bContiguous && (block === 1 || b.strides.every((s) => s === 0));
  const row = !bContiguous && !single && block > 1;
  const rowLength = row ? block : 0;
  const column = bContiguous || single || row ? null : repeatedValues(b);
  if (!bContiguous && !single && !row && column === null) return false;
  const bytes = out.BYTES_PER_ELEMENT;
  const padded = roundUp(n * bytes, VECTOR);
  const rowBytes = roundUp(rowLength * bytes, VECTOR);
  // Memory: [ a, padded ][ b: padded, or one vector, or one padded row ][ out, padded ]
  const aAt = 0;
  const bAt = padded;
  const bBytes = bContiguous || column !== null ? padded : single ? VECTOR : rowBytes;
  const outAt = copyOutOffset(bAt + bBytes);
  const view = rt.view(out, outAt + padded, 'binaryWasm');
  const lanes = VECTOR / bytes;
  view.set(a.storage.subarray(a.offset, a.offset + n), aAt / bytes);
  if (bContiguous) view.set(b.storage.subarray(b.offset, b.offset + n), bAt / bytes);
  else if (single) view.fill(b.storage[b.offset]!, bAt / bytes, bAt / bytes + lanes);
  else if (column !== null) {
    for (let r = 0, at = bAt / bytes; r < column.values; r++, at += column.repeats) view.fill(b.storage[b.offset + r]!, at, at + column.repeats);
  } else view.set(b.storage.subarray(b.offset, b.offset + rowLength), bAt / bytes);
  const run = current(rt).binary.get(`${code}_${precisionOf(out)}`)!;
  if (row && rowLength % lanes !== 0) {
    // Rows that do not fill whole vectors: one call per row, each row of a and out copied apart.
    for (let start = 0; start < n; start += rowLength) {
      view.set(a.storage.subarray(a.offset + start, a.offset + start + rowLength), aAt / bytes);
      run(aAt, bAt, outAt, outAt + rowBytes, VECTOR);
      out.set(view.subarray(outAt / bytes, outAt / bytes + rowLength), start);
    }
    return true;
  }
  if (row) {
    // Whole-vector rows: a and out are processed in place, one call per row.
    for (let start = 0; start < n * bytes; start += rowLength * bytes) run(aAt + start, bAt, outAt + start, outAt + start + rowLength * bytes, VECTOR);
  } else {
    run(aAt, bAt, outAt, outAt + padded, single ? 0 : VECTOR);
  }
  out.set(view.subarray(outAt / bytes, outAt / bytes + n));
  return true;
}

/**
 * The length of the block that `b` repeats over its leading axes: b is contiguous (row-major) over
 * its trailing axes and broadcast (stride 0) over the others (1: one value). -1 when b is not so.
 */
function repeatedBlock(b: View): number {
  const { shape, strides } = b;
  let length = 1;
  let axis = shape.length - 1;
  for (; axis >= 0; axis--) {
    if (shape[axis] === 1) continue;
    if (strides[axis] !== length) break;
    length *= shape[axis]!;
  }
  for (; axis >= 0; axis--) if (shape[axis]! > 1 && strides[axis] !== 0) return -1;
  return length;
}

/**
 * Columns shorter than this stay in JavaScript: b is spread out with one `fill` per value, whose
 * fixed cost a short run does not repay.
 */
const MIN_COLUMN_REPEATS = 16;

/**
 * `b` as `values` consecutive elements of its storage, each repeated `repeats` times along the
 * trailing axes (stride 0 there, contiguous over the leading ones), or null when b is not so.
 */
function repeatedValues(b: View): { values: number; repeats: number } | null {
  const { shape, strides } = b;
  let repeats = 1;
  let axis = shape.length - 1;
  for (; axis >= 0; axis--) {
    if (shape[axis] === 1) continue;
    if (strides[axis] !== 0) break;
    repeats *= shape[axis]!;
  }
  let values = 1;
  for (; axis >= 0; axis--) {
    if (shape[axis] === 1) continue;
    if (strides[axis] !== values) return null;
    values *= shape[axis]!;
  }
  return repeats >= MIN_COLUMN_REPEATS && values > 1 ? { values, repeats } : null;
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
 * reduced axes are consecutive: x is then an outer x mid x inner block summed over its middle. The
 * sums are float64, in the JavaScript kernel's order, rounded once into `out`: its result exactly.
 * Returns false (having done nothing) for other layouts or where WebAssembly SIMD is missing.
 */
export function sumWasm(out: Storage, x: View, contiguous: boolean, axes: readonly number[]): boolean {
  const rt = elementwiseInstance();
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  if (rt === null || !contiguous || out.length === 0 || axes.length === 0 || last - first !== axes.length - 1 || anyInt32(out, x.storage)) return false;
  const product = (from: number, to: number): number => sizeOf(x.shape.slice(from, to));
  const outer = product(0, first);
  const mid = product(first, last + 1);
  const inner = product(last + 1, x.shape.length);
  const bytes = x.storage.BYTES_PER_ELEMENT;
  // Memory: [ x, padded to a vector ][ acc: outer * inner float64 ]
  const accAt = copyOutOffset(outer * mid * inner * bytes);
  const view = rt.view(x.storage, accAt + out.length * 8, 'sumWasm');
  view.set(x.storage.subarray(x.offset, x.offset + outer * mid * inner), 0);
  rt.f64.fill(0, accAt / 8, accAt / 8 + out.length);
  current(rt).sum[precisionOf(x.storage)](0, accAt, outer, mid, inner);
  out.set(rt.f64.subarray(accAt / 8, accAt / 8 + out.length));
  return true;
}
