/**
 * Generates the WebAssembly module behind ./rows-wasm.ts: kernels along contiguous rows, for
 * LayerNorm and attention. It imports its memory and exports, for p = f32 and f64,
 *
 *   layer_norm_<p>(x, rows, length, eps)
 *       in place: each of `rows` rows of `length` values from byte address x becomes
 *       (x - mean) / sqrt(variance + eps), ./layer-norm.ts's `layerNormRows`;
 *   layer_norm_grad_<p>(x, g, rows, length, eps)
 *       in place of g: the gradient with respect to x given g, ./layer-norm.ts's
 *       `layerNormRowsGradient`;
 *
 * and, in float32 only,
 *
 *   softmax_f32(x, mask, rows, length, maskRows)
 *       in place: each row of x becomes softmax(x + mask row) (./attention-softmax.ts's
 *       `maskedSoftmaxRows`), the mask's `maskRows` rows taken in turn (row r gets mask row
 *       r mod maskRows);
 *   softmax_grad_f32(y, g, rows, length)
 *       in place of g: y (g - sum(g y)), the softmax's gradient (`softmaxRowsGradient`).
 *
 * The LayerNorm kernels compute in float64, as the JavaScript loops, two lanes at a time (a float32
 * vector is two float64 pairs, each value rounded once on store); their sums go in two lanes, so they
 * may differ from the loops' in-order sums in the last bits. The softmax kernels compute in float32
 * on four lanes, as PyTorch's vectorized CPU softmax does, with ./gate-wasm-math.ts's exponential and
 * the sums in float64: a few float32 ulps from the loops, which compute in float64. `length` is a
 * multiple of a vector's values (4 for f32, 2 for f64); rows, length and maskRows are at least 1.
 */
import { ModuleBuilder, ValType, type FunctionBuilder } from '@nn/autograd/wasm';
import { emitExp, type Scratch } from './gate-wasm-math.js';

/** layer_norm_<p> as JS sees it. */
export type LayerNormFunction = (x: number, rows: number, length: number, eps: number) => void;
/** layer_norm_grad_<p> as JS sees it. */
export type LayerNormGradientFunction = (x: number, g: number, rows: number, length: number, eps: number) => void;
/** softmax_f32 as JS sees it. */
export type SoftmaxFunction = (x: number, mask: number, rows: number, length: number, maskRows: number) => void;
/** softmax_grad_f32 as JS sees it. */
export type SoftmaxGradientFunction = (y: number, g: number, rows: number, length: number) => void;

/** The module's bytes (see the header). */
export function rowsModule(): Uint8Array {
  const module = new ModuleBuilder().importMemory('env', 'memory', 1);
  for (const precision of ['f32', 'f64'] as const) {
    emitLayerNorm(module, precision, false);
    emitLayerNorm(module, precision, true);
  }
  emitSoftmax(module);
  emitSoftmaxGradient(module);
  return module.toBytes();
}

/** i8x16.shuffle lanes: the upper half of the first vector in both halves. */
const UPPER_TWICE = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** The lower halves of two vectors, joined. */
const LOWER_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
/** The two halves swapped, and the two floats of each half swapped. */
const HALVES_SWAPPED = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const PAIRS_SWAPPED = [4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11];
/** The bits of float32 -Infinity, as an int32. */
const MINUS_INFINITY_BITS = -8388608;

/**
 * A vector of either precision as float64 pairs: a float32 vector is two pairs (promoted on load,
 * rounded on store), a float64 vector one.
 */
class Pairs {
  readonly locals: number[];
  private readonly loaded: number;

  constructor(private readonly f: FunctionBuilder, private readonly precision: 'f32' | 'f64') {
    this.locals = precision === 'f32' ? [f.local(ValType.v128), f.local(ValType.v128)] : [f.local(ValType.v128)];
    this.loaded = f.local(ValType.v128);
  }

  /** Loads the vector at the address `address` pushes into the pairs. */
  load(address: () => void): void {
    const { f } = this;
    address();
    if (this.precision === 'f64') {
      f.mem('v128.load').set(this.locals[0]!);
      return;
    }
    f.mem('v128.load').set(this.loaded);
    f.get(this.loaded).op('f64x2.promote_low_f32x4').set(this.locals[0]!);
    f.get(this.loaded).get(this.loaded).shuffle(UPPER_TWICE).op('f64x2.promote_low_f32x4').set(this.locals[1]!);
  }

  /** Stores the pairs as one vector at the address `address` pushes. */
  store(address: () => void): void {
    const { f } = this;
    address();
    if (this.precision === 'f64') {
      f.get(this.locals[0]!).mem('v128.store');
      return;
    }
    f.get(this.locals[0]!).op('f32x4.demote_f64x2_zero').get(this.locals[1]!).op('f32x4.demote_f64x2_zero').shuffle(LOWER_HALVES).mem('v128.store');
  }
}

/** `do { body(); at += step } while (at < end)`, unsigned: at least one step. */
function doWhileBelow(f: FunctionBuilder, at: number, end: number, step: number, body: () => void): void {
  f.loop();
  body();
  f.get(at).i32(step).op('i32.add').tee(at).get(end).op('i32.lt_u').brIf(0);
  f.end();
}

