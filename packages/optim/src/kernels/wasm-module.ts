/**
 * Generates the WebAssembly module behind the optimizer kernels of ./wasm.ts: the update rules of
 * ./loops.ts on SIMD128, bit for bit the same results. It imports its memory and exports, for each
 * precision p (f32, f64), with every array a byte address in memory and `bytes` their length in
 * bytes rounded up to whole v128s:
 *
 *   scale_p(x, bytes, s)                  x = x * s                       (`mul_`)
 *   axpy_p(x, y, bytes, alpha)            x = x + alpha * y               (`add_`)
 *   adam_p(param, grad, expAvg, expAvgSq, maxExpAvgSq, bytes, flags, shrink, decay,
 *          beta1, oneMinusBeta1, beta2, oneMinusBeta2, correction, eps, step)      (`adamStep_`)
 *   rmsprop_p(param, grad, squareAvg, gradAvg, momentumBuffer, bytes, flags, decay,
 *             alpha, oneMinusAlpha, eps, momentum, step)                          (`rmspropStep_`)
 *   adagrad_p(param, grad, sum, bytes, flags, decay, eps, step)                   (`adagradStep_`)
 *
 * Arithmetic is float64 for both precisions, as in the JavaScript loops: float32 values are widened
 * on load (`f64x2.promote_low_f32x4`, exact) and rounded to float32 exactly where the loops call
 * `Math.fround` (a demote then a promote) and on store. Float64 SIMD arithmetic is IEEE, like
 * JavaScript's, and WebAssembly SIMD has no fused multiply-add, so each result is the loop's.
 *
 * Loop order: one pass over the arrays, one v128 of each per iteration. A float64 v128 holds two
 * elements, computed as one f64x2; a float32 v128 holds four, computed as two f64x2 halves (the low
 * pair, then the high pair moved down by a shuffle) and packed back into one v128 to store.
 */
import { ModuleBuilder, ValType, type FunctionBuilder, type PlainOp } from '@nn/autograd/wasm';

export type Precision = 'f32' | 'f64';

/** Bits of adam's `flags`. */
export const ADAM_DECAY = 1; // add decay * param to the gradient (Adam's L2 weight decay)
export const ADAM_AMSGRAD = 2; // keep the running maximum of expAvgSq in maxExpAvgSq

/** Bits of rmsprop's `flags`. */
export const RMSPROP_DECAY = 1; // add decay * param to the gradient
export const RMSPROP_CENTERED = 2; // keep gradAvg and subtract its square
export const RMSPROP_MOMENTUM = 4; // keep momentumBuffer and step along it

/** Bits of adagrad's `flags`. */
export const ADAGRAD_DECAY = 1; // add decay * param to the gradient

export type ScaleFunction = (x: number, bytes: number, s: number) => void;
export type AxpyFunction = (x: number, y: number, bytes: number, alpha: number) => void;
export type RmspropFunction = (
  param: number, grad: number, squareAvg: number, gradAvg: number, momentumBuffer: number, bytes: number, flags: number,
  decay: number, alpha: number, oneMinusAlpha: number, eps: number, momentum: number, step: number,
) => void;
export type AdagradFunction = (param: number, grad: number, sum: number, bytes: number, flags: number, decay: number, eps: number, step: number) => void;
export type AdamFunction = (
  param: number, grad: number, expAvg: number, expAvgSq: number, maxExpAvgSq: number, bytes: number, flags: number,
  shrink: number, decay: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, correction: number, eps: number, step: number,
) => void;

/** The module's bytes, exporting `scale_f32`, `axpy_f32`, `adam_f32`, `rmsprop_f32`, `adagrad_f32` and the same for f64. */
export function optimModuleBytes(): Uint8Array {
  // The memory is imported as env.memory, as `instantiateOwnMemory` provides it.
  const module = new ModuleBuilder().importMemory('env', 'memory', 1);
  for (const precision of ['f32', 'f64'] as const) {
    emitScale(module, precision);
    emitAxpy(module, precision);
    emitAdam(module, precision);
    emitRmsprop(module, precision);
    emitAdagrad(module, precision);
  }
  return module.toBytes();
}

const { i32, f64, v128 } = ValType;

