/**
 * What the row kernels' WebAssembly modules (./layer-norm-wasm-module.ts, ./softmax-wasm-module.ts)
 * and their drivers share: the loop and the lane shuffles they are emitted with, and `RowKernels`,
 * a module compiled on first use on a memory of its own. Each driver call copies its operands in (one
 * `TypedArray.set` each), runs in place and copies the result out.
 */
import { copyOutOffset, instantiateOwnMemory, type FunctionBuilder, type KernelInstance } from '@nn/autograd/wasm';
import type { Storage } from './cross-entropy.js';

/** Bytes in a vector. */
export const VECTOR = 16;

/** The next multiple of a vector from `bytes`. */
export const wholeVectors = (bytes: number): number => Math.ceil(bytes / VECTOR) * VECTOR;

/** i8x16.shuffle lanes: the upper half of the first vector in both halves. */
export const UPPER_TWICE = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** The lower halves of two vectors, joined. */
export const LOWER_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** `do { body(); at += step } while (at < end)`, unsigned: at least one step. */
export function doWhileBelow(f: FunctionBuilder, at: number, end: number, step: number, body: () => void): void {
  f.loop();
  body();
  f.get(at).i32(step).op('i32.add').tee(at).get(end).op('i32.lt_u').brIf(0);
  f.end();
}

/** A module of row kernels, compiled on first use (synchronously: it is under 4 KiB). */
export class RowKernels {
  /** undefined: not tried yet; null: tried, and WebAssembly SIMD is not available. */
  private instance: KernelInstance | null | undefined;

  constructor(private readonly moduleBytes: () => Uint8Array) {}

  /**
   * The instance and the precision of `storages` when the kernels take them: all float32 or all
   * float64, rows of whole vectors, something to do. Else null.
   */
  for(storages: readonly Storage[], rows: number, length: number): { kernel: KernelInstance; precision: 'f32' | 'f64' } | null {
    const precision = storages.every((s) => s instanceof Float32Array) ? 'f32' : storages.every((s) => s instanceof Float64Array) ? 'f64' : null;
    if (precision === null || rows * length === 0 || (length * storages[0]!.BYTES_PER_ELEMENT) % VECTOR !== 0) return null;
    if (this.instance === undefined) this.instance = instantiateOwnMemory(this.moduleBytes());
    return this.instance === null ? null : { kernel: this.instance, precision };
  }
}

/**
 * A gradient kernel's round trip: `first` and `second` (`size` values each, one precision) are
 * copied in, `run(firstAt, secondAt)` (byte addresses) leaves its result in place of second, and that
 * is copied into `out`. `what` names the kernel in memory errors.
 */
export function runInPlaceOfSecond(kernel: KernelInstance, out: Storage, first: Storage, second: Storage, size: number, what: string, run: (firstAt: number, secondAt: number) => void): void {
  const bytes = first.BYTES_PER_ELEMENT;
  // Memory: [ first ][ second, overwritten by the result and copied out ].
  const secondAt = copyOutOffset(size * bytes);
  const view = kernel.view(first, secondAt + size * bytes, what);
  view.set(first.subarray(0, size), 0);
  view.set(second.subarray(0, size), secondAt / bytes);
  run(0, secondAt);
  out.set(view.subarray(secondAt / bytes, secondAt / bytes + size));
}
