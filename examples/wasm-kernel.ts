/**
 * A WebAssembly SIMD kernel of your own, with the toolkit @nn's built-in kernels are made with
 * (`@nn/autograd/wasm`): a leaky ReLU, out = x > 0 ? x : slope * x, on four float32 lanes at a time.
 *
 * The module is emitted from TypeScript (no toolchain): one function `leaky(x, out, end, slope)`
 * looping over byte addresses in an imported memory. JS copies the input in, calls it, and copies
 * the result out; the example checks it against a plain loop and prints both timings.
 *
 * Run: npm run build && node build/examples/wasm-kernel.js
 */
import { ModuleBuilder, ValType, copyOutOffset, instantiateOwnMemory, runsOnWasm } from '@nn/autograd/wasm';

/** leaky(x, out, end, slope): addresses in bytes, whole v128s from x and out until out reaches end. */
function leakyModule(): Uint8Array {
  const module = new ModuleBuilder().importMemory('env', 'memory', 1);
  const f = module.addFunction([ValType.i32, ValType.i32, ValType.i32, ValType.f32], [], 'leaky');
  const [x, out, end, slope] = [0, 1, 2, 3] as const;
  const value = f.local(ValType.v128);
  const slopes = f.local(ValType.v128);
  f.get(slope).op('f32x4.splat').set(slopes);
  f.loop();
  f.get(out); // the store's address, under its value
  f.get(x).mem('v128.load').set(value);
  // bitselect(a, b, mask) takes a's bits where the mask is set: x where x > 0, slope * x elsewhere.
  f.get(value).get(value).get(slopes).op('f32x4.mul').get(value).v128Zero().op('f32x4.gt').op('v128.bitselect');
  f.mem('v128.store');
  f.get(x).i32(16).op('i32.add').set(x);
  f.get(out).i32(16).op('i32.add').tee(out).get(end).op('i32.lt_u').brIf(0);
  f.end();
  return module.toBytes();
}

const bytes = leakyModule();
const maybeInstance = instantiateOwnMemory(bytes);
if (maybeInstance === null) throw new Error('wasm-kernel: this engine has no WebAssembly SIMD');
const instance = maybeInstance;
/** The kernel's function as the instance is now: enlarging the memory (in `view`) makes a new instance. */
type Leaky = (x: number, out: number, end: number, slope: number) => void;
const findLeaky = (exports: Record<string, unknown>): Leaky => exports.leaky as Leaky;
const leaky = (): Leaky => instance.functions(findLeaky);

/**
 * The kernel on WebAssembly: x copied in, padded to whole vectors, the result copied out. The result
 * sits where `copyOutOffset` says, 2 KiB into a page, where copying it out is fast.
 */
function leakyWasm(input: Float32Array, slope: number): Float32Array {
  const padded = Math.ceil(input.length / 4) * 16;
  const outAt = copyOutOffset(padded);
  instance.view(input, outAt + padded, 'leakyWasm'); // enlarges the memory if the call needs it
  instance.f32.set(input);
  leaky()(0, outAt, outAt + padded, slope);
  return instance.f32.slice(outAt / 4, outAt / 4 + input.length);
}

function leakyLoop(input: Float32Array, slope: number): Float32Array {
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = input[i]! > 0 ? input[i]! : Math.fround(slope) * input[i]!;
  return out;
}

function bestMillis(run: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

const input = Float32Array.from({ length: 1_000_003 }, (_, i) => Math.sin(i) * 10);
const slope = 0.01;
const fromWasm = leakyWasm(input, slope);
const fromLoop = leakyLoop(input, slope);
const differing = fromWasm.findIndex((v, i) => !Object.is(v, fromLoop[i]));
if (differing >= 0) throw new Error(`wasm-kernel: element ${differing} is ${fromWasm[differing]} on WebAssembly, ${fromLoop[differing]} in the loop`);
console.log(`module: ${bytes.length} bytes; ${input.length} elements agree bit for bit`);
console.log(`WebAssembly (copies included) ${bestMillis(() => leakyWasm(input, slope)).toFixed(2)} ms, loop ${bestMillis(() => leakyLoop(input, slope)).toFixed(2)} ms`);
// A library kernel would ask runsOnWasm whether to take this path: it follows setBackend.
console.log(`runsOnWasm for a large call: ${runsOnWasm(true)}`);
