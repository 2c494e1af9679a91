/**
 * Generates the WebAssembly module behind ./softmax-wasm.ts. It imports its memory and exports
 *
 *   softmax_f32(x, mask, rows, length, maskRows, stats)
 *       in place: each row of x becomes softmax(x + mask row) (./attention-softmax.ts's
 *       `maskedSoftmaxRows`), the mask's `maskRows` rows taken in turn (row r gets mask row
 *       r mod maskRows); at stats + 16 r, two float64: the row's shift (its maximum) and the sum
 *       of its exponentials, from which a cross-entropy takes log-sum-exp;
 *   softmax_grad_f32(y, g, rows, length)
 *       in place of g: y (g - sum(g y)), the softmax's gradient (`softmaxRowsGradient`).
 *
 * They compute in float32 on four lanes, as PyTorch's vectorized CPU softmax does, with
 * ./gate-wasm-math.ts's exponential and the sums in float64: a few float32 ulps from the loops,
 * which compute in float64. `length` is a multiple of 4; rows, length and maskRows are at least 1.
 */
import { ModuleBuilder, ValType, type FunctionBuilder } from '@nn/autograd/wasm';
import { emitExp, type Scratch } from './gate-wasm-math.js';
import { doWhileBelow, LOWER_HALVES, UPPER_TWICE } from './rows-wasm-common.js';

/** softmax_f32 as JS sees it. */
export type SoftmaxFunction = (x: number, mask: number, rows: number, length: number, maskRows: number, stats: number) => void;
/** softmax_grad_f32 as JS sees it. */
export type SoftmaxGradientFunction = (y: number, g: number, rows: number, length: number) => void;

/** The module's bytes (see the header). */
export function softmaxModule(): Uint8Array {
  const module = new ModuleBuilder().importMemory('env', 'memory', 1);
  emitSoftmax(module);
  emitSoftmaxGradient(module);
  return module.toBytes();
}

/** The two halves swapped, and the two floats of each half swapped. */
const HALVES_SWAPPED = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const PAIRS_SWAPPED = [4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11];
/** The bits of float32 -Infinity, as an int32. */
const MINUS_INFINITY_BITS = -8388608;

/** Adds the four floats of the f32x4 in local `v`, in float64, to the f64x2 in local `acc`. */
function accumulateFloats(f: FunctionBuilder, v: number, acc: number): void {
  f.get(acc).get(v).op('f64x2.promote_low_f32x4').op('f64x2.add');
  f.get(v).get(v).shuffle(UPPER_TWICE).op('f64x2.promote_low_f32x4').op('f64x2.add').set(acc);
}

/** Pushes the sum of the two lanes of the f64x2 in local `acc`. */
function laneSum(f: FunctionBuilder, acc: number): void {
  f.get(acc).extractF64(0).get(acc).extractF64(1).op('f64.add');
}

