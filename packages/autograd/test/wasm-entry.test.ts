/**
 * @nn/autograd/wasm's KernelInstance: a kernel module on a memory of its own that enlarges on demand
 * by replacing the memory (never growing it in place, which would detach its buffer), keeping the
 * contents, with exports that follow the new memory.
 */
import { describe, expect, test } from 'vitest';
import { instantiateOwnMemory, ModuleBuilder, simdWasmApi, ValType } from '../src/wasm.js';

/** double(from, to): doubles the float32 values at byte addresses [from, to), four at a time. */
function doubleModule(): Uint8Array {
  const module = new ModuleBuilder().importMemory('env', 'memory', 1);
  const f = module.addFunction([ValType.i32, ValType.i32], [], 'double');
  f.loop();
  f.get(0).get(0).mem('v128.load').get(0).mem('v128.load').op('f32x4.add').mem('v128.store');
  f.get(0).i32(16).op('i32.add').tee(0).get(1).op('i32.lt_u').brIf(0);
  f.end();
  return module.toBytes();
}

describe.skipIf(simdWasmApi() === undefined)('KernelInstance', () => {
  test('enlarging keeps the contents, detaches nothing, and the new exports work on the new memory', () => {
    const instance = instantiateOwnMemory(doubleModule())!;
    const small = instance.view(new Float32Array(0), 64, 'double');
    small.set([1, 2, 3, 4], 0);
    const oldExports = instance.exports;
    const findDouble = (exports: Record<string, unknown>) => exports.double as (from: number, to: number) => void;
    const oldDouble = instance.functions(findDouble);
    expect(instance.functions(findDouble)).toBe(oldDouble); // found once per instance
    const oldLength = small.length;

    const bytes = 5 * 65536 + 100;
    const large = instance.view(new Float32Array(0), bytes, 'double');
    expect(large.byteLength).toBeGreaterThanOrEqual(bytes);
    expect(small.length).toBe(oldLength); // the old buffer is not detached
    expect(Array.from(large.subarray(0, 4))).toEqual([1, 2, 3, 4]);
    expect(instance.exports).not.toBe(oldExports);

    const last = bytes / 4 - 29; // a vector past the old memory's end
    large.set([5, 6, 7, 8], last - 1);
    const double = instance.functions(findDouble);
    expect(double).not.toBe(oldDouble);
    expect(double).toBe(instance.exports.double);
    double(0, 16);
    double((last - 1) * 4, (last + 3) * 4);
    expect(Array.from(instance.f32.subarray(0, 4))).toEqual([2, 4, 6, 8]);
    expect(Array.from(instance.f32.subarray(last - 1, last + 3))).toEqual([10, 12, 14, 16]);
    expect(instance.view(new Float64Array(0), 8, 'double')).toBe(instance.f64);
  });

  test('a call needing more memory than the engine grants is a RangeError naming the kernel', () => {
    const instance = instantiateOwnMemory(doubleModule())!;
    expect(() => instance.view(new Float32Array(0), 2 ** 34, 'myKernel')).toThrow(RangeError);
    expect(() => instance.view(new Float32Array(0), 2 ** 34, 'myKernel')).toThrow(/^myKernel: needs 17179869184 bytes of WebAssembly memory/);
  });
});
