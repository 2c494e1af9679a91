/**
 * Kernel modules on WebAssembly memories: `KernelInstance` (a module on a memory that it enlarges on
 * demand), and the matmul runtimes built on it.
 *
 * The memory belongs to JS and the module imports it (as env.memory): that keeps the module free of
 * state, so that worker threads can run instances of it on one shared memory. There are two kinds of
 * matmul runtime. The private one (`matmulRuntime`) is created on first use, with an unshared memory, and
 * runs every single-threaded product. The shared one (`sharedRuntime`) is created for a thread
 * pool (Node's, ../../node.ts, or the browser's, ../../web.ts) for the calling thread, each worker
 * instantiating the same module on the same memory (`attachSharedRuntime`). Memories only grow
 * (WebAssembly memories cannot shrink); they are sized by the largest product seen.
 *
 * How an unshared memory grows. `WebAssembly.Memory.prototype.grow` detaches the memory's old buffer,
 * and in V8 the first detached ArrayBuffer of a process invalidates an assumption (a "protector") that
 * optimized code over typed arrays relies on: from then on every typed-array loop of the process, the
 * TypeScript kernels and the user's own alike, runs with extra checks. Measured on Node 20, a float32
 * Adam loop went from 25 to 220 ns an element after one `grow`. So an unshared memory never grows in
 * place: `replaceMemory` makes a larger one, copies the old contents over and instantiates the module
 * on it again, and the old memory is simply dropped (dropping detaches nothing). A shared memory does
 * grow in place: its buffer is a SharedArrayBuffer, which cannot be detached.
 *
 * Which matmul module. Where the engine validates relaxed SIMD (Chromium does; Node 20 only with
 * --experimental-wasm-relaxed-simd), the runtimes compile the variant whose micro-kernels use
 * `relaxed_madd` (fused multiply-add on CPUs with FMA), else the plain SIMD128 one, silently.
 * `setRelaxedSimd(false)`, or the environment variable NN_RELAXED_SIMD=0 (read where there is a
 * `process`, as NN_BACKEND is), forces the plain one. Workers instantiate the compiled module the
 * shared runtime hands them, so they run the same variant as the main thread.
 */
import type { Storage } from '../../dtype.js';
import { ModuleBuilder, ValType } from './emitter.js';
import { MEMORY_IMPORT, matmulModuleBytes, type GemmFunction, type PackFunction } from './matmul-module.js';

/** A WebAssembly.Memory, typed locally: the package compiles without DOM typings. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}
/** The parts of the WebAssembly JS API used here. */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

const PAGE = 65536;
/** Pages of a shared memory at most (its maximum must be fixed up front): 4 GiB, all that i32 addresses reach. */
export const SHARED_MAX_PAGES = 65536;

/** The matmul module's functions, found in an instance's exports. */
interface MatmulFunctions {
  readonly gemmF32: GemmFunction;
  readonly gemmF64: GemmFunction;
  readonly packF32: PackFunction;
  readonly packF64: PackFunction;
}

function matmulFunctions(exports: Record<string, unknown>): MatmulFunctions {
  const exported = <F>(name: string): F => {
    const fn = exports[name];
    if (typeof fn !== 'function') throw new Error(`matmul module: missing export ${name}`);
    return fn as F;
  };
  return { gemmF32: exported('gemm_f32'), gemmF64: exported('gemm_f64'), packF32: exported('pack_f32'), packF64: exported('pack_f64') };
}

/**
 * The matmul module on a memory (a `KernelInstance`), with its functions and typed-array views of all
 * of the memory. `reserve` may replace the memory (an unshared one) and so the functions and views:
 * read them after it.
 */
export class MatmulRuntime {
  private readonly instance: KernelInstance;

  /**
   * Instantiates a compiled matmul module on `memory`; `maxBytes` is where `reserve` stops.
   * `relaxed` records which variant `module` was compiled from (it changes nothing here); undefined
   * for a worker's runtime, which runs whatever compiled module the main thread handed it.
   */
  constructor(api: WasmApi, module: object, memory: WasmMemory, readonly maxBytes: number = Infinity, readonly relaxed?: boolean) {
    this.instance = new KernelInstance(api, module, memory, maxBytes);
    this.instance.functions(matmulFunctions); // a module without the functions fails here, not in a product
  }