function emitSoftmax(module: ModuleBuilder): void {
  const { i32, v128 } = ValType;
  const f = module.addFunction([i32, i32, i32, i32, i32, i32], [], 'softmax_f32');
  const [x, mask, rows, length, maskRows, stats] = [0, 1, 2, 3, 4, 5] as const;
  const total = f.local(ValType.f64);
  const [end, at, maskAt, maskEnd, rowBytes] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  const [v, max, sum] = [f.local(v128), f.local(v128), f.local(v128)];
  const s: Scratch = { n: f.local(v128), r: f.local(v128), p: f.local(v128) };
  f.get(length).i32(4).op('i32.mul').set(rowBytes);
  f.get(mask).get(maskRows).get(rowBytes).op('i32.mul').op('i32.add').set(maskEnd);
  f.get(mask).set(maskAt);
  f.loop(); // over rows
  {
    f.get(x).get(rowBytes).op('i32.add').set(end);
    // v = x + mask, stored in place, and its maximum in every lane (a NaN wins).
    f.i32x4Const([MINUS_INFINITY_BITS, MINUS_INFINITY_BITS, MINUS_INFINITY_BITS, MINUS_INFINITY_BITS]).set(max);
    f.get(x).set(at);
    doWhileBelow(f, at, end, 16, () => {
      f.get(at).get(at).mem('v128.load').get(maskAt).mem('v128.load').op('f32x4.add').tee(v).mem('v128.store');
      f.get(max).get(v).op('f32x4.max').set(max);
      f.get(maskAt).i32(16).op('i32.add').set(maskAt);
    });
    for (const lanes of [HALVES_SWAPPED, PAIRS_SWAPPED]) f.get(max).get(max).shuffle(lanes).get(max).op('f32x4.max').set(max);
    // e^(v - max), stored in place and summed in float64.
    f.v128Zero().set(sum);
    f.get(x).set(at);
    doWhileBelow(f, at, end, 16, () => {
      f.get(at).mem('v128.load').get(max).op('f32x4.sub').set(v);
      emitExp(f, v, v, s);
      f.get(at).get(v).mem('v128.store');
      accumulateFloats(f, v, sum);
    });
    // The row's shift and sum into stats; then each exponential over the sum.
    laneSum(f, sum);
    f.set(total);
    f.get(stats).get(max).op('f64x2.promote_low_f32x4').extractF64(0).mem('f64.store');
    f.get(stats).get(total).mem('f64.store', 8);
    f.get(stats).i32(16).op('i32.add').set(stats);
    f.get(total).op('f32.demote_f64').op('f32x4.splat').set(max);
    f.get(x).set(at);
    doWhileBelow(f, at, end, 16, () => {
      f.get(at).get(at).mem('v128.load').get(max).op('f32x4.div').mem('v128.store');
    });
    // The next mask row, from the first again after the last.
    f.get(maskAt).get(maskEnd).op('i32.eq').if().get(mask).set(maskAt).end();
    f.get(end).set(x);
    f.get(rows).i32(1).op('i32.sub').tee(rows).brIf(0);
  }
  f.end();
}

function emitSoftmaxGradient(module: ModuleBuilder): void {
  const { i32, v128 } = ValType;
  const f = module.addFunction([i32, i32, i32, i32], [], 'softmax_grad_f32');
  const [y, g, rows, length] = [0, 1, 2, 3] as const;
  const [end, at, gToY] = [f.local(i32), f.local(i32), f.local(i32)];
  const [yv, gv, dot] = [f.local(v128), f.local(v128), f.local(v128)];
  const atG = (): void => void f.get(at).get(gToY).op('i32.add');
  f.get(g).get(y).op('i32.sub').set(gToY);
  f.loop(); // over rows
  {
    f.get(y).get(length).i32(4).op('i32.mul').op('i32.add').set(end);
    // sum(g y) in float64, where the float32 operands' products are exact.
    f.v128Zero().set(dot);
    f.get(y).set(at);
    doWhileBelow(f, at, end, 16, () => {
      f.get(at).mem('v128.load').set(yv);
      atG();
      f.mem('v128.load').set(gv);
      f.get(dot).get(gv).op('f64x2.promote_low_f32x4').get(yv).op('f64x2.promote_low_f32x4').op('f64x2.mul').op('f64x2.add');
      f.get(gv).get(gv).shuffle(UPPER_TWICE).op('f64x2.promote_low_f32x4').get(yv).get(yv).shuffle(UPPER_TWICE).op('f64x2.promote_low_f32x4');
      f.op('f64x2.mul').op('f64x2.add').set(dot);
    });
    laneSum(f, dot);
    f.op('f32.demote_f64').op('f32x4.splat').set(dot);
    // g becomes y (g - sum(g y)).
    f.get(y).set(at);
    doWhileBelow(f, at, end, 16, () => {
      atG();
      f.get(at).mem('v128.load');
      atG();
      f.mem('v128.load').get(dot).op('f32x4.sub').op('f32x4.mul').mem('v128.store');
    });
    f.get(end).set(y);
    f.get(rows).i32(1).op('i32.sub').tee(rows).brIf(0);
  }
  f.end();
}
