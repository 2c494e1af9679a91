/**
 * The optimizer kernels on WebAssembly SIMD: the module of ./wasm-module.ts on a memory of its own.
 *
 * Each call copies its arrays in (one native `TypedArray.set` each), runs one pass over them and
 * copies back the arrays it changed. That pays because V8's loops over typed arrays are slow: on the
 * benchmark machine `add_` over 200,704 float32 elements took 1.23 ms in JavaScript and 0.23 ms
 * here, copies included, and the fused Adam step about 24 ns an element against 9. Small arrays stay in
 * JavaScript (see ./index.ts), where the fixed cost of a call would dominate.
 *
 * Large arrays go through a chunk at a time (see `runChunked`), so the memory stays small.
 * Every function returns false, having done nothing, where WebAssembly SIMD is missing.
 */
import type { Storage } from '@nn/autograd';
import { copyOutOffset, instantiateOwnMemory, type KernelInstance } from '@nn/autograd/wasm';
import { adamConstants, scalar, type AdagradCoefficients, type AdamCoefficients, type RmspropCoefficients } from './loops.js';
import {
  ADAGRAD_DECAY, ADAM_AMSGRAD, ADAM_DECAY, optimModuleBytes, RMSPROP_CENTERED, RMSPROP_DECAY, RMSPROP_MOMENTUM,
  type AdagradFunction, type AdamFunction, type AxpyFunction, type Precision, type RmspropFunction, type ScaleFunction,
} from './wasm-module.js';

/** The module's functions by precision, found in one instance's exports. */
interface Functions {
  readonly scale: Record<Precision, ScaleFunction>;
  readonly axpy: Record<Precision, AxpyFunction>;
  readonly adam: Record<Precision, AdamFunction>;
  readonly rmsprop: Record<Precision, RmspropFunction>;
  readonly adagrad: Record<Precision, AdagradFunction>;
}

function functionsOf(exports: Record<string, unknown>): Functions {
  const both = <F>(name: string): Record<Precision, F> => ({ f32: exports[`${name}_f32`] as F, f64: exports[`${name}_f64`] as F });
  return { scale: both('scale'), axpy: both('axpy'), adam: both('adam'), rmsprop: both('rmsprop'), adagrad: both('adagrad') };
}

/** undefined: not tried yet; null: tried, and WebAssembly SIMD is not available. */
let instance: KernelInstance | null | undefined;

/** The module and its memory, compiled on first use (synchronously: the module is under 4 KiB). */
function optimInstance(): KernelInstance | null {
  if (instance === undefined) instance = instantiateOwnMemory(optimModuleBytes());
  return instance;
}

/** The functions of the instance as it is now (enlarging its memory in `view` makes a new one). */
const current = (rt: KernelInstance): Functions => rt.functions(functionsOf);

/**
 * Stages `arrays` (all of `arrays[0]`'s dtype and length) one after another in memory, each padded
 * to whole v128s and starting 2 KiB into a page (they are copied back out: see `copyOutOffset`), and
 * returns their byte addresses, the padded length in bytes and the view used.
 */
function stage(rt: KernelInstance, arrays: readonly Storage[], kernel: string): { at: number[]; bytes: number; view: Storage } {
  const first = arrays[0]!;
  const bytes = Math.ceil((first.length * first.BYTES_PER_ELEMENT) / 16) * 16;
  const stride = Math.ceil(bytes / 4096) * 4096;
  const at = arrays.map((_, k) => copyOutOffset(0) + k * stride);
  const view = rt.view(first, at[arrays.length - 1]! + bytes, kernel);
  arrays.forEach((array, k) => view.set(array, at[k]! / first.BYTES_PER_ELEMENT));
  return { at, bytes, view };
}

/** Copies the staged array at byte address `at` back into `into`. */
function copyBack(into: Storage, view: Storage, at: number): void {
  const start = at / into.BYTES_PER_ELEMENT;
  into.set(view.subarray(start, start + into.length));
}

/**
 * Elements of each array staged at a time. Five float64 arrays of this length take 640 KiB, about an
 * L2 cache, and the memory stays that small however large the parameter (it never shrinks).
 */
const CHUNK = 16384;

/**
 * Runs `kernel` over `arrays` (all of the first one's dtype and length) a chunk at a time: each
 * chunk staged, `kernel(at, bytes, functions)` called with the staged byte addresses, the padded
 * length and the module's functions (current after staging, which may enlarge the memory), and the
 * arrays whose indices are in `changed` copied back.
 */
function runChunked(
  rt: KernelInstance, arrays: readonly Storage[], changed: readonly number[], name: string, kernel: (at: number[], bytes: number, functions: Functions) => void,
): void {
  const length = arrays[0]!.length;
  for (let start = 0; start < length; start += CHUNK) {
    const end = Math.min(length, start + CHUNK);
    const parts = start === 0 && end === length ? arrays : arrays.map((array) => array.subarray(start, end));
    const { at, bytes, view } = stage(rt, parts, name);
    kernel(at, bytes, current(rt));
    for (const k of changed) copyBack(parts[k]!, view, at[k]!);
  }
}

