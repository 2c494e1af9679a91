/**
 * The WebAssembly SIMD module of the LSTM gate loops on float32 storage (./lstm-wasm.ts runs it):
 * the arithmetic of `lstmStepForward` and `lstmStepBackward` (./lstm.ts) in float32 on four lanes,
 * four units at a time, as PyTorch's CPU kernels and XNNPACK compute float32 gates. The JavaScript
 * loop computes each value in float64 and rounds it once; here every operation rounds to float32,
 * so results differ from the loop's by a few float32 ulps (tested within 8 ulps, or 2^-24 absolute
 * near zero, in lstm-wasm.test.ts). Four float32 lanes do twice the work of the two float64 lanes
 * this module first used, and that version's gates took a fifth of an LSTM training step.
 *
 * gates(xp, hp, c, out, batch, hidden): byte addresses of the step's input projection and recurrent
 * product (row-major [N, 4H], gates i | f | g | o), the previous cell (row-major [N, H]) and the
 * output, six [N, H] planes h, c, i, f, g, o one after another; `hidden` a multiple of 4.
 *
 * exp(x) = 2^n e^r with n = round(x log2 e) and r = x - n ln 2 (ln 2 in two parts, Cephes' split,
 * so that n times the first part is exact), e^r - 1 by its Taylor series to r^7 (truncation below
 * 6e-9 relative for |r| <= ln 2 / 2), and 2^n built from its bits. x is clamped to [-87.3, 89]
 * first: 2^n stays a normal float below, and is Infinity above 88.4 (so that sigmoid(-Infinity) is
 * 0). tanh(x) = E / (E + 2) with E = e^(2|x|) - 1 computed as 2^n (e^r - 1) + (2^n - 1), with no
 * cancellation for small |x|, and x's sign; 2|x| is clamped to 88.3, where tanh is 1 in float32.
 * NaN stays NaN throughout (min, max and the arithmetic pass it on).
 */
import { ModuleBuilder, ValType, type FunctionBuilder } from '@nn/autograd/wasm';

/** Cephes' ln 2 in two parts: the first has 9 significant bits, so n * LN2_HIGH is exact for |n| <= 2^15. */
const LN2_HIGH = 0.693359375;
const LN2_LOW = -2.12194440e-4;

/** Scratch v128 locals the activations use. */
interface Scratch {
  readonly n: number;
  readonly r: number;
  readonly p: number;
}

/** Pushes splat(value) as f32x4. */
const splat = (f: FunctionBuilder, value: number): FunctionBuilder => f.f32(value).op('f32x4.splat');

/**
 * Leaves e^r - 1 in `s.p` and 2^n (as f32x4) in `s.n`, for the f32x4 in local `x` (clamped here to
 * [low, high]): see the header.
 */
function emitExpParts(f: FunctionBuilder, x: number, low: number, high: number, s: Scratch): void {
  f.get(x); splat(f, high).op('f32x4.min'); splat(f, low).op('f32x4.max').set(s.r);
  f.get(s.r); splat(f, Math.LOG2E).op('f32x4.mul').op('f32x4.nearest').set(s.n);
  f.get(s.r).get(s.n); splat(f, LN2_HIGH).op('f32x4.mul').op('f32x4.sub');
  f.get(s.n); splat(f, LN2_LOW).op('f32x4.mul').op('f32x4.sub').set(s.r);
  // p = r (1 + r (1/2 + r (1/6 + r (1/24 + r (1/120 + r (1/720 + r / 5040)))))).
  const coefficients = [1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720];
  f.get(s.r); splat(f, 1 / 5040).op('f32x4.mul');
  for (let k = coefficients.length - 1; k >= 0; k--) {
    splat(f, coefficients[k]!).op('f32x4.add');
    f.get(s.r).op('f32x4.mul');
  }
  f.set(s.p);
  // 2^n: (n + 127) << 23 as the bits of a float32 (n = 128 gives Infinity's bits).
  f.get(s.n).op('i32x4.trunc_sat_f32x4_s').i32(127).op('i32x4.splat').op('i32x4.add').i32(23).op('i32x4.shl').set(s.n);
}

/** Emits sigmoid of local `v` into local `out`: 1 / (1 + e^-v). */
function emitSigmoid(f: FunctionBuilder, v: number, out: number, s: Scratch): void {
  f.get(v).op('f32x4.neg').set(out);
  emitExpParts(f, out, -87.3, 89, s);
  // 1 / (1 + e^x) with e^x = 2^n (1 + p).
  splat(f, 1); splat(f, 1); splat(f, 1); f.get(s.p).op('f32x4.add').get(s.n).op('f32x4.mul').op('f32x4.add');
  f.op('f32x4.div').set(out);
}