  get gemmF32(): GemmFunction { return this.instance.functions(matmulFunctions).gemmF32; }
  get gemmF64(): GemmFunction { return this.instance.functions(matmulFunctions).gemmF64; }
  get packF32(): PackFunction { return this.instance.functions(matmulFunctions).packF32; }
  get packF64(): PackFunction { return this.instance.functions(matmulFunctions).packF64; }
  get f32View(): Float32Array { return this.instance.f32; }
  get f64View(): Float64Array { return this.instance.f64; }

  /** Makes the memory at least `bytes` bytes (see `KernelInstance.reserve`); a RangeError past the limit (4 GiB at most). */
  reserve(bytes: number): void {
    this.instance.reserve(bytes, 'matmulKernelWasm');
  }
}

/** Whether `memory` is shared (its buffer a SharedArrayBuffer, which growing does not detach). */
function isShared(memory: WasmMemory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/**
 * A new unshared memory of at least `bytes` bytes (and at least twice `old`'s size, so that a run of
 * growing calls replaces it only a logarithmic number of times), holding `old`'s contents. Past the
 * engine's limit, a RangeError naming `kernel`.
 */
export function replaceMemory(api: WasmApi, old: WasmMemory, bytes: number, kernel: string): WasmMemory {
  const have = old.buffer.byteLength;
  const pages = Math.ceil(bytes / PAGE);
  let memory: WasmMemory;
  try {
    try {
      memory = new api.Memory({ initial: Math.max(pages, 2 * (have / PAGE)) });
    } catch {
      memory = new api.Memory({ initial: pages }); // doubling went past the limit; exactly enough may not
    }
  } catch (cause) {
    throw new RangeError(`${kernel}: needs ${bytes} bytes of WebAssembly memory, more than this engine grants`, { cause });
  }
  new Uint8Array(memory.buffer).set(new Uint8Array(old.buffer));
  return memory;
}

/**
 * Grows `memory` in place to at least `bytes` bytes, and says whether it grew (its buffer, and so
 * every view of it, is then new). Past `maxBytes` or the engine's limit, a RangeError naming
 * `kernel`. For shared memories: an unshared one is replaced instead (`replaceMemory`), since
 * growing it would detach its buffer (see the header).
 */
export function growMemory(memory: WasmMemory, bytes: number, kernel: string, maxBytes = Infinity): boolean {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return false;
  try {
    if (bytes > maxBytes) throw new RangeError(`past the memory's maximum of ${maxBytes} bytes`);
    memory.grow(Math.ceil((bytes - have) / PAGE));
  } catch (cause) {
    throw new RangeError(`${kernel}: needs ${bytes} bytes of WebAssembly memory, more than this engine grants`, { cause });
  }
  return true;
}

/**
 * The first byte offset from `at` on that lies 2 KiB into a 4 KiB page: where kernels put what JS
 * copies out of memory. Copying out with `TypedArray.prototype.set` ran 10 to 15 times slower (2.2
 * against 0.16 ns a float32 for 16K to 64K elements; Node 20, AMD Zen 3) when source and destination
 * sat at nearly the same offset in their pages (a 4 KiB aliasing stall in the copy loop), as a region
 * at a page boundary and an array V8 has just allocated often do. Copies into memory were not affected.
 */
export function copyOutOffset(at: number): number {
  return at + ((((2048 - at) % 4096) + 4096) % 4096);
}

/** The WebAssembly API when this engine has it with SIMD, else undefined. */
export function simdWasmApi(): WasmApi | undefined {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    return api !== undefined && api.validate(simdProbe()) ? api : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A kernel module instantiated on a memory, its own by default, with float32 and float64 views of all
 * of it. `reserve` (and `view`) enlarge the memory when a call needs more. An unshared memory is then
 * replaced, and the instance with it (see the header), so read the functions from `exports` (or
 * through `functions`) after those calls, not once and for all; a shared one grows in place.
 */
export class KernelInstance {
  f32!: Float32Array;
  f64!: Float64Array;
  /** The instance's exports: new functions, on the new memory, after an unshared memory was enlarged. */
  exports!: Record<string, unknown>;
  /** What `functions` found, by finder, in the current exports. */
  private readonly found = new Map<(exports: Record<string, unknown>) => unknown, unknown>();

  /** Instantiates a compiled module (importing env.memory) on `memory`; `maxBytes` is where `reserve` stops. */
  constructor(
    private readonly api: WasmApi,
    private readonly module: object,
    private memory: WasmMemory = new api.Memory({ initial: 1 }),
    private readonly maxBytes: number = Infinity,
  ) {
    this.instantiate();
  }

  private instantiate(): void {
    this.exports = new this.api.Instance(this.module, { [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.name]: this.memory } }).exports;
    this.refreshViews();
    this.found.clear();
  }

  private refreshViews(): void {
    this.f32 = new Float32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
  }

  /**
   * `find(exports)` for the current exports (a table of the module's functions, say), computed once
   * per instance: after the memory was replaced, the next call finds them in the new exports.
   */
  functions<F>(find: (exports: Record<string, unknown>) => F): F {
    if (!this.found.has(find)) this.found.set(find, find(this.exports));
    return this.found.get(find) as F;
  }

  /**
   * Makes the memory at least `bytes` bytes, keeping its contents: a shared memory grows in place,
   * an unshared one is replaced. A RangeError naming `kernel` past `maxBytes` or the engine's limit.
   */
  reserve(bytes: number, kernel: string): void {
    if (bytes <= this.memory.buffer.byteLength) return;
    if (isShared(this.memory)) {
      growMemory(this.memory, bytes, kernel, this.maxBytes);
      this.refreshViews();
    } else {
      this.memory = replaceMemory(this.api, this.memory, bytes, kernel);
      this.instantiate();
    }
  }

  /** `reserve(bytes, kernel)`, then the view in the precision of `like`. */
  view(like: Storage, bytes: number, kernel: string): Storage {
    this.reserve(bytes, kernel);
    return like instanceof Float64Array ? this.f64 : this.f32;
  }
}

/**
 * Compiles `bytes`, a module importing its memory as env.memory, and instantiates it on a new
 * one-page memory of its own (enlarged as calls need, through `KernelInstance.view`). Synchronous,
 * so keep modules under the 4 KiB browsers compile on the main thread. Null where WebAssembly SIMD
 * is missing, or where an engine validates SIMD yet fails to compile: callers then run their
 * JavaScript loops.
 */
export function instantiateOwnMemory(bytes: Uint8Array): KernelInstance | null {
  const api = simdWasmApi();
  if (api === undefined) return null;
  try {
    return new KernelInstance(api, new api.Module(bytes));
  } catch {
    return null;
  }
}

/** NN_RELAXED_SIMD: unset, '' or '1' lets the kernels use relaxed SIMD where available; '0' forbids it. */
function relaxedFromEnvironment(): boolean {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NN_RELAXED_SIMD;
  if (value === undefined || value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new Error(`NN_RELAXED_SIMD: expected 0 or 1, got ${JSON.stringify(value)}`);
}

/** Whether the kernels may use relaxed SIMD (where the engine has it): `setRelaxedSimd`, NN_RELAXED_SIMD. */
let relaxedAllowed = relaxedFromEnvironment();
/** This engine's answer to the relaxed-SIMD probe, once asked. */
let relaxedSupported: boolean | undefined;

/**
 * Whether `api` validates relaxed SIMD's multiply-adds (false for no API, or one whose validate throws).
 * Feature detection by validation: engines without the proposal reject the opcodes, which never run.
 */
export function supportsRelaxedSimd(api: WasmApi | undefined): boolean {
  try {
    return api !== undefined && api.validate(relaxedSimdProbe());
  } catch {
    return false;
  }
}

/** Whether this engine runs relaxed SIMD (and SIMD128): true in Chromium, false in Node 20 without its flag. */
export function relaxedSimdAvailable(): boolean {
  if (relaxedSupported === undefined) relaxedSupported = supportsRelaxedSimd(simdWasmApi());
  return relaxedSupported;
}

/** Whether matmul products (and the convolutions lowered onto them) run the relaxed-SIMD kernels. */
export function relaxedSimdInUse(): boolean {
  return relaxedAllowed && relaxedSimdAvailable();
}

/**
 * Lets the matmul kernels use relaxed SIMD's fused multiply-add where the engine has it (true, the
 * default, unless NN_RELAXED_SIMD=0), or keeps them on the plain SIMD128 kernels (false), whose
 * float results are the same on every engine. The next single-threaded product compiles the chosen
 * module. A thread pool's shared runtime keeps the variant it started with, so changing the variant
 * while one exists is an error: choose before starting threads.
 */
export function setRelaxedSimd(enabled: boolean): void {
  if (typeof enabled !== 'boolean') throw new TypeError(`setRelaxedSimd: expected true or false, got ${String(enabled)}`);
  const was = relaxedSimdInUse();
  const next = enabled && relaxedSimdAvailable();
  if (shared !== undefined && (shared.runtime.relaxed === true) !== next) {
    throw new Error(`setRelaxedSimd(${String(enabled)}): the thread pool's shared runtime already runs the ${shared.runtime.relaxed ? 'relaxed' : 'plain'} kernels; choose before starting threads`);
  }
  relaxedAllowed = enabled;
  if (was !== next) runtime = undefined; // compiled again, as the other variant, on the next product
}

/** undefined: not tried yet; null: tried, and WebAssembly SIMD is not available. */
let runtime: MatmulRuntime | null | undefined;

/**
 * The private runtime, compiled on first call (synchronously: the module is about 3 KiB, under the
 * 4 KiB browsers allow on the main thread), as the relaxed variant when `relaxedSimdInUse()`; null
 * when WebAssembly or its SIMD is missing.
 */
export function matmulRuntime(): MatmulRuntime | null {
  if (runtime !== undefined) return runtime;
  const api = simdWasmApi();
  try {
    const relaxed = relaxedSimdInUse();
    runtime = api === undefined ? null : new MatmulRuntime(api, new api.Module(matmulModuleBytes(undefined, { relaxed })), new api.Memory({ initial: 1 }), Infinity, relaxed);
  } catch {
    runtime = null; // an engine that validates SIMD yet fails to compile: report unavailable rather than break callers
  }
  return runtime;
}

/** A runtime on a new shared memory, with the compiled module and the memory, for workers to attach to. */
export interface SharedRuntime {
  readonly runtime: MatmulRuntime;
  readonly module: object;
  readonly memory: WasmMemory;
}

let shared: SharedRuntime | undefined;

/**
 * The runtime on a shared memory, created on first call and kept: pools started one after another
 * reuse its memory, and its compiled code, which V8 optimizes only once functions have run a while
 * (fresh code is its baseline tier, several times slower). Throws where SIMD or shared memory is missing.
 */
export function sharedRuntime(): SharedRuntime {
  if (shared !== undefined) return shared;
  const api = simdWasmApi();
  if (api === undefined) throw new Error('sharedRuntime: this engine has no WebAssembly SIMD');
  const memory = new api.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true });
  const relaxed = relaxedSimdInUse();
  const module = new api.Module(matmulModuleBytes({ maxPages: SHARED_MAX_PAGES }, { relaxed }));
  shared = { runtime: new MatmulRuntime(api, module, memory, SHARED_MAX_PAGES * PAGE, relaxed), module, memory };
  return shared;
}

