/**
 * Generates the WebAssembly modules behind ./spatial.ts, the kernels of the convolutions and pools
 * that are not matrix products: two modules, each importing its memory. They export
 *
 *   im2col_<p>(x, cols, channels, inH, inW, outH, outW, kH, kW, padH, padW, strideH, dilationH)
 *   col2im_add_<p>(x, cols, channels, inH, inW, outH, outW, kH, kW, padH, padW, strideH, dilationH)
 *       for p = f32 and f64: the lowering of a convolution to a matrix product (../conv.ts) and its
 *       adjoint, which adds each value of the im2col matrix back into the position of the image it
 *       was read from, for convolutions whose column stride and column dilation are 1 (LeNet's, and
 *       most): a row of `cols` then meets a contiguous stretch of a row of x, whole vectors at a time;
 *   max_pool_2x2_<p>(x, out, planes, outRows, outCols, width, planeBytes)
 *   max_pool_2x2_grad_<p>(x, out, planes, outRows, outCols, width, planeBytes, grad)
 *       a 2 x 2, stride 2 max pool (LeNet's) and its gradient, a vector of windows at a time.
 *
 * It is apart from the element-wise module so that a program without convolutions or pools does not
 * carry its generator.
 */
import { ModuleBuilder, ValType, type FunctionBuilder } from './emitter.js';

/** im2col_<p> and col2im_add_<p> as JS sees them (all arguments i32). */
export type LoweringFunction = (
  x: number, cols: number, channels: number, inH: number, inW: number, outH: number, outW: number,
  kH: number, kW: number, padH: number, padW: number, strideH: number, dilationH: number,
) => void;

/** The max-pool kernel as JS sees it (all arguments i32; see `emitMaxPoolTwoByTwo`). */
export type MaxPoolFunction = (x: number, out: number, planes: number, outRows: number, outCols: number, width: number, planeBytes: number) => void;

/** The gradient of the max-pool kernel as JS sees it (all arguments i32; see `emitMaxPoolTwoByTwo`). */
export type MaxPoolGradientFunction = (x: number, out: number, planes: number, outRows: number, outCols: number, width: number, planeBytes: number, grad: number) => void;

export const SPATIAL_MEMORY = { module: 'env', name: 'memory' } as const;

/**
 * The bytes of one of the two modules (see the header): the lowering's (im2col and col2im) or the
 * pooling's. They are two so that each stays under 4 KiB, the most browsers compile synchronously
 * on the main thread.
 */
export function spatialModuleBytes(part: 'lowering' | 'pooling'): Uint8Array {
  const module = new ModuleBuilder().importMemory(SPATIAL_MEMORY.module, SPATIAL_MEMORY.name, 1);
  for (const precision of ['f32', 'f64'] as const) {
    if (part === 'lowering') {
      emitIm2col(module, precision);
      emitCol2imAdd(module, precision);
    } else {
      emitMaxPoolTwoByTwo(module, precision, false);
      emitMaxPoolTwoByTwo(module, precision, true);
    }
  }
  return module.toBytes();
}

/** `while (get(at) < get(end)) { body(); }`, unsigned. */
function whileBelow(f: FunctionBuilder, at: number, end: number, body: () => void): void {
  f.block().loop();
  f.get(at).get(end).op('i32.ge_u').brIf(1);
  body();
  f.br(0);
  f.end().end();
}

/** The parameters of im2col and col2im, in order (see the header). */
const [X, COLS, CHANNELS, IN_H, IN_W, OUT_H, OUT_W, K_H, K_W, PAD_H, PAD_W, STRIDE_H, DILATION_H] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] as const;

/** The locals a row of the im2col matrix is handled with (see `forEachTapRow`). */
interface TapRow {
  /** The input row h = p strideH + i dilationH - padH (maybe outside x). */
  readonly h: number;
  /** The tap's column shift j - padW: output column q reads input column q + shift. */
  readonly shift: number;
  /** The valid output columns [q0, q1): those whose input column lies inside x. */
  readonly q0: number;
  readonly q1: number;
}