const precisionOf = (x: Storage): Precision => (x instanceof Float64Array ? 'f64' : 'f32');

/** `x = x * s`; see `mul_`. */
export function scaleWasm(x: Storage, s: number): boolean {
  const rt = optimInstance();
  if (rt === null) return false;
  const c = scalar(x, s);
  runChunked(rt, [x], [0], 'mul_', (at, bytes, fns) => fns.scale[precisionOf(x)](at[0]!, bytes, c));
  return true;
}

/** `x = x + alpha * y` (y of x's dtype and length); see `add_`. */
export function axpyWasm(x: Storage, y: Storage, alpha: number): boolean {
  const rt = optimInstance();
  if (rt === null) return false;
  const a = scalar(x, alpha);
  runChunked(rt, [x, y], [0], 'add_', (at, bytes, fns) => fns.axpy[precisionOf(x)](at[0]!, at[1]!, bytes, a));
  return true;
}

/** One Adam step (see `adamStep_`), every array of param's dtype and length. */
export function adamWasm(param: Storage, grad: Storage, expAvg: Storage, expAvgSq: Storage, maxExpAvgSq: Storage | null, k: AdamCoefficients): boolean {
  const rt = optimInstance();
  if (rt === null) return false;
  const c = adamConstants(param, k);
  const flags = (c.decay !== 0 ? ADAM_DECAY : 0) | (maxExpAvgSq !== null ? ADAM_AMSGRAD : 0);
  const arrays = maxExpAvgSq === null ? [param, grad, expAvg, expAvgSq] : [param, grad, expAvg, expAvgSq, maxExpAvgSq];
  const changed = maxExpAvgSq === null ? [0, 2, 3] : [0, 2, 3, 4];
  runChunked(rt, arrays, changed, 'adamStep_', (at, bytes, fns) =>
    fns.adam[precisionOf(param)](at[0]!, at[1]!, at[2]!, at[3]!, at[4] ?? 0, bytes, flags, c.shrink, c.decay, c.beta1, c.oneMinusBeta1, c.beta2, c.oneMinusBeta2, c.correction, c.eps, c.step),
  );
  return true;
}

/** One RMSprop step (see `rmspropStep_`), every array of param's dtype and length. */
export function rmspropWasm(param: Storage, grad: Storage, squareAvg: Storage, gradAvg: Storage | null, momentumBuffer: Storage | null, k: RmspropCoefficients): boolean {
  const rt = optimInstance();
  if (rt === null) return false;
  const [decay, alpha, oneMinusAlpha, eps, momentum, step] = [k.weightDecay, k.alpha, 1 - k.alpha, k.eps, k.momentum, -k.lr].map((v) => scalar(param, v)) as [
    number, number, number, number, number, number,
  ];
  const flags = (decay !== 0 ? RMSPROP_DECAY : 0) | (gradAvg !== null ? RMSPROP_CENTERED : 0) | (momentumBuffer !== null ? RMSPROP_MOMENTUM : 0);
  // Absent arrays are not staged: the kernel never touches them (their addresses are meaningless).
  const arrays = [param, grad, squareAvg, ...(gradAvg === null ? [] : [gradAvg]), ...(momentumBuffer === null ? [] : [momentumBuffer])];
  const changed = arrays.map((_, k) => k).filter((k) => k !== 1);
  const at = (found: number[], array: Storage | null): number => (array === null ? 0 : found[arrays.indexOf(array)]!);
  runChunked(rt, arrays, changed, 'rmspropStep_', (found, bytes, fns) =>
    fns.rmsprop[precisionOf(param)](found[0]!, found[1]!, found[2]!, at(found, gradAvg), at(found, momentumBuffer), bytes, flags, decay, alpha, oneMinusAlpha, eps, momentum, step),
  );
  return true;
}

/** One Adagrad step (see `adagradStep_`), every array of param's dtype and length. */
export function adagradWasm(param: Storage, grad: Storage, sum: Storage, k: AdagradCoefficients): boolean {
  const rt = optimInstance();
  if (rt === null) return false;
  const [decay, eps, step] = [k.weightDecay, k.eps, -k.clr].map((v) => scalar(param, v)) as [number, number, number];
  const flags = decay !== 0 ? ADAGRAD_DECAY : 0;
  runChunked(rt, [param, grad, sum], [0, 2], 'adagradStep_', (at, bytes, fns) => fns.adagrad[precisionOf(param)](at[0]!, at[1]!, at[2]!, bytes, flags, decay, eps, step));
  return true;
}