/** Emits tanh of local `x` into local `out` (`t` a scratch local other than `x`). */
function emitTanh(f: FunctionBuilder, x: number, out: number, t: number, s: Scratch): void {
  f.get(x).op('f32x4.abs').get(x).op('f32x4.abs').op('f32x4.add').set(t); // 2|x|, exact
  emitExpParts(f, t, 0, 88.3, s);
  // E = 2^n p + (2^n - 1); tanh|x| = E / (E + 2); then x's sign bit.
  f.get(s.n).get(s.p).op('f32x4.mul').get(s.n); splat(f, 1).op('f32x4.sub').op('f32x4.add').set(t);
  f.get(t).get(t); splat(f, 2).op('f32x4.add').op('f32x4.div');
  f.get(x); splat(f, -0).op('v128.and').op('v128.or').set(out);
}

/** The module's bytes: two exported functions, `gates` and `gates_backward`. */
export function lstmGatesModule(): Uint8Array {
  const module = new ModuleBuilder().importMemory('env', 'memory', 1);
  emitForward(module);
  emitBackward(module);
  return module.toBytes();
}

/** The loops over rows n and groups of four units (`unit` their byte offset in a row of H), around `body`. */
function emitUnitLoops(f: FunctionBuilder, batch: number, hidden: number, locals: { n: number; jb: number; rowBytes: number }, body: () => void, nextRow: () => void): void {
  const { n, jb, rowBytes } = locals;
  f.get(hidden).i32(4).op('i32.mul').set(rowBytes);
  f.i32(0).set(n);
  f.loop(); // rows n
  f.i32(0).set(jb);
  f.loop(); // units j .. j + 3
  body();
  f.get(jb).i32(16).op('i32.add').tee(jb).get(rowBytes).op('i32.lt_u').brIf(0);
  f.end();
  nextRow();
  f.get(n).i32(1).op('i32.add').tee(n).get(batch).op('i32.lt_u').brIf(0);
  f.end();
}

/** `gates`: the forward step (see the header). */
function emitForward(module: ModuleBuilder): void {
  const f = module.addFunction([ValType.i32, ValType.i32, ValType.i32, ValType.i32, ValType.i32, ValType.i32], [], 'gates');
  const [xp, hp, c, out, batch, hidden] = [0, 1, 2, 3, 4, 5] as const;
  const i32 = (): number => f.local(ValType.i32);
  const [n, jb, rowBytes, planeBytes, u] = [i32(), i32(), i32(), i32(), i32()];
  const v = (): number => f.local(ValType.v128);
  const [gi, gf, gg, go, cs, t] = [v(), v(), v(), v(), v(), v()];
  const s: Scratch = { n: v(), r: v(), p: v() };

  /** Pushes the address of gate k's four values in the row at local `base` (xp or hp). */
  const gate = (base: number, k: number): void => {
    f.get(base).get(jb).op('i32.add');
    if (k > 0) f.get(rowBytes).i32(k).op('i32.mul').op('i32.add');
  };
  /** local `dst` = xp + hp for gate k. */
  const preActivation = (k: number, dst: number): void => {
    gate(xp, k); f.mem('v128.load');
    gate(hp, k); f.mem('v128.load');
    f.op('f32x4.add').set(dst);
  };
  /** Stores local `value` into output plane k at unit offset u. */
  const store = (k: number, value: number): void => {
    f.get(out).get(u).op('i32.add');
    if (k > 0) f.get(planeBytes).i32(k).op('i32.mul').op('i32.add');
    f.get(value).mem('v128.store');
  };

  f.get(batch).get(hidden).op('i32.mul').i32(4).op('i32.mul').set(planeBytes);
  f.i32(0).set(u);
  emitUnitLoops(f, batch, hidden, { n, jb, rowBytes }, () => {
    preActivation(0, gi); emitSigmoid(f, gi, gi, s);
    preActivation(1, gf); emitSigmoid(f, gf, gf, s);
    preActivation(2, gg); emitTanh(f, gg, gg, t, s);
    preActivation(3, go); emitSigmoid(f, go, go, s);
    store(2, gi); store(3, gf); store(4, gg); store(5, go);
    // c' = f c + i g; h' = o tanh(c').
    f.get(gf).get(c).get(u).op('i32.add').mem('v128.load').op('f32x4.mul');
    f.get(gi).get(gg).op('f32x4.mul').op('f32x4.add').set(cs);
    store(1, cs);
    emitTanh(f, cs, t, t, s);
    f.get(go).get(t).op('f32x4.mul').set(t);
    store(0, t);
    f.get(u).i32(16).op('i32.add').set(u);
  }, () => {
    // Next row: xp and hp advance by 4H floats; u already advanced by H.
    f.get(xp).get(rowBytes).i32(4).op('i32.mul').op('i32.add').set(xp);
    f.get(hp).get(rowBytes).i32(4).op('i32.mul').op('i32.add').set(hp);
  });
}

