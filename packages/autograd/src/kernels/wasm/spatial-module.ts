/**
 * Generates the WebAssembly module behind ./spatial.ts, the kernels of the convolutions and pools
 * that are not matrix products. It imports its memory and exports
 *
 *   col2im_add_<p>(x, cols, channels, inH, inW, outH, outW, kH, kW, padH, padW, strideH, dilationH)
 *       for p = f32 and f64: the adjoint of im2col (../conv.ts), which adds each value of the im2col
 *       matrix back into the position of the image it was read from, for convolutions whose column
 *       stride and column dilation are 1 (LeNet's, and most): a row of `cols` then adds into a
 *       contiguous stretch of a row of x, whole vectors at a time;
 *   max_pool_2x2_f32(x, out, planes, outRows, outCols, width, planeBytes)
 *       the positions of the maxima of a 2 x 2, stride 2 max pool (LeNet's), four windows a vector.
 *
 * It is apart from the element-wise module so that a program without convolutions or pools does not
 * carry its generator.
 */
import { ModuleBuilder, ValType, type FunctionBuilder } from './emitter.js';

export type Col2imFunction = (
  x: number, cols: number, channels: number, inH: number, inW: number, outH: number, outW: number,
  kH: number, kW: number, padH: number, padW: number, strideH: number, dilationH: number,
) => void;

/** The max-pool kernel as JS sees it (all arguments i32; see `emitMaxPoolTwoByTwo`). */
export type MaxPoolFunction = (x: number, out: number, planes: number, outRows: number, outCols: number, width: number, planeBytes: number) => void;

export const SPATIAL_MEMORY = { module: 'env', name: 'memory' } as const;

