/**
 * @nn/autograd/wasm: the toolkit the built-in WebAssembly kernels are made with, for packages that
 * generate kernels of their own (@nn/optim does, for its update rules).
 *
 * - `ModuleBuilder` / `FunctionBuilder`: a small emitter of WebAssembly binary modules, SIMD128
 *   included, whose calls read like the text format: `f.get(x).get(y).op('f64x2.mul')`.
 * - `simdWasmApi()`: the engine's WebAssembly API when it runs SIMD128, else undefined.
 * - `growMemory(memory, bytes, kernel)`: grows a memory, with an error naming the kernel if it cannot.
 * - `runsOnWasm(largeEnough)`: whether a kernel call should run on WebAssembly, following
 *   `setBackend` ('js' and 'wasm' force one; 'auto' takes the caller's size test).
 *
 * A kernel built with these stays synchronous and browser-safe as long as its module is small
 * (browsers compile modules of up to 4 KiB synchronously on the main thread).
 *
 * ```ts
 * import { ModuleBuilder, ValType, simdWasmApi } from '@nn/autograd/wasm';
 * const module = new ModuleBuilder();
 * module.addFunction([ValType.f64, ValType.f64], [ValType.f64], 'mul').get(0).get(1).op('f64.mul');
 * const api = simdWasmApi();
 * ```
 */
export { FunctionBuilder, ModuleBuilder, ValType, type MemoryOp, type PlainOp, type SharedMemoryLimits } from './kernels/wasm/emitter.js';
export { growMemory, simdWasmApi, type WasmApi, type WasmMemory } from './kernels/wasm/runtime.js';
export { runsOnWasm } from './backend.js';
