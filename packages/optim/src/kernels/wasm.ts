/**
 * The optimizer kernels on WebAssembly SIMD: the module of ./wasm-module.ts on a memory of its own.
 *
 * Each call copies its arrays in (one native `TypedArray.set` each), runs one pass over them and
 * copies back the arrays it changed. That pays because V8's loops over typed arrays are slow: on the
 * benchmark machine `add_` over 200,704 float32 elements took 1.23 ms in JavaScript and 0.23 ms
 * here, copies included, and the fused Adam step about 24 ns an element against 9. Small arrays stay in
 * JavaScript (see ./index.ts), where the fixed cost of a call would dominate.
 *
 * The memory grows to the largest call seen (the arrays of the largest parameter) and is kept.
 * Every function returns false, having done nothing, where WebAssembly SIMD is missing.
 */
import type { Storage } from '@nn/autograd';
import { growMemory, instantiateOwnMemory, type WasmMemory } from '@nn/autograd/wasm';
import { adamConstants, scalar, type AdamCoefficients } from './loops.js';
import { ADAM_AMSGRAD, ADAM_DECAY, optimModuleBytes, type AdamFunction, type AxpyFunction, type Precision, type ScaleFunction } from './wasm-module.js';

interface OptimRuntime {
  readonly memory: WasmMemory;
  readonly scale: Record<Precision, ScaleFunction>;
  readonly axpy: Record<Precision, AxpyFunction>;
  readonly adam: Record<Precision, AdamFunction>;
  /** Views of all of the memory, made again when it grows. */
  f32View: Float32Array;
  f64View: Float64Array;
}

/** undefined: not tried yet; null: tried, and WebAssembly SIMD is not available. */
let runtime: OptimRuntime | null | undefined;

/** The module and its memory, compiled on first use (synchronously: the module is under 4 KiB). */
function optimRuntime(): OptimRuntime | null {
  if (runtime !== undefined) return runtime;
  const instance = instantiateOwnMemory(optimModuleBytes());
  if (instance === null) return (runtime = null);
  const { memory, exports } = instance;
  const both = <F>(name: string): Record<Precision, F> => ({ f32: exports[`${name}_f32`] as F, f64: exports[`${name}_f64`] as F });
  runtime = {
    memory,
    scale: both('scale'),
    axpy: both('axpy'),
    adam: both('adam'),
    f32View: new Float32Array(memory.buffer),
    f64View: new Float64Array(memory.buffer),
  };
  return runtime;
}

/**
 * Stages `arrays` (all of `arrays[0]`'s dtype and length) one after another in memory, each padded
 * to whole v128s, and returns their byte addresses, the padded length in bytes and the view used.
 */
function stage(rt: OptimRuntime, arrays: readonly Storage[], kernel: string): { at: number[]; bytes: number; view: Storage } {
  const first = arrays[0]!;
  const bytes = Math.ceil((first.length * first.BYTES_PER_ELEMENT) / 16) * 16;
  if (growMemory(rt.memory, bytes * arrays.length, kernel)) {
    rt.f32View = new Float32Array(rt.memory.buffer);
    rt.f64View = new Float64Array(rt.memory.buffer);
  }
  const view = first instanceof Float64Array ? rt.f64View : rt.f32View;
  const at = arrays.map((array, k) => {
    view.set(array, (k * bytes) / first.BYTES_PER_ELEMENT);
    return k * bytes;
  });
  return { at, bytes, view };
}

/** Copies the staged array at byte address `at` back into `into`. */
function copyBack(into: Storage, view: Storage, at: number): void {
  const start = at / into.BYTES_PER_ELEMENT;
  into.set(view.subarray(start, start + into.length));
}

const precisionOf = (x: Storage): Precision => (x instanceof Float64Array ? 'f64' : 'f32');

/** `x = x * s`; see `mul_`. */
export function scaleWasm(x: Storage, s: number): boolean {
  const rt = optimRuntime();
  if (rt === null) return false;
  const { at, bytes, view } = stage(rt, [x], 'mul_');
  rt.scale[precisionOf(x)](at[0]!, bytes, scalar(x, s));
  copyBack(x, view, at[0]!);
  return true;
}

/** `x = x + alpha * y` (y of x's dtype and length); see `add_`. */
export function axpyWasm(x: Storage, y: Storage, alpha: number): boolean {
  const rt = optimRuntime();
  if (rt === null) return false;
  const { at, bytes, view } = stage(rt, [x, y], 'add_');
  rt.axpy[precisionOf(x)](at[0]!, at[1]!, bytes, scalar(x, alpha));
  copyBack(x, view, at[0]!);
  return true;
}

/** One Adam step (see `adamStep_`), every array of param's dtype and length. */
export function adamWasm(param: Storage, grad: Storage, expAvg: Storage, expAvgSq: Storage, maxExpAvgSq: Storage | null, k: AdamCoefficients): boolean {
  const rt = optimRuntime();
  if (rt === null) return false;
  const arrays = maxExpAvgSq === null ? [param, grad, expAvg, expAvgSq] : [param, grad, expAvg, expAvgSq, maxExpAvgSq];
  const { at, bytes, view } = stage(rt, arrays, 'adamStep_');
  const c = adamConstants(param, k);
  const flags = (c.decay !== 0 ? ADAM_DECAY : 0) | (maxExpAvgSq !== null ? ADAM_AMSGRAD : 0);
  rt.adam[precisionOf(param)](
    at[0]!, at[1]!, at[2]!, at[3]!, at[4] ?? 0, bytes, flags,
    c.shrink, c.decay, c.beta1, c.oneMinusBeta1, c.beta2, c.oneMinusBeta2, c.correction, c.eps, c.step,
  );
  copyBack(param, view, at[0]!);
  copyBack(expAvg, view, at[2]!);
  copyBack(expAvgSq, view, at[3]!);
  if (maxExpAvgSq !== null) copyBack(maxExpAvgSq, view, at[4]!);
  return true;
}
