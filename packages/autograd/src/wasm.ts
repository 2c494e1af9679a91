/**
 * @nn/autograd/wasm: the toolkit the built-in WebAssembly kernels are made with, for packages that
 * generate kernels of their own (@nn/optim does, for its update rules).
 *
 * - `ModuleBuilder` / `FunctionBuilder`: a small emitter of WebAssembly binary modules, SIMD128
 *   included, whose calls read like the text format: `f.get(x).get(y).op('f64x2.mul')`.
 * - `simdWasmApi()`: the engine's WebAssembly API when it runs SIMD128, else undefined.
 * - `instantiateOwnMemory(bytes)`: a module importing env.memory, instantiated on a new memory of
 *   its own (null where SIMD is missing): a `KernelInstance`, whose `view` (or `reserve`) enlarges
 *   the memory on demand and whose float32 and float64 views and `exports` stay current. Enlarging replaces the
 *   memory and the instance rather than growing the memory in place: growing detaches the old
 *   buffer, and after the first detached buffer V8 runs every typed-array loop of the process
 *   slower (a float32 Adam loop took 9 times as long). Read functions from `exports` after `view`,
 *   or through `functions(find)`, which finds them once per instance.
 * - `copyOutOffset(at)`: where in memory to put what JS copies out (2 KiB into a page: copies between
 *   addresses at the same offset in their pages were 10 to 15 times slower).
 * - `relaxedSimdAvailable()`, `setRelaxedSimd(enabled)`, `relaxedSimdInUse()`: where the engine has
 *   relaxed SIMD (Chromium; Node 20 only with --experimental-wasm-relaxed-simd), matmul (and the
 *   convolutions lowered onto it) runs micro-kernels with fused multiply-adds; `setRelaxedSimd(false)`
 *   or NN_RELAXED_SIMD=0 keeps the plain ones, whose float results are the same on every engine.
 * - `matmulInto(out, a, b, m, k, n)`: one matrix product of strided views into typed arrays, written
 *   into an array the caller reuses, on the kernel `matmul` would pick: for kernels whose blocked
 *   parts are matrix products (@nn/linalg's factorizations), without a tensor per call.
 * - `runsOnWasm(largeEnough)`: whether a kernel call should run on WebAssembly, following
 *   `setBackend` ('js' and 'wasm' force one; 'auto' takes the caller's size test).
 *
 * A kernel built with these stays synchronous and browser-safe as long as its module is small
 * (browsers compile modules of up to 4 KiB synchronously on the main thread).
 *
 * ```ts
 * import { ModuleBuilder, ValType, instantiateOwnMemory } from '@nn/autograd/wasm';
 * const module = new ModuleBuilder().importMemory('env', 'memory', 1);
 * module.addFunction([ValType.f64, ValType.f64], [ValType.f64], 'mul').get(0).get(1).op('f64.mul');
 * const instance = instantiateOwnMemory(module.toBytes()); // null where SIMD is missing
 * const mul = instance?.exports.mul as ((a: number, b: number) => number) | undefined;
 * ```
 */
export { FunctionBuilder, ModuleBuilder, ValType, type MemoryOp, type PlainOp, type SharedMemoryLimits } from './kernels/wasm/emitter.js';
export {
  copyOutOffset, instantiateOwnMemory, KernelInstance, relaxedSimdAvailable, relaxedSimdInUse, setRelaxedSimd, simdWasmApi,
  type WasmApi, type WasmMemory,
} from './kernels/wasm/runtime.js';
export { runsOnWasm } from './backend.js';
export { matmulInto, type MatrixView } from './matmul-into.js';