/** The locals a tap starts with: its row shift i dilationH - padH, and the first row and the row count the row loop takes, which `beforeRows` may change. */
interface TapStart {
  readonly shiftH: number;
  readonly h: number;
  readonly rows: number;
}

/**
 * Emits the loops of im2col and col2im over the rows of the im2col matrix, in its order: channel c,
 * kernel row i, kernel column j, output row p; `row` emits the work on one row, which starts at the
 * address in the parameter COLS (advanced a row at a time here) and belongs to the plane at X
 * (advanced a plane at a time), after `beforeRows` for each tap. Every count is at least 1. A tap's valid columns are
 * q0 = min(outW, max(0, -shift)) and q1 = max(q0, min(outW, inW - shift)).
 */
function forEachTapRow(f: FunctionBuilder, bytes: number, row: (tapRow: TapRow) => void, beforeRows?: (tap: TapStart) => void): void {
  const i32 = ValType.i32;
  const [tapRows, tapCols, rows] = [f.local(i32), f.local(i32), f.local(i32)]; // countdowns over i, j, p
  const [shiftH, shift, h, q0, q1] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  /** Pushes min (or max) of the two locals. */
  const pick = (a: number, b: number, which: 'i32.lt_s' | 'i32.gt_s'): FunctionBuilder => f.get(a).get(b).get(a).get(b).op(which).op('select');
  f.loop(); // over channels
  {
    f.i32(0).get(PAD_H).op('i32.sub').set(shiftH);
    f.get(K_H).set(tapRows);
    f.loop(); // over kernel rows i
    {
      f.i32(0).get(PAD_W).op('i32.sub').set(shift);
      f.get(K_W).set(tapCols);
      f.loop(); // over kernel columns j
      {
        f.i32(0).get(shift).op('i32.sub').set(q0);
        f.get(q0).i32(0).get(q0).i32(0).op('i32.gt_s').op('select').set(q0);
        pick(q0, OUT_W, 'i32.lt_s').set(q0);
        f.get(IN_W).get(shift).op('i32.sub').set(q1);
        pick(q1, OUT_W, 'i32.lt_s').set(q1);
        pick(q1, q0, 'i32.gt_s').set(q1);
        f.get(shiftH).set(h);
        f.get(OUT_H).set(rows);
        beforeRows?.({ shiftH, h, rows });
        f.loop(); // over output rows p
        {
          row({ h, shift, q0, q1 });
          f.get(COLS).get(OUT_W).i32(bytes).op('i32.mul').op('i32.add').set(COLS);
          f.get(h).get(STRIDE_H).op('i32.add').set(h);
          f.get(rows).i32(1).op('i32.sub').tee(rows).brIf(0);
        }
        f.end();
        f.get(shift).i32(1).op('i32.add').set(shift);
        f.get(tapCols).i32(1).op('i32.sub').tee(tapCols).brIf(0);
      }
      f.end();
      f.get(shiftH).get(DILATION_H).op('i32.add').set(shiftH);
      f.get(tapRows).i32(1).op('i32.sub').tee(tapRows).brIf(0);
    }
    f.end();
    f.get(X).get(IN_H).get(IN_W).op('i32.mul').i32(bytes).op('i32.mul').op('i32.add').set(X);
    f.get(CHANNELS).i32(1).op('i32.sub').tee(CHANNELS).brIf(0);
  }
  f.end();
}
/**
 * `col2im_add_<p>(x, cols, ...)`: x[c, h, w] += cols[(c, i, j), p, q] for every tap (c, i, j) and output
 * position (p, q) with h = p strideH + i dilationH - padH and w = q + j - padW inside x; x (channels x
 * inH x inW) and cols (channels kH kW x outH x outW) are byte addresses of contiguous arrays in
 * precision p.
 *
 * Loop order: that of the JavaScript loop (`forEachTapRow`), so each element of x receives its terms
 * in the same order and the sums are its sums bit for bit; along a row, the valid columns four float32
 * or two float64 a vector, then a scalar tail.
 */