/** The module's bytes; see the header for what it exports. */
export function spatialModuleBytes(): Uint8Array {
  const module = new ModuleBuilder().importMemory(SPATIAL_MEMORY.module, SPATIAL_MEMORY.name, 1);
  emitCol2imAdd(module, 'f32');
  emitCol2imAdd(module, 'f64');
  emitMaxPoolTwoByTwo(module);
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

/**
 * `col2im_add_<p>(x, cols, ...)`: x[c, h, w] += cols[(c, i, j), p, q] for every tap (c, i, j) and output
 * position (p, q) with h = p strideH + i dilationH - padH and w = q + j - padW inside x; x (channels x
 * inH x inW) and cols (channels kH kW x outH x outW) are byte addresses of contiguous arrays in
 * precision p. Every count is at least 1.
 *
 * Loop order: c, i, j, p (the order of the JavaScript loop, so each element of x receives its terms
 * in the same order and the sums are its sums bit for bit), then the valid columns [q0, q1) of the
 * tap, four float32 or two float64 a vector and a scalar tail. The valid columns are the tap's:
 * q0 = max(0, -shift), q1 = max(q0, min(outW, inW - shift)) with shift = j - padW.
 */
function emitCol2imAdd(module: ModuleBuilder, precision: 'f32' | 'f64'): void {
  const i32 = ValType.i32;
  const f = module.addFunction(new Array<ValType>(13).fill(i32), [], `col2im_add_${precision}`);
  const [x, cols, channels, inH, inW, outH, outW, kH, kW, padH, padW, strideH, dilationH] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] as const;
  const bytes = precision === 'f32' ? 4 : 8;
  const lanes = 16 / bytes;
  const [tapRows, tapCols, rows] = [f.local(i32), f.local(i32), f.local(i32)]; // countdowns over i, j, p
  const [shiftH, shiftW, h, q0, q1] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  const [src, dst, vectorsEnd, end] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  f.loop(); // over channels
  {
    f.i32(0).get(padH).op('i32.sub').set(shiftH);
    f.get(kH).set(tapRows);
    f.loop(); // over kernel rows i
    {
      f.i32(0).get(padW).op('i32.sub').set(shiftW);
      f.get(kW).set(tapCols);
      f.loop(); // over kernel columns j
      {
        // q0 = shift < 0 ? -shift : 0; q1 = max(q0, min(outW, inW - shift)).
        f.i32(0).get(shiftW).op('i32.sub').i32(0).get(shiftW).i32(0).op('i32.lt_s').op('select').set(q0);
        f.get(inW).get(shiftW).op('i32.sub').tee(q1).get(outW).get(q1).get(outW).op('i32.lt_s').op('select').set(q1);
        f.get(q1).get(q0).get(q1).get(q0).op('i32.gt_s').op('select').set(q1);
        f.get(shiftH).set(h);
        f.get(outH).set(rows);
        f.loop(); // over output rows p
        {
          f.get(h).get(inH).op('i32.lt_u').if(); // 0 <= h < inH
          {
            f.get(cols).get(q0).i32(bytes).op('i32.mul').op('i32.add').set(src);
            f.get(src).get(q1).get(q0).op('i32.sub').i32(bytes).op('i32.mul').op('i32.add').set(end);
            f.get(src).get(q1).get(q0).op('i32.sub').i32(-lanes).op('i32.and').i32(bytes).op('i32.mul').op('i32.add').set(vectorsEnd);
            f.get(x).get(h).get(inW).op('i32.mul').get(q0).op('i32.add').get(shiftW).op('i32.add').i32(bytes).op('i32.mul').op('i32.add').set(dst);
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
          f.get(cols).get(outW).i32(bytes).op('i32.mul').op('i32.add').set(cols);
          f.get(h).get(strideH).op('i32.add').set(h);
          f.get(rows).i32(1).op('i32.sub').tee(rows).brIf(0);
        }
        f.end();
        f.get(shiftW).i32(1).op('i32.add').set(shiftW);
        f.get(tapCols).i32(1).op('i32.sub').tee(tapCols).brIf(0);
      }
      f.end();
      f.get(shiftH).get(dilationH).op('i32.add').set(shiftH);
      f.get(tapRows).i32(1).op('i32.sub').tee(tapRows).brIf(0);
    }
    f.end();
    f.get(x).get(inH).get(inW).op('i32.mul').i32(bytes).op('i32.mul').op('i32.add').set(x);
    f.get(channels).i32(1).op('i32.sub').tee(channels).brIf(0);
  }
  f.end();
}

/** i8x16.shuffle lanes taking the even float32 lanes of two vectors (0, 2 of the first, 0, 2 of the second). */
const EVEN_FLOATS = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
/** Likewise the odd ones. */
const ODD_FLOATS = EVEN_FLOATS.map((byte) => byte + 4);

/**
 * `max_pool_2x2_f32(x, out, planes, outRows, outCols, width, planeBytes)`: for each of `planes`
 * float32 planes (from byte address `x` on, `planeBytes` apart, rows `width` floats long), the int32
 * position in its plane of the maximum of each 2 x 2 window at (2i, 2j), i < outRows, j < outCols,
 * written in order from `out` on: JavaScript's maxPoolIndicesKernel, bit for bit. The first maximum
 * in row-major order wins; a window holding a NaN gives its last NaN, as PyTorch's
 * `val > max || isnan(val)`.
 *
 * Loop order: plane, output row, then four windows at a time along the row. Eight floats of each
 * input row are loaded and split by shuffles into the windows' top-left a, top-right b, bottom-left c
 * and bottom-right d; m = max(a, b, c, d) lane by lane (NaN if any is), and the position is picked
 * by bit selects on the masks a == m, b == m, c == m, with no branch. A row whose windows do not fill
 * whole vectors writes garbage lanes past its end, which the next row overwrites: the caller gives
 * `out` one spare vector, and `x` two, at the end.
 */
function emitMaxPoolTwoByTwo(module: ModuleBuilder): void {
  const i32 = ValType.i32;
  const v128 = ValType.v128;
  const f = module.addFunction([i32, i32, i32, i32, i32, i32, i32], [], 'max_pool_2x2_f32');
  const [x, out, planes, outRows, outCols, width, planeBytes] = [0, 1, 2, 3, 4, 5, 6] as const;
  const rowBytes = f.local(i32);
  const row = f.local(i32); // the first of the two input rows of the current output row
  const at = f.local(i32); // walks that row, eight floats a step
  const rowEnd = f.local(i32); // where the current output row ends
  const rowsLeft = f.local(i32);
  const rowPosition = f.local(i32); // the position of the row's first window, 2 i width
  const [right, below, diagonal, positions] = [f.local(v128), f.local(v128), f.local(v128), f.local(v128)];
  const [a, b, c, d, m] = [f.local(v128), f.local(v128), f.local(v128), f.local(v128), f.local(v128)];
  f.get(width).i32(4).op('i32.mul').set(rowBytes);
  // The position of b, c and d relative to a's, in every lane.
  f.i32(1).op('i32x4.splat').set(right);
  f.get(width).op('i32x4.splat').set(below);
  f.get(width).i32(1).op('i32.add').op('i32x4.splat').set(diagonal);
  f.loop(); // over planes
  {
    f.get(x).set(row);
    f.i32(0).set(rowPosition);
    f.get(outRows).set(rowsLeft);
    f.loop(); // over output rows
    {
      f.get(rowPosition).op('i32x4.splat').i32x4Const([0, 2, 4, 6]).op('i32x4.add').set(positions);
      f.get(row).set(at);
      f.get(out).get(outCols).i32(4).op('i32.mul').op('i32.add').set(rowEnd);
      f.loop(); // four windows a step
      {
        // The even and odd floats of the eight from `at` (+ one input row when `lower`).
        const split = (lower: boolean, even: number, odd: number): void => {
          for (const [lanes, into] of [[EVEN_FLOATS, even], [ODD_FLOATS, odd]] as const) {
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
        f.get(a).get(b).op('f32x4.max').get(c).get(d).op('f32x4.max').op('f32x4.max').set(m);
        f.get(out);
        // A window holding a NaN: its last NaN, d ? W + 1 : c ? W : b ? 1 : 0.
        f.get(diagonal).get(below).get(right).v128Zero();
        for (const value of [b, c, d]) f.get(value).get(value).op('f32x4.ne').op('v128.bitselect');
        // Otherwise its first maximum: a == m ? 0 : b == m ? 1 : c == m ? W : W + 1.
        f.v128Zero().get(right).get(below).get(diagonal);
        for (const value of [c, b, a]) f.get(value).get(m).op('f32x4.eq').op('v128.bitselect');
        f.get(m).get(m).op('f32x4.ne').op('v128.bitselect');
        f.get(positions).op('i32x4.add').mem('v128.store');
        f.get(positions).i32(8).op('i32x4.splat').op('i32x4.add').set(positions);
        f.get(at).i32(32).op('i32.add').set(at);
        f.get(out).i32(16).op('i32.add').tee(out).get(rowEnd).op('i32.lt_u').brIf(0);
      }
      f.end();
      f.get(rowEnd).set(out); // past the garbage lanes of a partial last vector
      f.get(row).get(rowBytes).i32(2).op('i32.mul').op('i32.add').set(row);
      f.get(rowPosition).get(width).i32(2).op('i32.mul').op('i32.add').set(rowPosition);
      f.get(rowsLeft).i32(1).op('i32.sub').tee(rowsLeft).brIf(0);
    }
    f.end();
    f.get(x).get(planeBytes).op('i32.add').set(x);
    f.get(planes).i32(1).op('i32.sub').tee(planes).brIf(0);
  }
  f.end();
}
