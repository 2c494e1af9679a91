/**
 * The WebAssembly SIMD module of the LSTM forward gate loop on float32 storage (./lstm-wasm.ts runs
 * it): the same arithmetic as `lstmStepForward` with `sigmoid32` and `tanh32` (./lstm.ts,
 * ./gate-math.ts), float64 on two lanes, each value rounded to float32 where the JavaScript loop
 * stores it, so the two give the same float32 results.
 *
 * gates(xp, hp, c, out, batch, hidden): byte addresses of the step's input projection and recurrent
 * product (row-major [N, 4H], gates i | f | g | o), the previous cell (row-major [N, H]) and the
 * output, six [N, H] planes h, c, i, f, g, o one after another; `hidden` even.
 *
 * exp differs from `exp32` only in its clamp: x in [-708, 709] rather than [-745, 710], so that 2^n
 * is a normal float64 built from its bits (there is no table lookup on vectors). Past the clamp the
 * gates are 0, 1 or -1 in float32 either way.
 */
import { ModuleBuilder, ValType, type FunctionBuilder } from '@nn/autograd/wasm';

/** Emits `exp` of the f64x2 in local `x` into local `out`; `n` and `r` are scratch v128 locals. */
function emitExp(f: FunctionBuilder, x: number, out: number, n: number, r: number): void {
  const splat = (v: number): FunctionBuilder => f.f64(v).op('f64x2.splat');
  // x clamped (NaN passes: min and max propagate it), n = round to nearest even of x log2 e.
  f.get(x); splat(709).op('f64x2.min'); splat(-708).op('f64x2.max').set(x);
  f.get(x); splat(Math.LOG2E).op('f64x2.mul').op('f64x2.nearest').set(n);
  // r = (x - n ln2_hi) - n ln2_lo, exact as in exp32.
  f.get(x).get(n); splat(0.6931471803691238).op('f64x2.mul').op('f64x2.sub');
  f.get(n); splat(1.9082149292705877e-10).op('f64x2.mul').op('f64x2.sub').set(r);
  // p = 1 + r (1 + r (1/2 + ... r (1/40320 + r / 362880))), in exp32's order of operations.
  const coefficients = [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040, 1 / 40320];
  f.get(r); splat(362880).op('f64x2.div');
  for (let k = coefficients.length - 1; k >= 0; k--) {
    splat(coefficients[k]!).op('f64x2.add');
    if (k > 0) f.get(r).op('f64x2.mul');
  }
  // Horner leaves c_k + r * (...) with r on the right; multiply by 2^n: (n + 1023) << 52 as bits.
  f.get(n).op('i32x4.trunc_sat_f64x2_s_zero').op('i64x2.extend_low_i32x4_s');
  f.i32(1023).op('i64.extend_i32_s').op('i64x2.splat').op('i64x2.add').i32(52).op('i64x2.shl');
  f.op('f64x2.mul').set(out);
}

/** Emits sigmoid32 of local `v` into local `out`: 1 / (1 + exp(-v)). */
function emitSigmoid(f: FunctionBuilder, v: number, out: number, t: number, n: number, r: number): void {
  f.get(v).op('f64x2.neg').set(t);
  emitExp(f, t, t, n, r);
  f.f64(1).op('f64x2.splat').f64(1).op('f64x2.splat').get(t).op('f64x2.add').op('f64x2.div').set(out);
}

/** Emits tanh32 of local `x` into local `out` (`t` a scratch local other than `x`): 1 - 2 / (exp(2x) + 1), or the odd series below |x| 1e-3. */
function emitTanh(f: FunctionBuilder, x: number, out: number, t: number, n: number, r: number, small: number): void {
  const splat = (v: number): FunctionBuilder => f.f64(v).op('f64x2.splat');
  // small = x (1 - x^2 (1/3 - x^2 (2/15))), with t = x^2 for a moment.
  f.get(x).get(x).op('f64x2.mul').set(t);
  f.get(x); splat(1).get(t); splat(1 / 3).get(t); splat(2 / 15).op('f64x2.mul').op('f64x2.sub').op('f64x2.mul').op('f64x2.sub').op('f64x2.mul').set(small);
  f.get(x).get(x).op('f64x2.add').set(t); // 2x, exact
  emitExp(f, t, t, n, r);
  splat(1); splat(2).get(t); splat(1).op('f64x2.add').op('f64x2.div').op('f64x2.sub');
  // bitselect takes its first operand's bits where the mask is set.
  f.set(t).get(small).get(t).get(x).op('f64x2.abs'); splat(1e-3).op('f64x2.lt').op('v128.bitselect').set(out);
}