/** The high two float32 lanes of a v128 moved down into the low two: bytes 8..15, twice. */
const HIGH_PAIR = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** The low halves of two v128s side by side: what packs two demoted pairs into one v128. */
const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/**
 * The state of one element-wise pass while it is emitted. `value(k)` is the local holding array k's
 * current pair of elements as f64x2; `result(k)` the local the body sets to array k's new pair.
 */
interface Pass {
  /** Which pair of a float32 v128 this is: 0 (low) or 1 (high); always 0 for float64. */
  half: number;
  value(k: number): number;
  result(k: number): number;
  /** Rounds the f64x2 on the stack to float32 and back (a no-op for float64), as `Math.fround` does. */
  round(): void;
}

/** Arrays (address parameters) that exist only when a bit of the i32 parameter `flags` is set: array -> bit. */
interface Guards {
  readonly arrays: ReadonlyMap<number, number>;
  readonly flags: number;
}

/**
 * A float32 kernel's last step, run once per v128 after both halves of `body`: it computes, in
 * f32x4, the whole v128 that `array` (an address parameter) is stored from, into the local `result`.
 */
interface Finish {
  readonly array: number;
  readonly result: number;
  emit(): void;
}

/**
 * Emits the loop of an element-wise kernel over the arrays whose address parameters are `arrays`
 * (byte addresses; `bytes` the parameter holding their common length), reading every array and
 * storing back those in `written`. `body(pass)` computes one f64x2 pair of results from one pair of
 * values; it runs twice per float32 v128 (low pair, high pair). With `guarded`, each of its arrays is
 * neither read nor written when its bit of the i32 parameter `flags` is clear (amsgrad's maximum
 * when amsgrad is off: its address is then meaningless). With `finish` (float32 only), the array it
 * names is stored from its f32x4 result instead of from the halves.
 */
function emitPass(
  f: FunctionBuilder, precision: Precision, arrays: readonly number[], bytes: number, written: readonly number[],
  body: (pass: Pass) => void, guarded: Guards | null = null,
  finish: Finish | null = null,
): void {
  const halves = precision === 'f32' ? 2 : 1;
  const offset = f.local(i32); // bytes done
  const raw = arrays.map(() => f.local(v128)); // each array's v128 as loaded
  const values = arrays.map(() => f.local(v128));
  const results = Array.from({ length: halves }, () => arrays.map(() => f.local(v128)));
  const round = (): void => {
    if (precision === 'f32') f.op('f32x4.demote_f64x2_zero').op('f64x2.promote_low_f32x4');
  };
  const whenPresent = (k: number, emit: () => void): void => {
    const flag = guarded?.arrays.get(arrays[k]!);
    if (flag === undefined) return emit();
    f.get(guarded!.flags).i32(flag).op('i32.and').if();
    emit();
    f.end();
  };

  f.i32(0).set(offset);
  f.block();
  f.get(bytes).op('i32.eqz').brIf(0);
  f.loop();
  arrays.forEach((address, k) => whenPresent(k, () => f.get(address).get(offset).op('i32.add').mem('v128.load').set(raw[k]!)));
  for (let half = 0; half < halves; half++) {
    arrays.forEach((_, k) => {
      f.get(raw[k]!);
      if (precision === 'f32') {
        if (half === 1) f.get(raw[k]!).shuffle(HIGH_PAIR); // the shuffle takes the v128 twice, leaves one
        f.op('f64x2.promote_low_f32x4');
      }
      f.set(values[k]!);
    });
    body({ half, value: (k) => values[k]!, result: (k) => results[half]![k]!, round });
  }
  finish?.emit();
  for (const address of written) {
    const k = arrays.indexOf(address);
    whenPresent(k, () => {
      f.get(address).get(offset).op('i32.add');
      if (address === finish?.array) {
        f.get(finish.result);
      } else if (precision === 'f32') {
        f.get(results[0]![k]!).op('f32x4.demote_f64x2_zero');
        f.get(results[1]![k]!).op('f32x4.demote_f64x2_zero');
        f.shuffle(LOW_HALVES);
      } else {
        f.get(results[0]![k]!);
      }
      f.mem('v128.store');
    });
  }
  f.get(offset).i32(16).op('i32.add').tee(offset).get(bytes).op('i32.lt_u').brIf(0);
  f.end();
  f.end();
}

/** A local holding an f64 parameter splatted to both lanes. */
function splat(f: FunctionBuilder, parameter: number): number {
  const local = f.local(v128);
  f.get(parameter).op('f64x2.splat').set(local);
  return local;
}