/**
 * `gates_backward(y, gy, dh, dc, c, dpre, batch, hidden)`: the backward step as `lstmStepBackward`.
 * `y` and `gy` are six [N, H] planes h, c, i, f, g, o each (the step's, one after another), `dh` the
 * gradient reaching h' (zeros for none: the loop adds 0 then too), `dc` that reaching c', replaced by
 * the previous c's, `c` the previous c, all [N, H]; writes `dpre` [N, 4H].
 */
function emitBackward(module: ModuleBuilder): void {
  const f = module.addFunction([ValType.i32, ValType.i32, ValType.i32, ValType.i32, ValType.i32, ValType.i32, ValType.i32, ValType.i32], [], 'gates_backward');
  const [y, gy, dh, dc, c, dpre, batch, hidden] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
  const i32 = (): number => f.local(ValType.i32);
  const [n, jb, rowBytes, planeBytes, u, d] = [i32(), i32(), i32(), i32(), i32(), i32()];
  const v = (): number => f.local(ValType.v128);
  const [gi, gf, gg, go, tc, gh, gc, cell, t] = [v(), v(), v(), v(), v(), v(), v(), v(), v()];
  const s: Scratch = { n: v(), r: v(), p: v() };
  /** Pushes the four floats at `base` + u + k planes. */
  const load = (base: number, k: number): void => {
    f.get(base).get(u).op('i32.add');
    if (k > 0) f.get(planeBytes).i32(k).op('i32.mul').op('i32.add');
    f.mem('v128.load');
  };
  /** Stores local `grad` times the gate's derivative (pushed by `derivative`) into gate k of dpre. */
  const storeGate = (k: number, grad: number, derivative: () => void): void => {
    f.get(d);
    if (k > 0) f.get(rowBytes).i32(k).op('i32.mul').op('i32.add');
    f.get(grad);
    derivative();
    f.op('f32x4.mul').mem('v128.store');
  };
  /** Pushes s (1 - s) of plane k's value (a sigmoid's derivative). */
  const sigmoidDerivative = (k: number): void => {
    load(y, k); splat(f, 1); load(y, k); f.op('f32x4.sub').op('f32x4.mul');
  };

  f.get(batch).get(hidden).op('i32.mul').i32(4).op('i32.mul').set(planeBytes);
  f.i32(0).set(u);
  f.get(dpre).set(d);
  emitUnitLoops(f, batch, hidden, { n, jb, rowBytes }, () => {
    load(y, 1); f.set(cell);
    emitTanh(f, cell, tc, t, s);
    // gh = gy_h + dh; gc = (gy_c + dc) + (gh o) (1 - tc^2).
    load(gy, 0); load(dh, 0); f.op('f32x4.add').set(gh);
    load(gy, 1); load(dc, 0); f.op('f32x4.add');
    f.get(gh); load(y, 5); f.op('f32x4.mul'); splat(f, 1).get(tc).get(tc).op('f32x4.mul').op('f32x4.sub').op('f32x4.mul');
    f.op('f32x4.add').set(gc);
    // gi = gc g + gy_i, gf = gc c_prev + gy_f, gg = gc i + gy_g, go = gh tc + gy_o.
    f.get(gc); load(y, 4); f.op('f32x4.mul'); load(gy, 2); f.op('f32x4.add').set(gi);
    f.get(gc); load(c, 0); f.op('f32x4.mul'); load(gy, 3); f.op('f32x4.add').set(gf);
    f.get(gc); load(y, 2); f.op('f32x4.mul'); load(gy, 4); f.op('f32x4.add').set(gg);
    f.get(gh).get(tc).op('f32x4.mul'); load(gy, 5); f.op('f32x4.add').set(go);
    // dc = gc f.
    f.get(dc).get(u).op('i32.add').get(gc); load(y, 3); f.op('f32x4.mul').mem('v128.store');
    storeGate(0, gi, () => sigmoidDerivative(2));
    storeGate(1, gf, () => sigmoidDerivative(3));
    storeGate(2, gg, () => { splat(f, 1); load(y, 4); load(y, 4); f.op('f32x4.mul').op('f32x4.sub'); });
    storeGate(3, go, () => sigmoidDerivative(5));
    f.get(u).i32(16).op('i32.add').set(u);
    f.get(d).i32(16).op('i32.add').set(d);
  }, () => {
    // Next row of dpre: d advanced by H in this row, 3H more.
    f.get(d).get(rowBytes).i32(3).op('i32.mul').op('i32.add').set(d);
  });
}
