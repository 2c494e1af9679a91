/**
 * The shared forward of element-wise ops: dtype promotion, broadcasting, and the choice between a
 * kernel's contiguous fast path, the rank-0 path (the micrograd-style scalar graphs) and the general
 * strided path.
 */
import type { DType } from '../dtype.js';
import { allocate, promoteDtypes } from '../dtype.js';
import type { Shape } from '../shape.js';
import { broadcastShapes, broadcastStrides, isContiguous, shapesEqual } from '../shape.js';
import type { Arithmetic, BinaryCode, UnaryCode, View } from '../kernels/elementwise.js';
import { arithmeticScalar, binaryCodeKernel, binaryKernel, unaryCodeKernel, unaryKernel } from '../kernels/elementwise.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { fromStorage, scalar, toTensor } from './creation.js';

/** A tensor's view read as if broadcast to `shape`. */
export function viewAs(t: Tensor, shape: Shape): View {
  const strides = shapesEqual(t.shape, shape) ? t.strides : broadcastStrides(t.shape, t.strides, shape);
  return { storage: t.storage, shape, strides, offset: t.offset };
}

/** y = f(x) element by element, in x's dtype. `code` names the op's own loop, which then replaces calls to `f`. */
export function mapUnary(x: Tensor, f: (v: number) => number, code?: UnaryCode): Tensor {
  if (x.shape.length === 0) return scalar(f(x.storage[x.offset]!), x.dtype);
  const out = allocate(x.dtype, x.size);
  if (code !== undefined) unaryCodeKernel(code, out, x, x.isContiguous);
  else unaryKernel(out, x, x.isContiguous, f);
  return fromStorage(out, x.shape);
}

/** Both operands as tensors: a JS number takes the other operand's dtype. */
export function operands(a: TensorLike, b: TensorLike, op: string): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, toTensor(b, a.dtype, op)];
  if (b instanceof Tensor) return [toTensor(a, b.dtype, op), b];
  throw new Error(`${op}: at least one operand must be a Tensor, got ${typeof a} and ${typeof b}`);
}

/**
 * z = f(a, b) with broadcasting, in the promoted dtype (or `dtype` if given). `code` names the op's
 * dedicated loop (arithmetic and comparisons), which then replaces calls to `f`.
 */
export function mapBinary(
  a: Tensor,
  b: Tensor,
  op: string,
  f: (x: number, y: number) => number,
  code?: BinaryCode,
  dtype: DType = promoteDtypes(a.dtype, b.dtype),
): Tensor {
  if (a.shape.length === 0 && b.shape.length === 0) {
    const x = a.storage[a.offset]!;
    const y = b.storage[b.offset]!;
    return scalar(isArithmetic(code) ? arithmeticScalar(code, x, y) : f(x, y), dtype);
  }
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = allocate(dtype, a.size === 0 || b.size === 0 ? 0 : sizeOfShape(shape));
  const sameShape = shapesEqual(a.shape, shape) && shapesEqual(b.shape, shape);
  const contiguous = sameShape && isContiguous(a.shape, a.strides) && isContiguous(b.shape, b.strides);
  if (code !== undefined) binaryCodeKernel(code, out, viewAs(a, shape), viewAs(b, shape), contiguous);
  else binaryKernel(out, viewAs(a, shape), viewAs(b, shape), contiguous, f);
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