/** `scale_p(x, bytes, s)`: x = x * s. */
function emitScale(module: ModuleBuilder, precision: Precision): void {
  const f = module.addFunction([i32, i32, f64], [], `scale_${precision}`);
  const s = splat(f, 2);
  emitPass(f, precision, [0], 1, [0], (pass) => {
    f.get(pass.value(0)).get(s).op('f64x2.mul').set(pass.result(0));
  });
}

/** `axpy_p(x, y, bytes, alpha)`: x = x + alpha * y, rounded once (the product of two float32 values is exact in float64). */
function emitAxpy(module: ModuleBuilder, precision: Precision): void {
  const f = module.addFunction([i32, i32, i32, f64], [], `axpy_${precision}`);
  const alpha = splat(f, 3);
  emitPass(f, precision, [0, 1], 2, [0], (pass) => {
    f.get(pass.value(0)).get(alpha).get(pass.value(1)).op('f64x2.mul').op('f64x2.add').set(pass.result(0));
  });
}

/**
 * `adam_p(...)`: one Adam step, as `adamStep_` in ./loops.ts, rounding where it rounds:
 *
 *   p = round(param * shrink);  g = decay ? round(grad + decay * p) : grad
 *   m = round(round(expAvg * beta1) + oneMinusBeta1 * g)
 *   v = round(round(expAvgSq * beta2) + round(oneMinusBeta2 * g) * g)
 *   second = amsgrad ? (maxExpAvgSq = max(maxExpAvgSq, v)) : v
 *   denom = round(round(round(sqrt(second)) / correction) + eps)
 *   param = p + round(round(step * m) / denom)
 *
 * (`param * shrink` with shrink = 1, where the loop skips the product, is the same value.)
 *
 * In float32, the last two lines run in f32x4 on a whole v128 (`Finish`). Every operation there
 * takes float32 values and is rounded to float32 at once, and for +, -, *, / and sqrt rounding the
 * float64 result of float32 operands to float32 gives the float32 operation's result (float64 has
 * more than twice float32's precision), so the bits are the loop's. The square root and the two
 * divisions, the slow instructions, then run four lanes at a time instead of two. The lines above
 * stay in float64: `oneMinusBeta1 * g` is added unrounded, which float32 arithmetic cannot do.
 */
