/**
 * Generates the WebAssembly module behind the element-wise kernels (./elementwise.ts drives it). It
 * imports its memory and exports, for each precision p (f32 and f64, four and two lanes a vector):
 *
 *   <op>_<p>(a, b, out, end, bStep)   binary: add sub mul div, and eq ne lt le gt ge (results 1 / 0)
 *   <op>_<p>(x, out, end)             unary: neg abs sqrt relu square reciprocal
 *   select_<p>(c, a, b, out, end, aStep, bStep)  where: a where c is nonzero, else b (c in precision p)
 *   sum_<p>(x, acc, outer, mid, inner)  sums x, an outer x mid x inner block, over its middle axis
 *   sum_ends_<p>(x, acc, outer, mid, inner)  the same block over its outer and inner axes (a bias's
 *                                     gradient: [N, C, H, W] summed to [C])
 *
 *
 * All arguments are byte addresses in memory but the steps: the bytes an operand advances a vector, 16
 * (an operand of the output's length) or 0 (one value repeated in every lane, such as the 0 of `x > 0`).
 * Each function processes whole vectors from `out` up to `end`, at least one; the caller pads the
 * arrays to whole vectors and ignores the padding in the result.
 *
 * Every op is one IEEE 754 operation on each lane, so a float32 lane gives exactly what JavaScript
 * computes in float64 and rounds to float32 on store (for + - * / and sqrt, rounding twice cannot
 * differ from rounding once), and a float64 lane exactly what JavaScript computes.
 */
import { ModuleBuilder, ValType, type FunctionBuilder, type PlainOp } from './emitter.js';
import type { Arithmetic, Comparison } from '../elementwise.js';

/** The unary ops with a SIMD form (exp, log, tanh, sin and cos have none). */
export type SimdUnary = 'neg' | 'abs' | 'sqrt' | 'relu' | 'square' | 'reciprocal';
export const SIMD_UNARY: readonly SimdUnary[] = ['neg', 'abs', 'sqrt', 'relu', 'square', 'reciprocal'];
export const SIMD_BINARY: readonly (Arithmetic | Comparison)[] = ['add', 'sub', 'mul', 'div', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];

/** Binary kernels as JS sees them (all arguments i32). */
export type BinaryFunction = (a: number, b: number, out: number, end: number, bStep: number) => void;
/** Unary kernels as JS sees them (all arguments i32). */
export type UnaryFunction = (x: number, out: number, end: number) => void;
/** The select kernels as JS sees them (all arguments i32; see `emitSelect`). */
export type SelectFunction = (c: number, a: number, b: number, out: number, end: number, aStep: number, bStep: number) => void;
/** The sum kernels as JS sees them (all arguments i32; see `emitSum`). */
export type SumFunction = (x: number, acc: number, outer: number, mid: number, inner: number) => void;

export const ELEMENTWISE_MEMORY = { module: 'env', name: 'memory' } as const;

type Lanes = 'f32x4' | 'f64x2';

/** The module's bytes; see the header for what it exports. */
export function elementwiseModuleBytes(): Uint8Array {
  const module = new ModuleBuilder().importMemory(ELEMENTWISE_MEMORY.module, ELEMENTWISE_MEMORY.name, 1);
  for (const [precision, lanes] of [['f32', 'f32x4'], ['f64', 'f64x2']] as const) {
    for (const op of SIMD_BINARY) emitBinary(module, `${op}_${precision}`, lanes, op);
    for (const op of SIMD_UNARY) emitUnary(module, `${op}_${precision}`, lanes, op);
    emitSelect(module, `select_${precision}`, lanes);
    emitSum(module, precision);
    emitSumOfEnds(module, precision);
  }
  return module.toBytes();
}

/** Pushes a vector of ones in `lanes`. */
function ones(f: FunctionBuilder, lanes: Lanes): FunctionBuilder {
  return lanes === 'f32x4' ? f.f32(1).op('f32x4.splat') : f.f64(1).op('f64x2.splat');
}