/** Rounds the f64x2 in local `v` to float32 and back (what storing and reading a float32 does). */
function emitRound(f: FunctionBuilder, v: number): void {
  f.get(v).op('f32x4.demote_f64x2_zero').op('f64x2.promote_low_f32x4').set(v);
}

/** The module's bytes: two exported functions, `gates` and `gates_backward`. */
export function lstmGatesModule(): Uint8Array {
  const module = new ModuleBuilder().importMemory('env', 'memory', 1);
  emitForward(module);
  emitBackward(module);
  return module.toBytes();
}

/** `gates`: the forward step (see the header). */
function emitForward(module: ModuleBuilder): void {
  const f = module.addFunction([ValType.i32, ValType.i32, ValType.i32, ValType.i32, ValType.i32, ValType.i32], [], 'gates');
  const [xp, hp, c, out, batch, hidden] = [0, 1, 2, 3, 4, 5] as const;
  const i32 = (): number => f.local(ValType.i32);
  const [n, jb, gw, ps, p, q, u] = [i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  const v = (): number => f.local(ValType.v128);
  const [gi, gf, gg, go, cs, t, nn, r, small] = [v(), v(), v(), v(), v(), v(), v(), v(), v()];

  /** Pushes the two float32 at address local `a` + `k` gate widths, as f64x2. */
  const load = (a: number, k: number): void => {
    f.get(a);
    if (k > 0) f.get(gw).i32(k).op('i32.mul').op('i32.add');
    f.mem('v128.load64_splat').op('f64x2.promote_low_f32x4');
  };
  /** Stores local `value` (already float32-exact) as two float32 into output plane `k` at unit u. */
  const store = (k: number, value: number): void => {
    f.get(out).get(u).op('i32.add');
    if (k > 0) f.get(ps).i32(k).op('i32.mul').op('i32.add');
    f.get(value).op('f32x4.demote_f64x2_zero').extractF64(0).mem('f64.store');
  };
  /** local `dst` = pre-activation of gate k: xp + hp. */
  const pre = (k: number, dst: number): void => {
    load(p, k); load(q, k); f.op('f64x2.add').set(dst);
  };

  f.get(hidden).i32(4).op('i32.mul').set(gw);
  f.get(batch).get(gw).op('i32.mul').set(ps);
  f.i32(0).set(n);
  f.i32(0).set(u);
  f.loop(); // rows n
  f.i32(0).set(jb);
  f.loop(); // pairs of units j, j + 1 (jb their byte offset in a row of H)
  f.get(xp).get(jb).op('i32.add').set(p);
  f.get(hp).get(jb).op('i32.add').set(q);
  pre(0, gi); emitSigmoid(f, gi, gi, t, nn, r); emitRound(f, gi);
  pre(1, gf); emitSigmoid(f, gf, gf, t, nn, r); emitRound(f, gf);
  pre(3, go);
  pre(2, gg); emitTanh(f, gg, gg, t, nn, r, small); emitRound(f, gg);
  emitSigmoid(f, go, go, t, nn, r); emitRound(f, go);
  store(2, gi); store(3, gf); store(4, gg); store(5, go);
  // c' = f c + i g, rounded; h' = o tanh(c'), rounded by the store.
  f.get(gf).get(c).get(u).op('i32.add').mem('v128.load64_splat').op('f64x2.promote_low_f32x4').op('f64x2.mul');
  f.get(gi).get(gg).op('f64x2.mul').op('f64x2.add').set(cs);
  emitRound(f, cs);
  store(1, cs);
  emitTanh(f, cs, t, t, nn, r, small);
  f.get(go).get(t).op('f64x2.mul').set(t);
  store(0, t);
  f.get(u).i32(8).op('i32.add').set(u);
  f.get(jb).i32(8).op('i32.add').tee(jb).get(gw).op('i32.lt_u').brIf(0);
  f.end();
  // Next row: xp and hp advance by 4H floats; u already advanced by H.
  f.get(xp).get(gw).i32(4).op('i32.mul').op('i32.add').set(xp);
  f.get(hp).get(gw).i32(4).op('i32.mul').op('i32.add').set(hp);
  f.get(n).i32(1).op('i32.add').tee(n).get(batch).op('i32.lt_u').brIf(0);
  f.end();
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
  const [n, jb, gw, ps, u, d] = [i32(), i32(), i32(), i32(), i32(), i32()];
  const v = (): number => f.local(ValType.v128);
  const [gi, gf, gg, go, tc, gh, gc, t, nn, r, small] = [v(), v(), v(), v(), v(), v(), v(), v(), v(), v(), v()];
  const splat = (value: number): FunctionBuilder => f.f64(value).op('f64x2.splat');
  /** Pushes the two float32 at `base` + u + k planes, as f64x2. */
  const load = (base: number, k: number): void => {
    f.get(base).get(u).op('i32.add');
    if (k > 0) f.get(ps).i32(k).op('i32.mul').op('i32.add');
    f.mem('v128.load64_splat').op('f64x2.promote_low_f32x4');
  };
  /** Stores the f64x2 on the stack as two float32 at the address under it. */
  const store = (): void => {
    f.op('f32x4.demote_f64x2_zero').extractF64(0).mem('f64.store');
  };
  /** Stores local `grad` times the gate's derivative (pushed by `derivative`) into gate k of dpre. */
  const storeGate = (k: number, grad: number, derivative: () => void): void => {
    f.get(d);
    if (k > 0) f.get(gw).i32(k).op('i32.mul').op('i32.add');
    f.get(grad);
    derivative();
    f.op('f64x2.mul');
    store();
  };
  /** Pushes s (1 - s) of plane k's value (a sigmoid's derivative). */
  const sigmoidDerivative = (k: number): void => {
    load(y, k); splat(1); load(y, k); f.op('f64x2.sub').op('f64x2.mul');
  };

  f.get(hidden).i32(4).op('i32.mul').set(gw);
  f.get(batch).get(gw).op('i32.mul').set(ps);
  f.i32(0).set(n);
  f.i32(0).set(u);
  f.get(dpre).set(d);
  f.loop(); // rows n
  f.i32(0).set(jb);
  f.loop(); // pairs of units
  load(y, 1); f.set(gi); // the cell, for a moment
  emitTanh(f, gi, tc, t, nn, r, small);
  // gh = gy_h + dh; gc = (gy_c + dc) + (gh o) (1 - tc^2).
  load(gy, 0); load(dh, 0); f.op('f64x2.add').set(gh);
  load(gy, 1); load(dc, 0); f.op('f64x2.add');
  f.get(gh); load(y, 5); f.op('f64x2.mul'); splat(1).get(tc).get(tc).op('f64x2.mul').op('f64x2.sub').op('f64x2.mul');
  f.op('f64x2.add').set(gc);
  // gi = gc g + gy_i, gf = gc c_prev + gy_f, gg = gc i + gy_g, go = gh tc + gy_o.
  f.get(gc); load(y, 4); f.op('f64x2.mul'); load(gy, 2); f.op('f64x2.add').set(gi);
  f.get(gc); load(c, 0); f.op('f64x2.mul'); load(gy, 3); f.op('f64x2.add').set(gf);
  f.get(gc); load(y, 2); f.op('f64x2.mul'); load(gy, 4); f.op('f64x2.add').set(gg);
  f.get(gh).get(tc).op('f64x2.mul'); load(gy, 5); f.op('f64x2.add').set(go);
  // dc = gc f.
  f.get(dc).get(u).op('i32.add').get(gc); load(y, 3); f.op('f64x2.mul'); store();
  storeGate(0, gi, () => sigmoidDerivative(2));
  storeGate(1, gf, () => sigmoidDerivative(3));
  storeGate(2, gg, () => { splat(1); load(y, 4); load(y, 4); f.op('f64x2.mul').op('f64x2.sub'); });
  storeGate(3, go, () => sigmoidDerivative(5));
  f.get(u).i32(8).op('i32.add').set(u);
  f.get(d).i32(8).op('i32.add').set(d);
  f.get(jb).i32(8).op('i32.add').tee(jb).get(gw).op('i32.lt_u').brIf(0);
  f.end();
  // Next row of dpre: d advanced by H in this row, 3H more.
  f.get(d).get(gw).i32(3).op('i32.mul').op('i32.add').set(d);
  f.get(n).i32(1).op('i32.add').tee(n).get(batch).op('i32.lt_u').brIf(0);
  f.end();
}