function emitCol2imAdd(module: ModuleBuilder, precision: 'f32' | 'f64'): void {
  const i32 = ValType.i32;
  const f = module.addFunction(new Array<ValType>(13).fill(i32), [], `col2im_add_${precision}`);
  const bytes = precision === 'f32' ? 4 : 8;
  const lanes = 16 / bytes;
  const [src, dst, vectorsEnd, end] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  forEachTapRow(f, bytes, ({ h, shift, q0, q1 }) => {
    f.get(h).get(IN_H).op('i32.lt_u').if(); // 0 <= h < inH
    {
      f.get(COLS).get(q0).i32(bytes).op('i32.mul').op('i32.add').set(src);
      f.get(src).get(q1).get(q0).op('i32.sub').i32(bytes).op('i32.mul').op('i32.add').set(end);
      f.get(src).get(q1).get(q0).op('i32.sub').i32(-lanes).op('i32.and').i32(bytes).op('i32.mul').op('i32.add').set(vectorsEnd);
      f.get(X).get(h).get(IN_W).op('i32.mul').get(q0).op('i32.add').get(shift).op('i32.add').i32(bytes).op('i32.mul').op('i32.add').set(dst);
      whileBelow(f, src, vectorsEnd, () => {
        f.get(dst).get(dst).mem('v128.load').get(src).mem('v128.load').op(`${precision}x${lanes}.add` as 'f32x4.add').mem('v128.store');
        f.get(src).i32(16).op('i32.add').set(src);
        f.get(dst).i32(16).op('i32.add').set(dst);
      });
      whileBelow(f, src, end, () => {
        f.get(dst).get(dst).mem(`${precision}.load`).get(src).mem(`${precision}.load`).op(`${precision}.add`).mem(`${precision}.store`);
        f.get(src).i32(bytes).op('i32.add').set(src);
        f.get(dst).i32(bytes).op('i32.add').set(dst);
      });
    }
    f.end();
  });
}

/**
 * `im2col_<p>(x, cols, ...)`: writes the im2col matrix of x into cols (the layouts of col2im_add's):
 * cols[(c, i, j), p, q] = x[c, h, w] with h and w as there, 0 where (h, w) is outside x. Elements are
 * moved, not computed, so every bit is kept.
 *
 * Loop order: `forEachTapRow`, so cols is written in increasing addresses; along a row, the left
 * padding, then the valid columns copied whole vectors at a time, then the right padding. The copy's
 * last vector may run past the valid columns, and a row of padding is zeroed whole vectors at a time:
 * what lands past the row is overwritten by the rows after it, and past the last row lies a spare
 * vector the caller provides (and another after x, which the copy may read).
 */