function emitBinary(module: ModuleBuilder, name: string, lanes: Lanes, op: Arithmetic | Comparison): void {
  const i32 = ValType.i32;
  const f = module.addFunction([i32, i32, i32, i32, i32], [], name);
  const [a, b, out, end, bStep] = [0, 1, 2, 3, 4] as const;
  const comparison = op !== 'add' && op !== 'sub' && op !== 'mul' && op !== 'div';
  // Loop order: one vector of each operand per iteration, out walking up to end (tested at the bottom).
  f.loop();
  f.get(out);
  f.get(a).mem('v128.load').get(b).mem('v128.load').op(`${lanes}.${op}` as PlainOp);
  // A comparison gives all-ones lanes where true: keep the bits of 1.0 there, 0.0 elsewhere.
  if (comparison) ones(f, lanes).op('v128.and');
  f.mem('v128.store');
  f.get(a).i32(16).op('i32.add').set(a);
  f.get(b).get(bStep).op('i32.add').set(b);
  f.get(out).i32(16).op('i32.add').tee(out).get(end).op('i32.lt_u').brIf(0);
  f.end();
}

function emitUnary(module: ModuleBuilder, name: string, lanes: Lanes, op: SimdUnary): void {
  const i32 = ValType.i32;
  const f = module.addFunction([i32, i32, i32], [], name);
  const [x, out, end] = [0, 1, 2] as const;
  const value = f.local(ValType.v128);
  f.loop();
  f.get(out);
  f.get(x).mem('v128.load').set(value);
  switch (op) {
    case 'neg':
    case 'abs':
    case 'sqrt':
      f.get(value).op(`${lanes}.${op}`);
      break;
    case 'relu':
      // x <= 0 ? 0 : x, lane by lane, as the scalar rule: NaN compares false, so it passes (as in
      // PyTorch), and -0 gives 0. (max would turn -0 into -0 or 0 depending on the operand order.)
      f.v128Zero().get(value).get(value).v128Zero().op(`${lanes}.le`).op('v128.bitselect');
      break;
    case 'square':
      f.get(value).get(value).op(`${lanes}.mul`);
      break;
    case 'reciprocal':
      ones(f, lanes).get(value).op(`${lanes}.div`);
      break;
  }
  f.mem('v128.store');
  f.get(x).i32(16).op('i32.add').set(x);
  f.get(out).i32(16).op('i32.add').tee(out).get(end).op('i32.lt_u').brIf(0);
  f.end();
}

/**
 * `select_<p>(c, a, b, out, end, aStep, bStep)`: out = c != 0 ? a : b lane by lane, as a bit select
 * on the mask of `ne(c, 0)`: no branch, and every bit of the chosen value is kept (NaN payloads, -0),
 * as the JavaScript loop. A NaN condition is nonzero (true), -0 is zero, as `c !== 0` in JavaScript.
 * The condition advances a vector each step; a and b by their steps (16, or 0 for one value).
 */
function emitSelect(module: ModuleBuilder, name: string, lanes: Lanes): void {
  const i32 = ValType.i32;
  const f = module.addFunction([i32, i32, i32, i32, i32, i32, i32], [], name);
  const [c, a, b, out, end, aStep, bStep] = [0, 1, 2, 3, 4, 5, 6] as const;
  f.loop();
  f.get(out);
  f.get(a).mem('v128.load').get(b).mem('v128.load');
  f.get(c).mem('v128.load').v128Zero().op(`${lanes}.ne`);
  f.op('v128.bitselect').mem('v128.store');
  f.get(c).i32(16).op('i32.add').set(c);
  f.get(a).get(aStep).op('i32.add').set(a);
  f.get(b).get(bStep).op('i32.add').set(b);
  f.get(out).i32(16).op('i32.add').tee(out).get(end).op('i32.lt_u').brIf(0);
  f.end();
}

/** Opens a block, and leaves it at once when any of the locals is 0 (the caller closes it). */
function skipIfAnyZero(f: FunctionBuilder, locals: readonly number[]): void {
  f.block();
  for (const local of locals) f.get(local).op('i32.eqz').brIf(0);
}

/**
 * `sum_<p>(x, acc, outer, mid, inner)`: acc[o, i] += x[o, m, i] for every m, with x (at byte address
 * `x`, in precision p, contiguous) an outer x mid x inner block and acc (at `acc`) outer x inner
 * float64 sums, which the caller zeroes first. Each sum is taken in the JavaScript kernel's order,
 * m = 0, 1, ..., in float64, so the result is its result bit for bit.
 *
 * Loop order: o, then m, then i, so x is read once, in memory order. Along i, two float64 sums at a
 * time (one f64x2; a float32 pair is loaded as 8 bytes and widened), then a scalar loop for an odd
 * last element. With inner = 1 (sums over the trailing axes) only the scalar loop runs.
 */
