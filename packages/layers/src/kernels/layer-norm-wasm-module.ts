/**
 * Generates the WebAssembly module behind ./layer-norm-wasm.ts. It imports its memory and exports,
 * for p = f32 and f64,
 *
 *   layer_norm_<p>(x, rows, length, eps)
 *       in place: each of `rows` rows of `length` values from byte address x becomes
 *       (x - mean) / sqrt(variance + eps), ./layer-norm.ts's `layerNormRows`;
 *   layer_norm_grad_<p>(x, g, rows, length, eps)
 *       in place of g: the gradient with respect to x given g, ./layer-norm.ts's
 *       `layerNormRowsGradient`.
 *
 * They compute in float64, as the JavaScript loops, two lanes at a time (a float32 vector is two
 * float64 pairs, each value rounded once on store); their sums go in two lanes, so they may differ
 * from the loops' in-order sums in the last bits. `length` is a multiple of a vector's values (4 for
 * f32, 2 for f64); rows and length are at least 1.
 */
import { ModuleBuilder, ValType, type FunctionBuilder } from '@nn/autograd/wasm';
import { doWhileBelow, LOWER_HALVES, UPPER_TWICE } from './rows-wasm-common.js';

/** layer_norm_<p> as JS sees it. */
export type LayerNormFunction = (x: number, rows: number, length: number, eps: number) => void;
/** layer_norm_grad_<p> as JS sees it. */
export type LayerNormGradientFunction = (x: number, g: number, rows: number, length: number, eps: number) => void;

/** The module's bytes (see the header). */
export function layerNormModule(): Uint8Array {
  const module = new ModuleBuilder().importMemory('env', 'memory', 1);
  for (const precision of ['f32', 'f64'] as const) {
    emitLayerNorm(module, precision, false);
    emitLayerNorm(module, precision, true);
  }
  return module.toBytes();
}

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
      /** A pass along the row with y and g in their pairs: `body(y, g)` on each pair; `after` ends a step. */
      const withYAndG = (body: (y: number, g: number) => void, after: () => void = () => {}): void => {
        f.get(x).set(at);
        doWhileBelow(f, at, end, 16, () => {
          xs.load(atX);
          gs.load(atG);
          normalizeXs();
          xs.locals.forEach((y, k) => body(y, gs.locals[k]!));
          after();
        });
      };
      // mean(g) and mean(g y), then dx = rstd ((g - mean(g)) - y mean(g y)).
      f.v128Zero().set(sum);
      f.v128Zero().set(sumOther);
      withYAndG((y, q) => {
        f.get(sum).get(q).op('f64x2.add').set(sum);
        f.get(sumOther).get(q).get(y).op('f64x2.mul').op('f64x2.add').set(sumOther);
      });
      laneMean(sum);
      f.op('f64x2.splat').set(meanG);
      laneMean(sumOther);
      f.op('f64x2.splat').set(meanGY);
      withYAndG((y, q) => {
        f.get(rstd).get(q).get(meanG).op('f64x2.sub').get(y).get(meanGY).op('f64x2.mul').op('f64x2.sub').op('f64x2.mul').set(q);
      }, () => gs.store(atG));
    }
    f.get(end).set(x);
    f.get(rows).i32(1).op('i32.sub').tee(rows).brIf(0);
  }
  f.end();
}