function emitIm2col(module: ModuleBuilder, precision: 'f32' | 'f64'): void {
  const i32 = ValType.i32;
  const f = module.addFunction(new Array<ValType>(13).fill(i32), [], `im2col_${precision}`);
  const bytes = precision === 'f32' ? 4 : 8;
  const [src, dst, end] = [f.local(i32), f.local(i32), f.local(i32)];
  /** Stores zeros from dst up to end, an element (or, with `vectors`, a vector) at a time. */
  const zeros = (vectors: boolean): void => whileBelow(f, dst, end, () => {
    f.get(dst);
    if (vectors) f.v128Zero().mem('v128.store');
    else zero(f, precision).mem(`${precision}.store`);
    f.get(dst).i32(vectors ? 16 : bytes).op('i32.add').set(dst);
  });
  forEachTapRow(f, bytes, ({ h, shift, q0, q1 }) => {
    f.get(COLS).set(dst);
    f.get(h).get(IN_H).op('i32.lt_u').if(); // 0 <= h < inH
    {
      f.get(COLS).get(q0).i32(bytes).op('i32.mul').op('i32.add').set(end);
      zeros(false);
      f.get(X).get(h).get(IN_W).op('i32.mul').get(q0).op('i32.add').get(shift).op('i32.add').i32(bytes).op('i32.mul').op('i32.add').set(src);
      f.get(COLS).get(q1).i32(bytes).op('i32.mul').op('i32.add').set(end);
      whileBelow(f, dst, end, () => {
        f.get(dst).get(src).mem('v128.load').mem('v128.store');
        f.get(src).i32(16).op('i32.add').set(src);
        f.get(dst).i32(16).op('i32.add').set(dst);
      });
      f.get(end).set(dst);
      f.get(COLS).get(OUT_W).i32(bytes).op('i32.mul').op('i32.add').set(end);
      zeros(false);
    }
    f.else();
    {
      f.get(COLS).get(OUT_W).i32(bytes).op('i32.mul').op('i32.add').set(end);
      zeros(true);
    }
    f.end();
  }, ({ shiftH, h, rows }) => {
    // With row stride and row dilation 1, a tap of kernel row i > 0 reads at output row p what the
    // tap above (kW taps back) read at p + 1: its rows 1 .. outH - 1 are copied as one block (exact
    // copies of what was written there, zeros included), and only the last row is read from x.
    f.get(STRIDE_H).i32(1).op('i32.eq').get(DILATION_H).i32(1).op('i32.eq').op('i32.and');
    f.get(shiftH).get(PAD_H).op('i32.add').i32(0).op('i32.ne').op('i32.and');
    f.get(OUT_H).i32(1).op('i32.gt_u').op('i32.and').if();
    {
      f.get(COLS).set(dst);
      f.get(COLS).get(K_W).get(OUT_H).op('i32.mul').i32(1).op('i32.sub').get(OUT_W).op('i32.mul').i32(bytes).op('i32.mul').op('i32.sub').set(src);
      f.get(COLS).get(OUT_H).i32(1).op('i32.sub').get(OUT_W).op('i32.mul').i32(bytes).op('i32.mul').op('i32.add').tee(end).set(COLS);
      // The last vector may run into the last row, which is written next.
      whileBelow(f, dst, end, () => {
        f.get(dst).get(src).mem('v128.load').mem('v128.store');
        f.get(src).i32(16).op('i32.add').set(src);
        f.get(dst).i32(16).op('i32.add').set(dst);
      });
      f.get(h).get(OUT_H).op('i32.add').i32(1).op('i32.sub').set(h);
      f.i32(1).set(rows);
    }
    f.end();
  });
}

/** Pushes 0 in the precision. */
function zero(f: FunctionBuilder, precision: 'f32' | 'f64'): FunctionBuilder {
  return precision === 'f32' ? f.f32(0) : f.f64(0);
}

/** i8x16.shuffle lanes taking the even float32 lanes of two vectors (0, 2 of the first, 0, 2 of the second). */
const EVEN_FLOATS = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
/** Likewise the odd ones. */
const ODD_FLOATS = EVEN_FLOATS.map((byte) => byte + 4);
/** The first float64 lane of each of two vectors (x0, y0): the even doubles of four, and two interleaved; */
const LOW_DOUBLES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
/** and the second (x1, y1). */
const HIGH_DOUBLES = LOW_DOUBLES.map((byte) => byte + 8);
/** i8x16.shuffle lanes interleaving the first two float32 lanes of two vectors (x0, y0, x1, y1); */
const INTERLEAVE_LOW = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
/** and the last two (x2, y2, x3, y3). */
const INTERLEAVE_HIGH = INTERLEAVE_LOW.map((byte) => byte + 8);

