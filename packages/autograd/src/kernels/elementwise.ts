/**
 * Element-wise kernels: a function of one or two strided inputs written to a contiguous output.
 * Each has a fast path for contiguous inputs of the output's shape (one flat loop) and a general
 * path that walks rows of the broadcast views (see strided.ts).
 */
import type { Storage } from '../dtype.js';
import type { Shape } from '../shape.js';
import { lastAxis, rowStarts } from './strided.js';

/** A strided read-only view into a typed array. */
export interface View {
  storage: Storage;
  shape: Shape;
  strides: readonly number[];
  offset: number;
}

/** The binary arithmetic ops that get a dedicated loop, the hottest in training. */
export type Arithmetic = 'add' | 'sub' | 'mul' | 'div';

/** out[i] = f(x[i]). `x` has the output's shape (any strides); `out` is contiguous. */
export function unaryKernel(out: Storage, x: View, contiguous: boolean, f: (v: number) => number): void {
  const data = x.storage;
  if (contiguous) {
    const base = x.offset;
    for (let i = 0; i < out.length; i++) out[i] = f(data[base + i]!);
    return;
  }
  const starts = rowStarts(x.shape, x.strides, x.offset);
  const { length, stride } = lastAxis(x.shape, x.strides);
  let o = 0;
  for (let row = 0; row < starts.length; row++) {
    let p = starts[row]!;
    for (let j = 0; j < length; j++, p += stride) out[o++] = f(data[p]!);
  }
}

/**
 * out = f(a, b) for views `a` and `b` already broadcast to the output's shape (stride 0 on broadcast
 * axes). `bothContiguous` selects the single flat loop.
 */
export function binaryKernel(
  out: Storage,
  a: View,
  b: View,
  bothContiguous: boolean,
  f: (x: number, y: number) => number,
): void {
  const ad = a.storage;
  const bd = b.storage;
  if (bothContiguous) {
    const ao = a.offset;
    const bo = b.offset;
    for (let i = 0; i < out.length; i++) out[i] = f(ad[ao + i]!, bd[bo + i]!);
    return;
  }
  const aStarts = rowStarts(a.shape, a.strides, a.offset);
  const bStarts = rowStarts(b.shape, b.strides, b.offset);
  const { length, stride: as } = lastAxis(a.shape, a.strides);
  const bs = lastAxis(b.shape, b.strides).stride;
  let o = 0;
  for (let row = 0; row < aStarts.length; row++) {
    let p = aStarts[row]!;
    let q = bStarts[row]!;
    for (let j = 0; j < length; j++, p += as, q += bs) out[o++] = f(ad[p]!, bd[q]!);
  }
}

/**
 * The four arithmetic ops on contiguous same-shape inputs, each a loop of its own: a call through
 * a function value per element costs several times the arithmetic itself.
 */
export function arithmeticContiguous(op: Arithmetic, out: Storage, a: Storage, ao: number, b: Storage, bo: number): void {
  const n = out.length;
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = a[ao + i]! + b[bo + i]!;
      return;
    case 'sub':
      for (let i = 0; i < n; i++) out[i] = a[ao + i]! - b[bo + i]!;
      return;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = a[ao + i]! * b[bo + i]!;
      return;
    case 'div':
      for (let i = 0; i < n; i++) out[i] = a[ao + i]! / b[bo + i]!;
      return;
  }
}

/**
 * One of the four arithmetic ops on two numbers: the rank-0 case, without the call through a
 * function value that would box the numbers.
 */
export function arithmeticScalar(op: Arithmetic, x: number, y: number): number {
  switch (op) {
    case 'add':
      return x + y;
    case 'sub':
      return x - y;
    case 'mul':
      return x * y;
    case 'div':
      return x / y;
  }
}

/** Copies a strided view into a contiguous array (of possibly another dtype). */
export function copyKernel(out: Storage, x: View, contiguous: boolean): void {
  if (contiguous) {
    if (x.storage.constructor === out.constructor && x.offset === 0 && x.storage.length === out.length) {
      out.set(x.storage);
    } else {
      out.set(x.storage.subarray(x.offset, x.offset + out.length));
    }
    return;
  }
  const starts = rowStarts(x.shape, x.strides, x.offset);
  const { length, stride } = lastAxis(x.shape, x.strides);
  const data = x.storage;
  let o = 0;
  for (let row = 0; row < starts.length; row++) {
    let p = starts[row]!;
    for (let j = 0; j < length; j++, p += stride) out[o++] = data[p]!;
  }
}

/** out = cond != 0 ? a : b, all three views broadcast to the output's shape. */
export function whereKernel(out: Storage, cond: View, a: View, b: View): void {
  const cd = cond.storage;
  const ad = a.storage;
  const bd = b.storage;
  const cStarts = rowStarts(cond.shape, cond.strides, cond.offset);
  const aStarts = rowStarts(a.shape, a.strides, a.offset);
  const bStarts = rowStarts(b.shape, b.strides, b.offset);
  const { length, stride: cs } = lastAxis(cond.shape, cond.strides);
  const as = lastAxis(a.shape, a.strides).stride;
  const bs = lastAxis(b.shape, b.strides).stride;
  let o = 0;
  for (let row = 0; row < cStarts.length; row++) {
    let p = cStarts[row]!;
    let q = aStarts[row]!;
    let r = bStarts[row]!;
    for (let j = 0; j < length; j++, p += cs, q += as, r += bs) out[o++] = cd[p] !== 0 ? ad[q]! : bd[r]!;
  }
}

/** Writes the view `src` into the view `dst` of the same shape, element by element. */
export function assignKernel(dst: View, src: View): void {
  const dd = dst.storage;
  const sd = src.storage;
  const dStarts = rowStarts(dst.shape, dst.strides, dst.offset);
  const sStarts = rowStarts(src.shape, src.strides, src.offset);
  const { length, stride: ds } = lastAxis(dst.shape, dst.strides);
  const ss = lastAxis(src.shape, src.strides).stride;
  for (let row = 0; row < dStarts.length; row++) {
    let p = dStarts[row]!;
    let q = sStarts[row]!;
    for (let j = 0; j < length; j++, p += ds, q += ss) dd[p] = sd[q]!;
  }
}
