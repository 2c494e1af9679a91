/**
 * The shared forward of element-wise ops: dtype promotion, broadcasting, and the choice between a
 * kernel's contiguous fast path, the rank-0 path (the micrograd-style scalar graphs) and the general
 * strided path.
 */
import type { DType } from '../dtype.js';
import { allocate, floatDtype, promoteDtypes } from '../dtype.js';
import type { Shape } from '../shape.js';
import { broadcastShapes, broadcastStrides, isContiguous, shapesEqual } from '../shape.js';
import type { Arithmetic, BinaryCode, UnaryCode, View } from '../kernels/elementwise.js';
import { arithmeticScalar, binaryCodeKernel, binaryKernel, unaryCodeKernel, unaryKernel } from '../kernels/elementwise.js';
import { binaryWasm, unaryWasm } from '../kernels/wasm/elementwise.js';
import { runsOnWasm } from '../backend.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { fromStorage, scalar, toTensor } from './creation.js';

/**
 * From this many elements an op with a SIMD form runs on WebAssembly under the 'auto' backend:
 * measured, the crossover lies between 512 and 2048 elements.
 */
export const WASM_ELEMENTWISE_MIN = 1024;

/** A tensor's view read as if broadcast to `shape`. */
export function viewAs(t: Tensor, shape: Shape): View {
  const strides = shapesEqual(t.shape, shape) ? t.strides : broadcastStrides(t.shape, t.strides, shape);
  return { storage: t.storage, shape, strides, offset: t.offset };
}

/**
 * What an element-wise op does with int32 operands, besides the float formula: a function is its
 * int32 forward (exact where the float formula would round, as `Math.imul` for a product), 'float'
 * says that the result takes the default float dtype (div, exp, ...). Without it the float formula
 * serves int32 too: its result is exact, and storing it wraps modulo 2^32 as int32 arithmetic does
 * (add, sub, neg, abs, maximum, ...).
 */
export type Int32Rule<F> = F | 'float';

/** The dtype of an element-wise result of int32 operands under `rule`. */
export function int32ResultDtype(dtype: DType, rule: Int32Rule<unknown> | undefined): DType {
  return dtype === 'int32' && rule === 'float' ? floatDtype(dtype) : dtype;
}

/**
 * y = f(x) element by element, in x's dtype (see `Int32Rule` for int32). `code` names the op's own
 * loop, which then replaces calls to `f`.
 */
export function mapUnary(x: Tensor, f: (v: number) => number, code?: UnaryCode, int32?: Int32Rule<(v: number) => number>): Tensor {
  const dtype = int32ResultDtype(x.dtype, int32);
  if (dtype === 'int32' && typeof int32 === 'function') [f, code] = [int32, undefined];
  // As PyTorch's, an int32 input is cast to the float result dtype before the op (2^31 - 1 becomes
  // 2^31 in float32); the op's own loop expects float input, so the plain loop takes it.
  if (x.dtype === 'int32' && dtype === 'float32') [f, code] = [castThen(f), undefined];
  if (x.shape.length === 0) return scalar(f(x.storage[x.offset]!), dtype);
  const out = allocate(dtype, x.size);
  const contiguous = x.isContiguous;
  if (code === undefined) unaryKernel(out, x, contiguous, f);
  else if (!(runsOnWasm(out.length >= WASM_ELEMENTWISE_MIN) && unaryWasm(code, out, x, contiguous))) unaryCodeKernel(code, out, x, contiguous);
  return fromStorage(out, x.shape);
}

/** `f` of its argument rounded to float32. */
function castThen(f: (v: number) => number): (v: number) => number {
  return (v) => f(Math.fround(v));
}

/** Both operands as tensors (see `toTensor`): a JS number takes the other operand's dtype. */
export function operands(a: TensorLike, b: TensorLike, op: string): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, toTensor(b, op, a.dtype)];
  if (b instanceof Tensor) return [toTensor(a, op, b.dtype), b];
  return [toTensor(a, op), toTensor(b, op)];
}

/**
 * z = f(a, b) with broadcasting, in the promoted dtype (see `Int32Rule` for int32 operands). `code`
 * names the op's dedicated loop (arithmetic and comparisons), which then replaces calls to `f`.
 */
export function mapBinary(
  a: Tensor,
  b: Tensor,
  op: string,
  f: (x: number, y: number) => number,
  code?: BinaryCode,
  int32?: Int32Rule<(x: number, y: number) => number>,
): Tensor {
  const dtype = int32ResultDtype(promoteDtypes(a.dtype, b.dtype), int32);
  if (dtype === 'int32' && typeof int32 === 'function') [f, code] = [int32, undefined];
  if (a.shape.length === 0 && b.shape.length === 0) {
    const x = a.storage[a.offset]!;
    const y = b.storage[b.offset]!;
    return scalar(isArithmetic(code) ? arithmeticScalar(code, x, y) : f(x, y), dtype);
  }
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = allocate(dtype, a.size === 0 || b.size === 0 ? 0 : sizeOfShape(shape), op, shape);
  const aDense = shapesEqual(a.shape, shape) && isContiguous(a.shape, a.strides);
  const bDense = shapesEqual(b.shape, shape) && isContiguous(b.shape, b.strides);
  const [aView, bView] = [viewAs(a, shape), viewAs(b, shape)];
  if (code === undefined) binaryKernel(out, aView, bView, aDense && bDense, f);
  else if (!(runsOnWasm(out.length >= WASM_ELEMENTWISE_MIN) && binaryWasm(code, out, aView, aDense, bView, bDense))) {
    binaryCodeKernel(code, out, aView, bView, aDense && bDense);
  }
  return fromStorage(out, shape);
}

function isArithmetic(code: BinaryCode | undefined): code is Arithmetic {
  return code === 'add' || code === 'sub' || code === 'mul' || code === 'div';
}

function sizeOfShape(shape: Shape): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}