/**
 * The 2 x 2, stride 2 max pool of planes in precision p (from byte address `x` on, `planeBytes`
 * apart, rows `width` values long), window (i, j) reading rows 2i, 2i + 1 and columns 2j, 2j + 1,
 * i < outRows and j < outCols. Each window's pick is ../pool.ts's maxPoolIndicesKernel, bit for bit:
 * the first maximum in row-major order, or the last NaN of a window holding one (PyTorch's
 * `val > max || isnan(val)`).
 *
 *   max_pool_2x2_<p>(x, out, planes, outRows, outCols, width, planeBytes)
 *       the value picked in each window, written in order from `out` on;
 *   max_pool_2x2_grad_<p>(x, out, planes, outRows, outCols, width, planeBytes, grad)
 *       its gradient: grad (one value a window, in the same order) at the picked position of `out`,
 *       planes laid out as x's, and 0 at the other positions of every window (what no window covers
 *       is left alone). The windows of a row must fill whole vectors (outCols a multiple of 4 for
 *       f32, of 2 for f64).
 *
 * Loop order: plane, output row, then a vector of windows at a time along the row (four float32s,
 * two float64s). Two vectors of each input row are loaded and split by shuffles into the windows'
 * top-left a, top-right b, bottom-left c and bottom-right d; m = max(a, b, c, d) lane by lane (NaN if
 * any is), and the pick is made by bit selects on the masks a == m, b == m, c == m, with no branch.
 * In the first function a row whose windows do not fill whole vectors writes garbage lanes past its
 * end, which the next row overwrites: the caller gives `out` one spare vector, and `x` two, at the
 * end.
 */