function emitAdam(module: ModuleBuilder, precision: Precision): void {
  const f = module.addFunction([i32, i32, i32, i32, i32, i32, i32, f64, f64, f64, f64, f64, f64, f64, f64, f64], [], `adam_${precision}`);
  const [param, grad, expAvg, expAvgSq, maxExpAvgSq, bytes, flags] = [0, 1, 2, 3, 4, 5, 6] as const;
  const [shrink, decay, beta1, oneMinusBeta1, beta2, oneMinusBeta2, correction, eps, step] = [7, 8, 9, 10, 11, 12, 13, 14, 15].map((k) => splat(f, k)) as [
    number, number, number, number, number, number, number, number, number,
  ];
  const halves = precision === 'f32' ? 2 : 1;
  const p = Array.from({ length: halves }, () => f.local(v128));
  const second = Array.from({ length: halves }, () => f.local(v128));
  const g = f.local(v128);
  const arrays = [param, grad, expAvg, expAvgSq, maxExpAvgSq];
  const [P, G, M, V, MAX] = [0, 1, 2, 3, 4] as const; // indices into `arrays`
  const m: number[] = [];

  /** Pushes the new parameter, p + round(round(step * m) / denom), from the locals pv (p), mv (m) and sv (second), with `ops` f64x2 or f32x4. */
  const emitParameter = (ops: { mul: PlainOp; div: PlainOp; add: PlainOp; sqrt: PlainOp }, round: () => void, k: { step: number; correction: number; eps: number }, pv: number, mv: number, sv: number): void => {
    f.get(pv);
    f.get(k.step).get(mv).op(ops.mul);
    round();
    f.get(sv).op(ops.sqrt);
    round();
    f.get(k.correction).op(ops.div);
    round();
    f.get(k.eps).op(ops.add);
    round();
    f.op(ops.div);
    round();
    f.op(ops.add);
  };
  const F64X2 = { mul: 'f64x2.mul', div: 'f64x2.div', add: 'f64x2.add', sqrt: 'f64x2.sqrt' } as const;
  const F32X4 = { mul: 'f32x4.mul', div: 'f32x4.div', add: 'f32x4.add', sqrt: 'f32x4.sqrt' } as const;

  const body = ({ half, value, result, round }: Pass): void => {
    f.get(value(P)).get(shrink).op('f64x2.mul');
    round();
    f.set(p[half]!);
    f.get(value(G)).set(g);
    emitDecay(f, flags, ADAM_DECAY, g, decay, p[half]!, round);
    // m
    f.get(value(M)).get(beta1).op('f64x2.mul');
    round();
    f.get(oneMinusBeta1).get(g).op('f64x2.mul').op('f64x2.add');
    round();
    f.set(result(M));
    m[half] = result(M);
    // v
    emitSquareAverage(f, value(V), beta2, oneMinusBeta2, g, round);
    f.tee(result(V)).set(second[half]!);
    f.get(flags).i32(ADAM_AMSGRAD).op('i32.and').if();
    f.get(value(MAX)).get(second[half]!).op('f64x2.max').tee(second[half]!).set(result(MAX));
    f.end();
    // denom, then the parameter (float64 only: float32 finishes in f32x4).
    if (precision === 'f64') {
      emitParameter(F64X2, round, { step, correction, eps }, p[half]!, result(M), second[half]!);
      f.set(result(P));
    }
  };

  let finish: Finish | null = null;
  if (precision === 'f32') {
    // The constants as f32x4 (their values are float32 already), and the halves packed into v128s.
    const [step32, correction32, eps32] = [15, 13, 14].map((k) => {
      const local = f.local(v128);
      f.get(k).op('f32.demote_f64').op('f32x4.splat').set(local);
      return local;
    }) as [number, number, number];
    const [p32, m32, second32, result32] = [f.local(v128), f.local(v128), f.local(v128), f.local(v128)];
    const pack = (pair: readonly number[], into: number): void => {
      f.get(pair[0]!).op('f32x4.demote_f64x2_zero').get(pair[1]!).op('f32x4.demote_f64x2_zero').shuffle(LOW_HALVES).set(into);
    };
    finish = {
      array: param,
      result: result32,
      emit: () => {
        pack(p, p32);
        pack(m, m32);
        pack(second, second32);
        emitParameter(F32X4, () => {}, { step: step32, correction: correction32, eps: eps32 }, p32, m32, second32);
        f.set(result32);
      },
    };
  }
  emitPass(f, precision, arrays, bytes, [param, expAvg, expAvgSq, maxExpAvgSq], body, { arrays: new Map([[maxExpAvgSq, ADAM_AMSGRAD]]), flags }, finish);
}

/**
 * Pushes a running average of squares, round(round(average * beta) + round(oneMinusBeta * g) * g),
 * as `mul_` then `addcmul_` round it (Adam's expAvgSq, RMSprop's squareAvg).
 */
function emitSquareAverage(f: FunctionBuilder, average: number, beta: number, oneMinusBeta: number, g: number, round: () => void): void {
  f.get(average).get(beta).op('f64x2.mul');
  round();
  f.get(oneMinusBeta).get(g).op('f64x2.mul');
  round();
  f.get(g).op('f64x2.mul').op('f64x2.add');
  round();
}

/** Adds decay * p to the gradient g (a local) when `flags` has bit `bit`, rounding as the loops do. */
function emitDecay(f: FunctionBuilder, flags: number, bit: number, g: number, decay: number, p: number, round: () => void): void {
  f.get(flags).i32(bit).op('i32.and').if();
  f.get(g).get(decay).get(p).op('f64x2.mul').op('f64x2.add');
  round();
  f.set(g);
  f.end();
}

/**
 * `rmsprop_p(...)`: one RMSprop step, as `rmspropStep_` in ./loops.ts, rounding where it rounds:
 *
 *   g = decay ? round(grad + decay * param) : grad
 *   squareAvg = round(round(squareAvg * alpha) + round(oneMinusAlpha * g) * g);  avg = squareAvg
 *   centered: gradAvg = round(round(gradAvg * alpha) + oneMinusAlpha * g);  avg = round(avg + -gradAvg * gradAvg)
 *   avg = round(round(sqrt(avg)) + eps)
 *   momentum: buf = round(round(buf * momentum) + round(g / avg));  param = param + step * buf
 *   else:     param = param + round(round(step * g) / avg)
 *
 * (the last sums rounded by the store), all in float64.
 */
