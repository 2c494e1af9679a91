/**
 * Element-wise kernels: a function of one or two strided inputs written to a contiguous output.
 * Each has a fast path for contiguous inputs of the output's shape (one flat loop) and a general
 * path that walks rows of the broadcast views (see strided.ts).
 */
import type { Storage } from '../dtype.js';
import type { Shape } from '../shape.js';
import { lastAxis, mergeAxes, rowStarts } from './strided.js';
import { offsetsFitInt32 } from './offsets.js';

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

/** Unary ops with loops of their own, named as the ops are; each must equal the op's scalar function. */
const UNARY_CODES = ['neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'relu', 'square', 'reciprocal', 'sin', 'cos'] as const;
export type UnaryCode = (typeof UNARY_CODES)[number];

/** True when `name` has a loop of its own in {@link unaryCodeKernel}. */
export function isUnaryCode(name: string): name is UnaryCode {
  return (UNARY_CODES as readonly string[]).includes(name);
}

/** out[o .. o + length) = op(x[p]), op(x[p + stride]), ...: one run, one loop per op (see `binaryRun`). */
function unaryRun(code: UnaryCode, out: Storage, o: number, length: number, x: Storage, p: number, stride: number): void {
  const end = o + length;
  switch (code) {
    case 'neg':
      for (; o < end; o++, p += stride) out[o] = -x[p]!;
      return;
    case 'exp':
      for (; o < end; o++, p += stride) out[o] = Math.exp(x[p]!);
      return;
    case 'log':
      for (; o < end; o++, p += stride) out[o] = Math.log(x[p]!);
      return;
    case 'sqrt':
      for (; o < end; o++, p += stride) out[o] = Math.sqrt(x[p]!);
      return;
    case 'abs':
      for (; o < end; o++, p += stride) out[o] = Math.abs(x[p]!);
      return;
    case 'tanh':
      for (; o < end; o++, p += stride) out[o] = Math.tanh(x[p]!);
      return;
    case 'relu':
      // `<= 0` rather than `> 0 ? x : 0`: NaN compares false, so it passes through, as in PyTorch.
      for (; o < end; o++, p += stride) out[o] = x[p]! <= 0 ? 0 : x[p]!;
      return;
    case 'square':
      for (; o < end; o++, p += stride) out[o] = x[p]! * x[p]!;
      return;
    case 'reciprocal':
      for (; o < end; o++, p += stride) out[o] = 1 / x[p]!;
      return;
    case 'sin':
      for (; o < end; o++, p += stride) out[o] = Math.sin(x[p]!);
      return;
    case 'cos':
      for (; o < end; o++, p += stride) out[o] = Math.cos(x[p]!);
      return;
  }
}

/** out = op(x) for a view `x` of the output's shape: one run when contiguous, else one per row. */
export function unaryCodeKernel(code: UnaryCode, out: Storage, x: View, contiguous: boolean): void {
  if (contiguous) {
    unaryRun(code, out, 0, out.length, x.storage, x.offset, 1);
    return;
  }
  const { length, stride } = lastAxis(x.shape, x.strides);
  if (length === 0) return;
  const starts = rowStarts(x.shape, x.strides, x.offset);
  for (let row = 0, o = 0; row < starts.length; row++, o += length) unaryRun(code, out, o, length, x.storage, starts[row]!, stride);
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

/** The comparisons, whose results are exact 0 / 1 values. */
export type Comparison = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** Binary ops with loops of their own (below), rather than a call through a function value per element. */
export type BinaryCode = Arithmetic | Comparison;

/**
 * out[o .. o + length) = a[p], a[p + as], ... (op) b[q], b[q + bs], ...: one run of `length` elements.
 * Each op is a loop of its own: a call through a function value per element costs several times the
 * arithmetic itself, and a switch inside the loop would be paid per element too. Contiguous inputs
 * are one run (strides 1); a bias added to a batch is one run per row, with b's rows repeating.
 */
function binaryRun(code: BinaryCode, out: Storage, o: number, length: number, a: Storage, p: number, as: number, b: Storage, q: number, bs: number): void {
  const end = o + length;
  switch (code) {
    case 'add':
      for (; o < end; o++, p += as, q += bs) out[o] = a[p]! + b[q]!;
      return;
    case 'sub':
      for (; o < end; o++, p += as, q += bs) out[o] = a[p]! - b[q]!;
      return;
    case 'mul':
      for (; o < end; o++, p += as, q += bs) out[o] = a[p]! * b[q]!;
      return;
    case 'div':
      for (; o < end; o++, p += as, q += bs) out[o] = a[p]! / b[q]!;
      return;
    case 'eq':
      for (; o < end; o++, p += as, q += bs) out[o] = a[p]! === b[q]! ? 1 : 0;
      return;
    case 'ne':
      for (; o < end; o++, p += as, q += bs) out[o] = a[p]! !== b[q]! ? 1 : 0;
      return;
    case 'lt':
      for (; o < end; o++, p += as, q += bs) out[o] = a[p]! < b[q]! ? 1 : 0;
      return;
    case 'le':
      for (; o < end; o++, p += as, q += bs) out[o] = a[p]! <= b[q]! ? 1 : 0;
      return;
    case 'gt':
      for (; o < end; o++, p += as, q += bs) out[o] = a[p]! > b[q]! ? 1 : 0;
      return;
    case 'ge':
      for (; o < end; o++, p += as, q += bs) out[o] = a[p]! >= b[q]! ? 1 : 0;
      return;
  }
}

/**
 * out = a (op) b for views already broadcast to the output's shape. Contiguous same-shape inputs
 * take one run; otherwise one run per row of the last axis.
 */
export function binaryCodeKernel(code: BinaryCode, out: Storage, a: View, b: View, bothContiguous: boolean): void {
  if (bothContiguous) {
    binaryRun(code, out, 0, out.length, a.storage, a.offset, 1, b.storage, b.offset, 1);
    return;
  }
  if (out.length === 0) return;
  const walk = mergeAxes(a.shape, [a.strides, b.strides]);
  const [aStrides, bStrides] = walk.strides as [number[], number[]];
  const { length, stride: as } = lastAxis(walk.shape, aStrides);
  const bs = lastAxis(walk.shape, bStrides).stride;
  const aStarts = rowStarts(walk.shape, aStrides, a.offset);
  const bStarts = rowStarts(walk.shape, bStrides, b.offset);
  // int32 offsets where they fit (see offsets.ts).
  const fast = offsetsFitInt32(out, a.storage, b.storage);
  for (let row = 0, o = 0; row < aStarts.length; row++, o += length) {
    const p = aStarts[row]!;
    const q = bStarts[row]!;
    binaryRun(code, out, o, length, a.storage, fast ? p | 0 : p, as, b.storage, fast ? q | 0 : q, bs);
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
  if (out.length === 0) return;
  // Merged axes: relu's gradient where(y != 0, g, 0) on [N, C, H, W] is then one row, not N C H.
  const walk = mergeAxes(cond.shape, [cond.strides, a.strides, b.strides]);
  const [cStrides, aStrides, bStrides] = walk.strides as [number[], number[], number[]];
  const cStarts = rowStarts(walk.shape, cStrides, cond.offset);
  const aStarts = rowStarts(walk.shape, aStrides, a.offset);
  const bStarts = rowStarts(walk.shape, bStrides, b.offset);
  const { length, stride: cs } = lastAxis(walk.shape, cStrides);
  const as = lastAxis(walk.shape, aStrides).stride;
  const bs = lastAxis(walk.shape, bStrides).stride;
  if (ad.constructor === out.constructor && bd.constructor === out.constructor) {
    selectBits(out, cd, ad, bd, cStarts, aStarts, bStarts, length, cs, as, bs);
    return;
  }
  let o = 0;
  for (let row = 0; row < cStarts.length; row++) {
    let p = cStarts[row]!;
    let q = aStarts[row]!;
    let r = bStarts[row]!;
    for (let j = 0; j < length; j++, p += cs, q += as, r += bs) out[o++] = cd[p] !== 0 ? ad[q]! : bd[r]!;
  }
}

const int32View = (s: Storage): Int32Array => (s instanceof Int32Array ? s : new Int32Array(s.buffer, s.byteOffset, s.length * (s.BYTES_PER_ELEMENT / 4)));

/**
 * whereKernel's loop when a, b and out share one array type: the selection as bits, each 32-bit
 * word of the result (a & m) | (b & ~m) with m all ones where the condition is nonzero. A condition
 * that changes at random (relu's gradient, whose mask is the sign pattern of the activations) makes
 * the branch of `cond ? a : b` mispredict about every other element; the bit form has no branch and
 * measured 3.4x faster on such a mask. Every bit of the chosen value is kept (NaN payloads, -0).
 */
function selectBits(
  out: Storage, cd: Storage, ad: Storage, bd: Storage,
  cStarts: Float64Array, aStarts: Float64Array, bStarts: Float64Array, length: number, cs: number, as: number, bs: number,
): void {
  const o32 = int32View(out);
  const a32 = int32View(ad);
  const b32 = int32View(bd);
  if (out.BYTES_PER_ELEMENT === 4) {
    let o = 0;
    for (let row = 0; row < cStarts.length; row++) {
      let p = cStarts[row]!;
      let q = aStarts[row]!;
      let r = bStarts[row]!;
      for (let j = 0; j < length; j++, p += cs, q += as, r += bs) {
        const m = -(+(cd[p]! !== 0) | 0);
        o32[o++] = (a32[q]! & m) | (b32[r]! & ~m);
      }
    }
    return;
  }
  // Float64: two words an element, the same mask for both.
  let o = 0;
  for (let row = 0; row < cStarts.length; row++) {
    let p = cStarts[row]!;
    let q = 2 * aStarts[row]!;
    let r = 2 * bStarts[row]!;
    for (let j = 0; j < length; j++, p += cs, q += 2 * as, r += 2 * bs) {
      const m = -(+(cd[p]! !== 0) | 0);
      o32[o++] = (a32[q]! & m) | (b32[r]! & ~m);
      o32[o++] = (a32[q + 1]! & m) | (b32[r + 1]! & ~m);
    }
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