function emitLayerNorm(module: ModuleBuilder, precision: 'f32' | 'f64', gradient: boolean): void {
  const { i32, f64, v128 } = ValType;
  const params = gradient ? [i32, i32, i32, i32, f64] : [i32, i32, i32, f64];
  const f = module.addFunction(params, [], `layer_norm${gradient ? '_grad' : ''}_${precision}`);
  const [x, g, rows, length, eps] = gradient ? [0, 1, 2, 3, 4] : [0, -1, 1, 2, 3];
  const bytes = precision === 'f32' ? 4 : 8;
  const [end, at, gToX] = [f.local(i32), f.local(i32), f.local(i32)];
  const count = f.local(f64);
  const [sum, sumOther, mean, rstd, meanG, meanGY] = [f.local(v128), f.local(v128), f.local(v128), f.local(v128), f.local(v128), f.local(v128)];
  const xs = new Pairs(f, precision);
  const gs = new Pairs(f, precision);
  const atX = (): void => void f.get(at);
  const atG = (): void => void f.get(at).get(gToX).op('i32.add');
  /** Pushes sum(lanes of `acc`) / count. */
  const laneMean = (acc: number): void => {
    f.get(acc).extractF64(0).get(acc).extractF64(1).op('f64.add').get(count).op('f64.div');
  };
  /** Replaces each x pair with y = (x - mean) rstd. */
  const normalizeXs = (): void => {
    for (const p of xs.locals) f.get(p).get(mean).op('f64x2.sub').get(rstd).op('f64x2.mul').set(p);
  };
  f.get(length).op('f64.convert_i32_u').set(count);
  if (gradient) f.get(g).get(x).op('i32.sub').set(gToX);
  f.loop(); // over rows
  {
    f.get(x).get(length).i32(bytes).op('i32.mul').op('i32.add').set(end);
    // The mean, then the biased variance about it.
    f.v128Zero().set(sum);
    f.get(x).set(at);
    doWhileBelow(f, at, end, 16, () => {
      xs.load(atX);
      for (const p of xs.locals) f.get(sum).get(p).op('f64x2.add').set(sum);
    });
    laneMean(sum);
    f.op('f64x2.splat').set(mean);
    f.v128Zero().set(sum);
    f.get(x).set(at);
    doWhileBelow(f, at, end, 16, () => {
      xs.load(atX);
      for (const p of xs.locals) f.get(p).get(mean).op('f64x2.sub').tee(p).get(p).op('f64x2.mul').get(sum).op('f64x2.add').set(sum);
    });
    f.f64(1);
    laneMean(sum);
    f.get(eps).op('f64.add').op('f64.sqrt').op('f64.div').op('f64x2.splat').set(rstd);
    f.get(x).set(at);
    if (!gradient) {
      doWhileBelow(f, at, end, 16, () => {
        xs.load(atX);
        normalizeXs();
        xs.store(atX);
      });
    } else {
      // mean(g) and mean(g y), then dx = rstd ((g - mean(g)) - y mean(g y)).
      f.v128Zero().set(sum);
      f.v128Zero().set(sumOther);
      doWhileBelow(f, at, end, 16, () => {
        xs.load(atX);
        gs.load(atG);
        normalizeXs();
        xs.locals.forEach((p, k) => {
          const q = gs.locals[k]!;
          f.get(sum).get(q).op('f64x2.add').set(sum);
          f.get(sumOther).get(q).get(p).op('f64x2.mul').op('f64x2.add').set(sumOther);
        });
      });
      laneMean(sum);
      f.op('f64x2.splat').set(meanG);
      laneMean(sumOther);
      f.op('f64x2.splat').set(meanGY);
      f.get(x).set(at);
      doWhileBelow(f, at, end, 16, () => {
        xs.load(atX);
        gs.load(atG);
        normalizeXs();
        xs.locals.forEach((p, k) => {
          const q = gs.locals[k]!;
          f.get(rstd).get(q).get(meanG).op('f64x2.sub').get(p).get(meanGY).op('f64x2.mul').op('f64x2.sub').op('f64x2.mul').set(q);
        });
        gs.store(atG);
      });
    }
    f.get(end).set(x);
    f.get(rows).i32(1).op('i32.sub').tee(rows).brIf(0);
  }
  f.end();
}

/** Adds the four floats of the f32x4 in local `v`, in float64, to the f64x2 in local `acc`. */
function accumulateFloats(f: FunctionBuilder, v: number, acc: number): void {
  f.get(acc).get(v).op('f64x2.promote_low_f32x4').op('f64x2.add');
  f.get(v).get(v).shuffle(UPPER_TWICE).op('f64x2.promote_low_f32x4').op('f64x2.add').set(acc);
}

/** Pushes the sum of the two lanes of the f64x2 in local `acc`, rounded to float32, in all four lanes. */
function laneSumSplat(f: FunctionBuilder, acc: number): void {
  f.get(acc).extractF64(0).get(acc).extractF64(1).op('f64.add').op('f32.demote_f64').op('f32x4.splat');
}

function emitSoftmax(module: ModuleBuilder): void {
  const { i32, v128 } = ValType;
  const f = module.addFunction([i32, i32, i32, i32, i32], [], 'softmax_f32');
  const [x, mask, rows, length, maskRows] = [0, 1, 2, 3, 4] as const;
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
    // Each over the sum.
    laneSumSplat(f, sum);
    f.set(max);
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
    laneSumSplat(f, dot);
    f.set(dot);
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
