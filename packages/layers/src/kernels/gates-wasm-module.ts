/**
 * The WebAssembly SIMD module of the recurrent layers' gate loops on float32 storage (./gates-wasm.ts
 * runs it): the arithmetic of `lstmStepForward`, `lstmStepBackward` (./lstm.ts) and `gruStepForward`
 * (./gru.ts) in float32 on four lanes, four units at a time, as PyTorch's CPU kernels and XNNPACK
 * compute float32 gates. The JavaScript loops compute each value in float64 and round it once; here
 * every operation rounds to float32, so results differ from the loops' by a few float32 ulps of the
 * terms (the bounds are in lstm-wasm.test.ts and gru-wasm.test.ts). Four float32 lanes do twice the
 * work of the two float64 lanes the LSTM's kernels first used, whose gates took a fifth of an LSTM
 * training step. The activations are ./gate-wasm-math.ts's.
 *
 * gates(xp, hp, c, out, batch, hidden): byte addresses of the LSTM step's input projection and
 * recurrent product (row-major [N, 4H], gates i | f | g | o), the previous cell (row-major [N, H])
 * and the output, six [N, H] planes h, c, i, f, g, o one after another.
 *
 * gru_gates(xp, hp, bias, h, out, batch, hidden): the GRU step's input projection and recurrent
 * product (row-major [N, 3H], gates r | z | n, the product without b_hh), b_hh [3H], the previous
 * state (row-major [N, H]) and the output, five [N, H] planes h, r, z, n, hn.
 *
 * `hidden` is a multiple of 4 and `batch` at least 1 in both.
 */
import { ModuleBuilder, ValType, type FunctionBuilder } from '@nn/autograd/wasm';
import { emitSigmoid, emitTanh, splat, type Scratch } from './gate-wasm-math.js';

/** The module's bytes: three exported functions, `gates`, `gates_backward` and `gru_gates`. */
export function gatesModule(): Uint8Array {
  const module = new ModuleBuilder().importMemory('env', 'memory', 1);
  emitForward(module);
  emitBackward(module);
  emitGruForward(module);
  return module.toBytes();
}

/** The loops over rows n and groups of four units (local `jb` their byte offset in a row of H), around `body`. */
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

/**
 * Pushes the byte address local `base` (+ local `offset` unless null) + k times local `stride`:
 * gate k of a row, or plane k of a step.
 */
function pushAddress(f: FunctionBuilder, base: number, offset: number | null, k: number, stride: number): FunctionBuilder {
  f.get(base);
  if (offset !== null) f.get(offset).op('i32.add');
  if (k > 0) f.get(stride).i32(k).op('i32.mul').op('i32.add');
  return f;
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

  /** local `dst` = xp + hp for gate k. */
  const preActivation = (k: number, dst: number): void => {
    pushAddress(f, xp, jb, k, rowBytes).mem('v128.load');
    pushAddress(f, hp, jb, k, rowBytes).mem('v128.load');
    f.op('f32x4.add').set(dst);
  };
  /** Stores local `value` into output plane k at unit offset u. */
  const store = (k: number, value: number): void => {
    pushAddress(f, out, u, k, planeBytes).get(value).mem('v128.store');
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
    pushAddress(f, base, u, k, planeBytes).mem('v128.load');
  };
  /** Stores local `grad` times the gate's derivative (pushed by `derivative`) into gate k of dpre. */
  const storeGate = (k: number, grad: number, derivative: () => void): void => {
    pushAddress(f, d, null, k, rowBytes).get(grad);
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

/** `gru_gates`: the GRU forward step (see the header), PyTorch's equations as `gruStepForward`. */
function emitGruForward(module: ModuleBuilder): void {
  const f = module.addFunction(new Array<ValType>(7).fill(ValType.i32), [], 'gru_gates');
  const [xp, hp, bias, h, out, batch, hidden] = [0, 1, 2, 3, 4, 5, 6] as const;
  const i32 = (): number => f.local(ValType.i32);
  const [n, jb, rowBytes, planeBytes, u] = [i32(), i32(), i32(), i32(), i32()];
  const v = (): number => f.local(ValType.v128);
  const [r, z, hn, gate, t] = [v(), v(), v(), v(), v()];
  const s: Scratch = { n: v(), r: v(), p: v() };
  /** Pushes the four values of gate k at local `base` (a row of xp or hp, or the bias). */
  const load = (base: number, k: number): void => {
    pushAddress(f, base, jb, k, rowBytes).mem('v128.load');
  };
  /** Stores local `value` into output plane k at unit offset u. */
  const store = (k: number, value: number): void => {
    pushAddress(f, out, u, k, planeBytes).get(value).mem('v128.store');
  };

  f.get(batch).get(hidden).op('i32.mul').i32(4).op('i32.mul').set(planeBytes);
  f.i32(0).set(u);
  emitUnitLoops(f, batch, hidden, { n, jb, rowBytes }, () => {
    // r = sigmoid(x_r + (h_r + b_r)), z likewise; hn = h_n + b_n.
    load(xp, 0); load(hp, 0); load(bias, 0); f.op('f32x4.add').op('f32x4.add').set(r);
    emitSigmoid(f, r, r, s);
    load(xp, 1); load(hp, 1); load(bias, 1); f.op('f32x4.add').op('f32x4.add').set(z);
    emitSigmoid(f, z, z, s);
    load(hp, 2); load(bias, 2); f.op('f32x4.add').set(hn);
    // n = tanh(x_n + r hn); h' = n + z (h - n).
    load(xp, 2); f.get(r).get(hn).op('f32x4.mul').op('f32x4.add').set(gate);
    emitTanh(f, gate, gate, t, s);
    store(1, r); store(2, z); store(3, gate); store(4, hn);
    f.get(gate).get(z).get(h).get(u).op('i32.add').mem('v128.load').get(gate).op('f32x4.sub').op('f32x4.mul').op('f32x4.add').set(t);
    store(0, t);
    f.get(u).i32(16).op('i32.add').set(u);
  }, () => {
    // Next row: xp and hp advance by 3H floats; u already advanced by H.
    f.get(xp).get(rowBytes).i32(3).op('i32.mul').op('i32.add').set(xp);
    f.get(hp).get(rowBytes).i32(3).op('i32.mul').op('i32.add').set(hp);
  });
}