function emitMaxPoolTwoByTwo(module: ModuleBuilder, precision: 'f32' | 'f64', gradient: boolean): void {
  const i32 = ValType.i32;
  const v128 = ValType.v128;
  const f = module.addFunction(new Array<ValType>(gradient ? 8 : 7).fill(i32), [], `max_pool_2x2${gradient ? '_grad' : ''}_${precision}`);
  const bytes = precision === 'f32' ? 4 : 8;
  // Per precision: the vector ops, the shuffles that split a row's two vectors into the windows'
  // left and right values (and, as the same lanes, interleave them back), and the integer lanes
  // that hold each window's pick.
  const [max, eq, ne] = precision === 'f32' ? ['f32x4.max', 'f32x4.eq', 'f32x4.ne'] as const : ['f64x2.max', 'f64x2.eq', 'f64x2.ne'] as const;
  const [leftLanes, rightLanes] = precision === 'f32' ? [EVEN_FLOATS, ODD_FLOATS] : [LOW_DOUBLES, HIGH_DOUBLES];
  const [interleaveLow, interleaveHigh] = precision === 'f32' ? [INTERLEAVE_LOW, INTERLEAVE_HIGH] : [LOW_DOUBLES, HIGH_DOUBLES];
  const [splat, pickEq] = precision === 'f32' ? ['i32x4.splat', 'i32x4.eq'] as const : ['i64x2.splat', 'i64x2.eq'] as const;
  /** Pushes the top i32 as that precision's integer lane. */
  const widen = (): void => {
    if (precision === 'f64') f.op('i64.extend_i32_s');
  };
  const [x, out, planes, outRows, outCols, width, planeBytes, grad] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
  const rowBytes = f.local(i32);
  const row = f.local(i32); // the first of the two input rows of the current output row
  const at = f.local(i32); // walks that row, two vectors a step
  const rowEnd = f.local(i32); // where the current output row's windows end in `at`
  const rowsLeft = f.local(i32);
  const outNext = f.local(i32); // where the next row's values start in `out`
  const outToX = f.local(i32); // out - x: the gradient's planes lie as x's
  const [right, below, diagonal, pick] = [f.local(v128), f.local(v128), f.local(v128), f.local(v128)];
  const [a, b, c, d, m, g] = [f.local(v128), f.local(v128), f.local(v128), f.local(v128), f.local(v128), f.local(v128)];
  f.get(width).i32(bytes).op('i32.mul').set(rowBytes);
  f.get(out).get(x).op('i32.sub').set(outToX);
  // The position of b, c and d relative to a's, in every lane.
  f.i32(1);
  widen();
  f.op(splat).set(right);
  f.get(width);
  widen();
  f.op(splat).set(below);
  f.get(width).i32(1).op('i32.add');
  widen();
  f.op(splat).set(diagonal);
  /** Pushes the mask of the lanes whose pick is the tap at relative `position` (null: a's, 0). */
  const picked = (position: number | null): void => {
    f.get(pick);
    if (position === null) f.v128Zero();
    else f.get(position);
    f.op(pickEq);
  };
  f.loop(); // over planes
  {
    f.get(x).set(row);
    f.get(outRows).set(rowsLeft);
    f.loop(); // over output rows
    {
      f.get(row).tee(at).get(outCols).i32(2 * bytes).op('i32.mul').op('i32.add').set(rowEnd);
      if (!gradient) f.get(out).get(outCols).i32(bytes).op('i32.mul').op('i32.add').set(outNext);
      f.loop(); // a vector of windows a step
      {
        // The windows' left and right values of the two vectors from `at` (+ one input row when `lower`).
        const split = (lower: boolean, left: number, rightOfIt: number): void => {
          for (const [lanes, into] of [[leftLanes, left], [rightLanes, rightOfIt]] as const) {
            for (const offset of [0, 16]) {
              f.get(at);
              if (lower) f.get(rowBytes).op('i32.add');
              f.mem('v128.load', offset);
            }
            f.shuffle(lanes).set(into);
          }
        };
        split(false, a, b);
        split(true, c, d);
        f.get(a).get(b).op(max).get(c).get(d).op(max).op(max).set(m);
        // The pick, relative to a. A window holding a NaN: its last NaN, d ? W + 1 : c ? W : b ? 1 : 0.
        f.get(diagonal).get(below).get(right).v128Zero();
        for (const value of [b, c, d]) f.get(value).get(value).op(ne).op('v128.bitselect');
        // Otherwise its first maximum: a == m ? 0 : b == m ? 1 : c == m ? W : W + 1.
        f.v128Zero().get(right).get(below).get(diagonal);
        for (const value of [c, b, a]) f.get(value).get(m).op(eq).op('v128.bitselect');
        f.get(m).get(m).op(ne).op('v128.bitselect').set(pick);
        if (gradient) {
          // Each tap's gradient, g where the pick is that tap and else 0 (into a, b, c and d, whose
          // values are done with), interleaved back into the window's two rows (a b a b ...,
          // c d c d ...): the inverse of the split.
          f.get(grad).mem('v128.load').set(g);
          for (const [tap, position] of [[a, null], [b, right], [c, below], [d, diagonal]] as const) {
            picked(position);
            f.get(g).op('v128.and').set(tap);
          }
          for (const [lower, left, rightOfIt] of [[false, a, b], [true, c, d]] as const) {
            for (const [lanes, offset] of [[interleaveLow, 0], [interleaveHigh, 16]] as const) {
              f.get(at).get(outToX).op('i32.add');
              if (lower) f.get(rowBytes).op('i32.add');
              f.get(left).get(rightOfIt).shuffle(lanes).mem('v128.store', offset);
            }
          }
          f.get(grad).i32(16).op('i32.add').set(grad);
        } else {
          // The value at the pick: pick == 0 ? a : pick == 1 ? b : pick == W ? c : d.
          f.get(out).get(a).get(b).get(c).get(d);
          picked(below);
          f.op('v128.bitselect');
          picked(right);
          f.op('v128.bitselect');
          picked(null);
          f.op('v128.bitselect').mem('v128.store');
          f.get(out).i32(16).op('i32.add').set(out);
        }
        f.get(at).i32(32).op('i32.add').tee(at).get(rowEnd).op('i32.lt_u').brIf(0);
      }
      f.end();
      if (!gradient) f.get(outNext).set(out); // past the garbage lanes of a partial last vector
      f.get(row).get(rowBytes).i32(2).op('i32.mul').op('i32.add').set(row);
      f.get(rowsLeft).i32(1).op('i32.sub').tee(rowsLeft).brIf(0);
    }
    f.end();
    f.get(x).get(planeBytes).op('i32.add').set(x);
    f.get(planes).i32(1).op('i32.sub').tee(planes).brIf(0);
  }
  f.end();
}
