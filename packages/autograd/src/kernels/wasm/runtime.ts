/**
 * The compiled matmul module and the memory it works in, created once, on first use.
 *
 * The memory belongs to JS and the module imports it (as env.memory): that keeps the module free of
 * state, and a later version could pass a shared memory to several instances in worker threads.
 * The memory only grows (WebAssembly memories cannot shrink); it is sized by the largest product seen.
 */
import { ModuleBuilder, ValType } from './emitter.js';
import { MEMORY_IMPORT, matmulModuleBytes, type GemmFunction, type PackFunction } from './matmul-module.js';

/** The parts of the WebAssembly JS API used here, typed locally: the package compiles without DOM typings. */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

const PAGE = 65536;

/** One instance of the matmul module, with its memory and typed-array views of it. */
export class MatmulRuntime {
  readonly gemmF32: GemmFunction;
  readonly gemmF64: GemmFunction;
  readonly packF32: PackFunction;
  readonly packF64: PackFunction;
  /** Views of all of the memory. Growth detaches the old buffer, so read these after `reserve`. */
  f32View: Float32Array;
  f64View: Float64Array;
  private readonly memory: WasmMemory;

  constructor(api: WasmApi) {
    this.memory = new api.Memory({ initial: 1 });
    const module = new api.Module(matmulModuleBytes());
    const { exports } = new api.Instance(module, { [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.name]: this.memory } });
    const exported = <F>(name: string): F => {
      const fn = exports[name];
      if (typeof fn !== 'function') throw new Error(`matmul module: missing export ${name}`);
      return fn as F;
    };
    this.gemmF32 = exported('gemm_f32');
    this.gemmF64 = exported('gemm_f64');
    this.packF32 = exported('pack_f32');
    this.packF64 = exported('pack_f64');
    this.f32View = new Float32Array(this.memory.buffer);
    this.f64View = new Float64Array(this.memory.buffer);
  }

  /** Grows the memory to at least `bytes` bytes; throws a RangeError past the engine's limit (4 GiB at most). */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    try {
      this.memory.grow(Math.ceil((bytes - have) / PAGE));
    } catch (cause) {
      throw new RangeError(`matmulKernelWasm: needs ${bytes} bytes of WebAssembly memory, more than this engine grants`, { cause });
    }
    this.f32View = new Float32Array(this.memory.buffer);
    this.f64View = new Float64Array(this.memory.buffer);
  }
}

/** undefined: not tried yet; null: tried, and WebAssembly SIMD is not available. */
let runtime: MatmulRuntime | null | undefined;

/**
 * The runtime, compiled on first call (synchronously: the module is about 2 KiB, under the 4 KiB
 * browsers allow on the main thread); null when WebAssembly or its SIMD is missing.
 */
export function matmulRuntime(): MatmulRuntime | null {
  if (runtime !== undefined) return runtime;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    runtime = api !== undefined && api.validate(simdProbe()) ? new MatmulRuntime(api) : null;
  } catch {
    runtime = null; // an engine that validates SIMD yet fails to compile: report unavailable rather than break callers
  }
  return runtime;
}

/** The smallest module using SIMD: a function returning f32x4.mul of two zero vectors. */
function simdProbe(): Uint8Array {
  const module = new ModuleBuilder();
  module.addFunction([], [ValType.v128]).v128Zero().v128Zero().op('f32x4.mul');
  return module.toBytes();
}