function emitSum(module: ModuleBuilder, precision: 'f32' | 'f64'): void {
  const i32 = ValType.i32;
  const f = module.addFunction([i32, i32, i32, i32, i32], [], `sum_${precision}`);
  const [x, acc, outer, mid, inner] = [0, 1, 2, 3, 4] as const;
  const bytes = precision === 'f32' ? 4 : 8;
  const rowEnd = f.local(i32); // where acc's current row ends
  const pairsEnd = f.local(i32); // where its whole pairs end
  const m = f.local(i32);
  const p = f.local(i32); // walks acc's row
  skipIfAnyZero(f, [outer, mid, inner]);
  f.loop(); // over o
  {
    f.get(acc).get(inner).i32(8).op('i32.mul').op('i32.add').set(rowEnd);
    f.get(acc).get(inner).i32(-2).op('i32.and').i32(8).op('i32.mul').op('i32.add').set(pairsEnd);
    f.get(mid).set(m);
    f.loop(); // over m: one row of x into acc's row
    {
      f.get(acc).set(p);
      f.block();
      f.get(p).get(pairsEnd).op('i32.eq').brIf(0);
      f.loop(); // pairs
      f.get(p).get(p).mem('v128.load').get(x);
      if (precision === 'f32') f.mem('v128.load64_splat').op('f64x2.promote_low_f32x4');
      else f.mem('v128.load');
      f.op('f64x2.add').mem('v128.store');
      f.get(x).i32(2 * bytes).op('i32.add').set(x);
      f.get(p).i32(16).op('i32.add').tee(p).get(pairsEnd).op('i32.ne').brIf(0);
      f.end();
      f.end();
      f.get(p).get(rowEnd).op('i32.ne').if(); // the odd last element
      f.get(p).get(p).mem('f64.load').get(x);
      if (precision === 'f32') f.mem('f32.load').op('f64.promote_f32');
      else f.mem('f64.load');
      f.op('f64.add').mem('f64.store');
      f.get(x).i32(bytes).op('i32.add').set(x);
      f.end();
      f.get(m).i32(1).op('i32.sub').tee(m).brIf(0);
    }
    f.end();
    f.get(rowEnd).set(acc);
    f.get(outer).i32(1).op('i32.sub').tee(outer).brIf(0);
  }
  f.end();
  f.end();
}

/**
 * `sum_ends_<p>(x, acc, outer, mid, inner)`: acc[m] += x[o, m, i] for every o and i, with x and acc
 * as in `sum_<p>` (acc holds mid float64 sums, zeroed by the caller). Each sum is taken in the
 * JavaScript kernel's order, o = 0, 1, ..., and i = 0, 1, ... within each o, so the result is its
 * result bit for bit.
 *
 * Loop order: o, i, then m, so that the mid sums advance together: each sum is one chain of
 * dependent adds, and running them side by side lets the adds of one overlap those of the others
 * (a single chain waits for each add in turn). x is read with a stride of `inner` along m.
 */
function emitSumOfEnds(module: ModuleBuilder, precision: 'f32' | 'f64'): void {
  const i32 = ValType.i32;
  const f = module.addFunction([i32, i32, i32, i32, i32], [], `sum_ends_${precision}`);
  const [x, acc, outer, mid, inner] = [0, 1, 2, 3, 4] as const;
  const bytes = precision === 'f32' ? 4 : 8;
  const [i, m, at, slot, step] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  skipIfAnyZero(f, [outer, mid, inner]);
  f.get(inner).i32(bytes).op('i32.mul').set(step);
  f.loop(); // over o
  {
    f.i32(0).set(i);
    f.loop(); // over i
    {
      f.get(x).get(i).i32(bytes).op('i32.mul').op('i32.add').set(at);
      f.get(acc).set(slot);
      f.get(mid).set(m);
      f.loop(); // over m
      {
        f.get(slot).get(slot).mem('f64.load').get(at);
        if (precision === 'f32') f.mem('f32.load').op('f64.promote_f32');
        else f.mem('f64.load');
        f.op('f64.add').mem('f64.store');
        f.get(at).get(step).op('i32.add').set(at);
        f.get(slot).i32(8).op('i32.add').set(slot);
        f.get(m).i32(1).op('i32.sub').tee(m).brIf(0);
      }
      f.end();
      f.get(i).i32(1).op('i32.add').tee(i).get(inner).op('i32.lt_u').brIf(0);
    }
    f.end();
    f.get(x).get(mid).get(step).op('i32.mul').op('i32.add').set(x);
    f.get(outer).i32(1).op('i32.sub').tee(outer).brIf(0);
  }
  f.end();
  f.end();
}