/**
 * Instantiates the module of a shared runtime, in a worker, on the same memory: the same compiled
 * module, so the same variant (plain or relaxed) as the main thread's.
 */
export function attachSharedRuntime(module: object, memory: WasmMemory): MatmulRuntime {
  const api = simdWasmApi();
  if (api === undefined) throw new Error('attachSharedRuntime: this engine has no WebAssembly SIMD');
  return new MatmulRuntime(api, module, memory, SHARED_MAX_PAGES * PAGE);
}

/**
 * A module using both relaxed multiply-adds the kernels use: a function returning
 * f64x2.relaxed_madd(0, 0, f32x4.relaxed_madd(0, 0, 0)) (the lanes' types do not matter to v128).
 */
function relaxedSimdProbe(): Uint8Array {
  const module = new ModuleBuilder();
  const f = module.addFunction([], [ValType.v128]);
  const sum = f.local(ValType.v128);
  f.v128Zero().v128Zero().v128Zero().op('f32x4.relaxed_madd').set(sum);
  f.v128Zero().v128Zero().get(sum).op('f64x2.relaxed_madd');
  return module.toBytes();
}

/** The smallest module using SIMD: a function returning f32x4.mul of two zero vectors. */
function simdProbe(): Uint8Array {
  const module = new ModuleBuilder();
  module.addFunction([], [ValType.v128]).v128Zero().v128Zero().op('f32x4.mul');
  return module.toBytes();
}