function emitRmsprop(module: ModuleBuilder, precision: Precision): void {
  const f = module.addFunction([i32, i32, i32, i32, i32, i32, i32, f64, f64, f64, f64, f64, f64], [], `rmsprop_${precision}`);
  const [param, grad, squareAvg, gradAvg, momentumBuffer, bytes, flags] = [0, 1, 2, 3, 4, 5, 6] as const;
  const [decay, alpha, oneMinusAlpha, eps, momentum, step] = [7, 8, 9, 10, 11, 12].map((k) => splat(f, k)) as [number, number, number, number, number, number];
  const g = f.local(v128);
  const avg = f.local(v128);
  const [P, G, SQUARE, AVERAGE, BUFFER] = [0, 1, 2, 3, 4] as const; // indices into the arrays
  emitPass(
    f, precision, [param, grad, squareAvg, gradAvg, momentumBuffer], bytes, [param, squareAvg, gradAvg, momentumBuffer],
    ({ value, result, round }) => {
      f.get(value(G)).set(g);
      emitDecay(f, flags, RMSPROP_DECAY, g, decay, value(P), round);
      emitSquareAverage(f, value(SQUARE), alpha, oneMinusAlpha, g, round);
      f.tee(result(SQUARE)).set(avg);
      f.get(flags).i32(RMSPROP_CENTERED).op('i32.and').if();
      f.get(value(AVERAGE)).get(alpha).op('f64x2.mul');
      round();
      f.get(oneMinusAlpha).get(g).op('f64x2.mul').op('f64x2.add');
      round();
      f.set(result(AVERAGE));
      f.get(avg).get(result(AVERAGE)).op('f64x2.neg').get(result(AVERAGE)).op('f64x2.mul').op('f64x2.add');
      round();
      f.set(avg);
      f.end();
      f.get(avg).op('f64x2.sqrt');
      round();
      f.get(eps).op('f64x2.add');
      round();
      f.set(avg);
      f.get(flags).i32(RMSPROP_MOMENTUM).op('i32.and').if();
      f.get(value(BUFFER)).get(momentum).op('f64x2.mul');
      round();
      f.get(g).get(avg).op('f64x2.div');
      round();
      f.op('f64x2.add');
      round();
      f.set(result(BUFFER));
      f.get(value(P)).get(step).get(result(BUFFER)).op('f64x2.mul').op('f64x2.add').set(result(P));
      f.else();
      f.get(value(P)).get(step).get(g).op('f64x2.mul');
      round();
      f.get(avg).op('f64x2.div');
      round();
      f.op('f64x2.add').set(result(P));
      f.end();
    },
    { arrays: new Map([[gradAvg, RMSPROP_CENTERED], [momentumBuffer, RMSPROP_MOMENTUM]]), flags },
  );
}

/**
 * `adagrad_p(...)`: one Adagrad step, as `adagradStep_` in ./loops.ts, rounding where it rounds:
 *
 *   g = decay ? round(grad + decay * param) : grad;  sum = round(sum + g * g)
 *   param = param + round(round(step * g) / round(round(sqrt(sum)) + eps))
 *
 */
function emitAdagrad(module: ModuleBuilder, precision: Precision): void {
  const f = module.addFunction([i32, i32, i32, i32, i32, f64, f64, f64], [], `adagrad_${precision}`);
  const [param, grad, sum, bytes, flags] = [0, 1, 2, 3, 4] as const;
  const [decay, eps, step] = [5, 6, 7].map((k) => splat(f, k)) as [number, number, number];
  const g = f.local(v128);
  const [P, G, SUM] = [0, 1, 2] as const;
  emitPass(f, precision, [param, grad, sum], bytes, [param, sum], ({ value, result, round }) => {
    f.get(value(G)).set(g);
    emitDecay(f, flags, ADAGRAD_DECAY, g, decay, value(P), round);
    f.get(value(SUM)).get(g).get(g).op('f64x2.mul').op('f64x2.add');
    round();
    f.set(result(SUM));
    f.get(value(P)).get(step).get(g).op('f64x2.mul');
    round();
    f.get(result(SUM)).op('f64x2.sqrt');
    round();
    f.get(eps).op('f64x2.add');
    round();
    f.op('f64x2.div');
    round();
    f.op('f64x2.add').set(result(P));
  });
}
