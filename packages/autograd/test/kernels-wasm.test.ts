import { describe, expect, test } from 'vitest';
import type { Storage } from '../src/dtype.js';
import type { MatrixOperand } from '../src/kernels/matmul.js';
import { ModuleBuilder, ValType, signedLeb128, unsignedLeb128 } from '../src/kernels/wasm/emitter.js';
import { matmulModuleBytes } from '../src/kernels/wasm/matmul-module.js';
import { matmulKernelWasm, summedMatmulKernelWasm, wasmMatmulAvailable } from '../src/kernels/wasm/matmul.js';
import { matmulRuntime } from '../src/kernels/wasm/runtime.js';
import { checkKernel, describeEmptySizes, makeOperand, mulberry32, name, type Case, type Layout } from './matmul-reference.js';

const check = (c: Case): void => checkKernel(matmulKernelWasm, c);

describe('LEB128', () => {
  test('unsigned edge values', () => {
    expect(unsignedLeb128(0)).toEqual([0x00]);
    expect(unsignedLeb128(1)).toEqual([0x01]);
    expect(unsignedLeb128(127)).toEqual([0x7f]);
    expect(unsignedLeb128(128)).toEqual([0x80, 0x01]);
    expect(unsignedLeb128(16383)).toEqual([0xff, 0x7f]);
    expect(unsignedLeb128(16384)).toEqual([0x80, 0x80, 0x01]);
    expect(unsignedLeb128(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(unsignedLeb128(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => unsignedLeb128(-1)).toThrow(RangeError);
    expect(() => unsignedLeb128(2 ** 32)).toThrow(RangeError);
    expect(() => unsignedLeb128(1.5)).toThrow(RangeError);
  });

  test('signed edge values', () => {
    expect(signedLeb128(0)).toEqual([0x00]);
    expect(signedLeb128(-1)).toEqual([0x7f]);
    expect(signedLeb128(63)).toEqual([0x3f]);
    expect(signedLeb128(64)).toEqual([0xc0, 0x00]); // bit 6 set would read as negative: needs a second byte
    expect(signedLeb128(-64)).toEqual([0x40]);
    expect(signedLeb128(-65)).toEqual([0xbf, 0x7f]);
    expect(signedLeb128(127)).toEqual([0xff, 0x00]);
    expect(signedLeb128(-128)).toEqual([0x80, 0x7f]);
    expect(signedLeb128(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(signedLeb128(2 ** 31 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x07]);
    expect(signedLeb128(-(2 ** 31))).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
    expect(() => signedLeb128(2 ** 31)).toThrow(RangeError);
    expect(() => signedLeb128(-(2 ** 31) - 1)).toThrow(RangeError);
  });

  test('round-trips through a decoder', () => {
    const decodeUnsigned = (bytes: number[]): number => bytes.reduce((sum, byte, i) => sum + (byte & 0x7f) * 2 ** (7 * i), 0);
    const decodeSigned = (bytes: number[]): number => {
      const value = decodeUnsigned(bytes);
      const bits = 7 * bytes.length;
      return bytes.at(-1)! & 0x40 ? value - 2 ** bits : value;
    };
    const random = mulberry32(5);
    for (let i = 0; i < 1000; i++) {
      const u = Math.floor(random() * 2 ** (1 + Math.floor(random() * 32)));
      const s = Math.floor((random() * 2 - 1) * 2 ** Math.floor(random() * 32));
      expect(decodeUnsigned(unsignedLeb128(u))).toBe(u);
      expect(decodeSigned(signedLeb128(s))).toBe(s);
      // Only the last byte has its continuation bit clear.
      expect(signedLeb128(s).map((byte) => byte >> 7)).toEqual([...new Array<number>(signedLeb128(s).length - 1).fill(1), 0]);
    }
  });
});

/** The parts of the WebAssembly JS API the tests use (the test tsconfig has no DOM typings). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => { readonly buffer: ArrayBuffer };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

describe.skipIf(!wasmMatmulAvailable())('emitter', () => {
  test('a scalar function with a negative constant', () => {
    const module = new ModuleBuilder();
    // (x) => x * -3 + 1000000
    module.addFunction([ValType.i32], [ValType.i32], 'affine').get(0).i32(-3).op('i32.mul').i32(1000000).op('i32.add');
    const bytes = module.toBytes();
    expect(wasm!.validate(bytes)).toBe(true);
    const affine = new wasm!.Instance(new wasm!.Module(bytes), {}).exports.affine as (x: number) => number;
    expect(affine(7)).toBe(999979);
    expect(affine(-400000)).toBe(2200000);
  });

  test('a SIMD loop over an imported memory', () => {
    // square(ptr, count): squares `count` floats at ptr in place, four at a time.
    const module = new ModuleBuilder().importMemory('env', 'memory', 1);
    const f = module.addFunction([ValType.i32, ValType.i32], [], 'square');
    const end = f.local(ValType.i32);
    const x = f.local(ValType.v128);
    f.get(0).get(1).i32(4).op('i32.mul').op('i32.add').set(end);
    f.loop();
    f.get(0).mem('v128.load').tee(x).get(x).op('f32x4.mul').set(x);
    f.get(0).get(x).mem('v128.store');
    f.get(0).i32(16).op('i32.add').tee(0).get(end).op('i32.lt_u').brIf(0);
    f.end();
    const bytes = module.toBytes();
    expect(wasm!.validate(bytes)).toBe(true);
    const memory = new wasm!.Memory({ initial: 1 });
    const square = new wasm!.Instance(new wasm!.Module(bytes), { env: { memory } }).exports.square as (ptr: number, count: number) => void;
    const view = new Float32Array(memory.buffer, 0, 12);
    view.set([1, 2, 3, 4, 5, 6, 7, 8, -1.5, 0.5, 10, 100]);
    square(16, 8); // the middle eight
    expect([...view]).toEqual([1, 2, 3, 4, 25, 36, 49, 64, 2.25, 0.25, 100, 10000]);
  });

  test('unbalanced blocks are caught when emitting', () => {
    const module = new ModuleBuilder();
    module.addFunction([], []).loop();
    expect(() => module.toBytes()).toThrow(/left open/);
    expect(() => new ModuleBuilder().addFunction([], []).end()).toThrow(/without an open block/);
  });

  test('the matmul module validates and stays under 4 KiB (synchronous compilation in browsers)', () => {
    for (const bytes of [matmulModuleBytes(), matmulModuleBytes({ maxPages: 65536 })]) {
      expect(wasm!.validate(bytes)).toBe(true);
      expect(bytes.length).toBeLessThan(4096);
    }
  });

  test('a shared memory import: limits flag 3, minimum, maximum; only a shared memory fits it', () => {
    const module = new ModuleBuilder().importMemory('env', 'memory', 2, { maxPages: 300 });
    module.addFunction([ValType.i32], [ValType.i32], 'load').get(0).mem('i32.load');
    const bytes = module.toBytes();
    // The import entry ends with: kind 2 (memory), flag 3, minimum 2, maximum 300 (LEB128 0xac 0x02).
    expect([...bytes].join(',')).toContain([2, 0x03, 2, 0xac, 0x02].join(','));
    expect(wasm!.validate(bytes)).toBe(true);
    const compiled = new wasm!.Module(bytes);
    const memory = new wasm!.Memory({ initial: 2, maximum: 300, shared: true });
    new Int32Array(memory.buffer)[3] = 42;
    const load = new wasm!.Instance(compiled, { env: { memory } }).exports.load as (address: number) => number;
    expect(load(12)).toBe(42);
    expect(() => new wasm!.Instance(compiled, { env: { memory: new wasm!.Memory({ initial: 2 }) } })).toThrow();
  });

  test('i8x16.shuffle picks bytes from two vectors', () => {
    // interleave(ptr): stores at ptr + 32 the f32 lanes (x0, y0, x1, y1) of x at ptr and y at ptr + 16.
    const module = new ModuleBuilder().importMemory('env', 'memory', 1);
    const f = module.addFunction([ValType.i32], [], 'interleave');
    const lanes = [0, 4, 1, 5].flatMap((element) => [0, 1, 2, 3].map((b) => element * 4 + b));
    f.get(0).get(0).mem('v128.load').get(0).mem('v128.load', 16).shuffle(lanes).mem('v128.store', 32);
    const memory = new wasm!.Memory({ initial: 1 });
    const interleave = new wasm!.Instance(new wasm!.Module(module.toBytes()), { env: { memory } }).exports.interleave as (ptr: number) => void;
    const view = new Float32Array(memory.buffer, 0, 12);
    view.set([1, 2, 3, 4, 5, 6, 7, 8]);
    interleave(0);
    expect([...view.subarray(8)]).toEqual([1, 5, 2, 6]);
    expect(() => new ModuleBuilder().addFunction([], []).shuffle([0, 1, 2])).toThrow(/shuffle: expected 16 byte indices/);
    expect(() => new ModuleBuilder().addFunction([], []).shuffle(new Array<number>(16).fill(32))).toThrow(/shuffle/);
  });
});

describe.skipIf(!wasmMatmulAvailable())('pack', () => {
  // Every path: lanes adjacent (v128 rows), depth adjacent (4 x 4 and 4 x 2 transposes, then a
  // scalar tail), neither (scalar), with counts off whole strips and depths off whole vectors.
  const layouts = [
    ['lanes adjacent', (count: number) => ({ laneStride: 1, depthStride: count + 3 })],
    ['depth adjacent', (count: number, depth: number) => ({ laneStride: depth + 2, depthStride: 1 })],
    ['neither', (count: number) => ({ laneStride: 2, depthStride: 2 * count + 1 })],
  ] as const;
  for (const [label, strides] of layouts) {
    for (const kind of ['f32', 'f64'] as const) {
      test(`${label}, ${kind}: strips match a reference, padded with zeros`, () => {
        const rt = matmulRuntime()!;
        rt.reserve(1 << 20);
        const random = mulberry32(11);
        for (const width of [4, 8]) {
          for (const count of [1, 3, 4, 5, 8, 9, 13, 17]) {
            for (const depth of [1, 2, 3, 4, 5, 7, 9, 12]) {
              const { laneStride, depthStride } = strides(count, depth);
              const view = kind === 'f64' ? rt.f64View : rt.f32View;
              const bytes = view.BYTES_PER_ELEMENT;
              const src = 4096 / bytes;
              const dst = 0;
              view.fill(Number.NaN, dst, src);
              for (let i = 0; i < 8192 / bytes; i++) view[src + i] = Math.fround(random());
              (kind === 'f64' ? rt.packF64 : rt.packF32)(dst * bytes, src * bytes, count, width, depth, laneStride * bytes, depthStride * bytes);
              const strips = Math.ceil(count / width);
              const expected: number[] = [];
              for (let s = 0; s < strips; s++) {
                for (let p = 0; p < depth; p++) {
                  for (let r = 0; r < width; r++) {
                    const lane = s * width + r;
                    expected.push(lane < count ? view[src + lane * laneStride + p * depthStride]! : 0);
                  }
                }
              }
              expect([...view.subarray(dst, dst + expected.length)], `width ${width}, count ${count}, depth ${depth}`).toEqual(expected);
            }
          }
        }
      });
    }
  }
});


// Outside the skipped blocks, so that the suites below cannot skip silently where they should run.
test.runIf(Number(process.versions.node.split('.')[0]) >= 20)('WebAssembly SIMD is available on Node 20 and later', () => {
  expect(wasmMatmulAvailable()).toBe(true);
});

describe.skipIf(!wasmMatmulAvailable())('matmulKernelWasm', () => {
  describe('sizes', () => {
    // Awkward sizes around the tiles (4 x 8 for float32, 4 x 4 for float64) and the blocks
    // (k by 256; m by 128 for float32 and 64 for float64; n by 1024), and m <= 4, where B is not packed.
    const sizes: [number, number, number][] = [
      [1, 1, 1], [1, 7, 1], [3, 3, 3], [7, 7, 7], [1, 17, 63], [63, 17, 1], [3, 65, 7], [7, 3, 65],
      [17, 17, 17], [17, 63, 65], [63, 63, 63], [65, 65, 65], [63, 127, 65], [65, 7, 127], [127, 1, 127],
      [127, 127, 127], [1, 257, 257], [257, 257, 1], [257, 3, 17], [17, 257, 63], [63, 257, 127],
      [257, 65, 257], [127, 257, 257], [257, 257, 257], [129, 513, 33], [65, 300, 66], [7, 17, 1030],
      [5, 300, 1025], [4, 256, 8], [8, 255, 4], [3, 1, 4], [5, 1000, 5], [1, 300, 1030], [2, 9, 13],
      // k < 16 with C's rows a multiple of 1 KiB apart: C gets a padded row stride.
      [9, 5, 256], [13, 1, 128], [6, 7, 1030],
    ];
    for (const [m, k, n] of sizes) {
      for (const out of ['f64', 'f32'] as const) {
        const c: Case = { m, k, n, out, seed: m * 1000003 + k * 1009 + n };
        test(`${name(c)} -> ${out}`, () => check(c));
      }
    }
  });

  describe('layouts', () => {
    // [3, 40, 21] has a single strip of A, where gemm reads row-major B without packing it.
    const shapes: [number, number, number][] = [[7, 5, 3], [3, 40, 21], [65, 63, 67], [127, 257, 65]];
    const layouts: [string, Layout, Layout][] = [
      ['A transposed', { transposed: true }, {}],
      ['B transposed', {}, { transposed: true }],
      ['both transposed', { transposed: true }, { transposed: true }],
      ['offsets', { offset: 5 }, { offset: 11 }],
      ['every other column (staged whole)', { step: 2 }, { step: 2 }],
      ['every third column (gathered)', { step: 3 }, { step: 3, transposed: true }],
      ['strided and transposed with offsets', { step: 3, transposed: true, offset: 2 }, { step: 2, offset: 7 }],
      ['rows reversed (negative row strides)', { reversed: true, offset: 3 }, { reversed: true, transposed: true }],
      ['B rows reversed', { transposed: true }, { reversed: true, offset: 2 }],
      ['zero strides (one value repeated)', { step: 0 }, { step: 0, offset: 1 }],
      ['float32 inputs', { kind: 'f32' }, { kind: 'f32' }],
      ['mixed inputs f32 @ f64', { kind: 'f32' }, { kind: 'f64', transposed: true }],
      ['mixed inputs f64 @ f32', { kind: 'f64', step: 2 }, { kind: 'f32', offset: 1 }],
    ];
    for (const [label, a, b] of layouts) {
      for (const [m, k, n] of shapes) {
        for (const out of ['f64', 'f32'] as const) {
          const c: Case = { m, k, n, a, b, out, seed: m + k + n };
          test(`${label}: ${name(c)} -> ${out}`, () => check(c));
        }
      }
    }
  });

  describe('batches', () => {
    const cases: [string, Case][] = [
      ['batch of 3', { m: 5, k: 6, n: 7, batchShape: [3] }],
      ['batch of 3, several blocks', { m: 70, k: 300, n: 35, batchShape: [3], out: 'f32' }],
      ['A broadcast', { m: 33, k: 40, n: 35, batchShape: [4], a: { broadcast: [true] } }],
      ['B broadcast', { m: 6, k: 40, n: 9, batchShape: [4], b: { broadcast: [true], transposed: true } }],
      ['both broadcast', { m: 20, k: 20, n: 20, batchShape: [2], a: { broadcast: [true] }, b: { broadcast: [true] } }],
      ['rank 2', { m: 17, k: 9, n: 13, batchShape: [2, 3], out: 'f32' }],
      [
        'rank 2, crossed broadcasts',
        {
          m: 31, k: 29, n: 37, batchShape: [2, 3],
          a: { broadcast: [true, false], offset: 3, kind: 'f32' },
          b: { broadcast: [false, true], step: 2, transposed: true },
        },
      ],
      [
        'rank 2, crossed broadcasts, gathered operands',
        {
          m: 9, k: 70, n: 11, batchShape: [3, 2], out: 'f32',
          a: { broadcast: [false, true], step: 3 },
          b: { broadcast: [true, false], step: 4, transposed: true },
        },
      ],
      ['rank 2, tiny', { m: 2, k: 3, n: 2, batchShape: [3, 2], a: { broadcast: [false, true] } }],
      ['batch of 1 and an empty rank', { m: 9, k: 9, n: 9, batchShape: [1, 1] }],
    ];
    for (const [label, c] of cases) test(`${label}: ${name(c)}`, () => check(c));
  });

  describe('a summed batch (summedMatmulKernelWasm: one m x n out, the sum of the products of the batch)', () => {
    const summed = (c: Case): void => checkKernel(summedMatmulKernelWasm as typeof matmulKernelWasm, { ...c, summed: true });
    const cases: [string, Case][] = [
      ['batch of 1', { m: 5, k: 6, n: 7, batchShape: [1] }],
      ['batch of 3', { m: 5, k: 6, n: 7, batchShape: [3], out: 'f32' }],
      ['several k blocks a matrix', { m: 70, k: 300, n: 35, batchShape: [3], out: 'f32' }],
      ['a convolution weight gradient: B transposed, m of 6', { m: 6, k: 576, n: 25, batchShape: [5], b: { transposed: true }, out: 'f32' }],
      ['one strip of A (B read unpacked)', { m: 3, k: 40, n: 21, batchShape: [4] }],
      ['A broadcast', { m: 33, k: 40, n: 35, batchShape: [4], a: { broadcast: [true] } }],
      ['rank 2, crossed broadcasts', { m: 9, k: 17, n: 11, batchShape: [2, 3], a: { broadcast: [false, true] }, b: { broadcast: [true, false], transposed: true } }],
      ['k = 0: zeros', { m: 4, k: 0, n: 5, batchShape: [2] }],
      ['an empty batch: zeros', { m: 4, k: 3, n: 5, batchShape: [0], out: 'f32' }],
    ];
    for (const [label, c] of cases) test(`${label}: ${name(c)}`, () => summed(c));
  });

  describeEmptySizes(check);

  describe('memory reuse', () => {
    test('a smaller product after a larger one is unaffected by leftover memory', () => {
      check({ m: 64, k: 520, n: 1030, out: 'f32', seed: 7 }); // grows the memory
      check({ m: 20, k: 30, n: 25, out: 'f32', seed: 8 });
      check({ m: 21, k: 30, n: 27, out: 'f64', seed: 9 });
      check({ m: 5, k: 3, n: 6, batchShape: [2], out: 'f32', seed: 10, a: { broadcast: [true] } });
    });

    test('repeated calls into the same output give the same answer', () => {
      const random = mulberry32(3);
      const a = makeOperand(random, [], 40, 50, { kind: 'f32' });
      const b = makeOperand(random, [], 50, 60, { kind: 'f32' });
      const first = new Float32Array(40 * 60);
      matmulKernelWasm(first, a.operand, b.operand, [], 40, 50, 60);
      const second = first.slice();
      matmulKernelWasm(second, a.operand, b.operand, [], 40, 50, 60);
      expect(second).toEqual(first);
    });

    test('a larger product replaces the private memory without detaching the old one', () => {
      // A detached ArrayBuffer makes V8 slow down every typed-array loop of the process, so memories
      // are replaced, never grown in place: a view of the old memory keeps its length.
      const rt = matmulRuntime()!;
      check({ m: 8, k: 8, n: 8, out: 'f32', seed: 11 });
      const before = rt.f32View;
      const length = before.length;
      const side = Math.ceil(Math.sqrt(length)) + 8; // staged A alone outgrows the memory
      check({ m: side, k: side, n: 9, out: 'f32', seed: 12 });
      expect(rt.f32View.length).toBeGreaterThan(length);
      expect(before.length).toBe(length);
    });

    test('an operand updated between calls is read afresh', () => {
      const a = { data: new Float32Array([1, 2, 3, 4]), offset: 0, rowStride: 2, colStride: 1, batchStrides: [] };
      const b = { data: new Float32Array([1, 0, 0, 1]), offset: 0, rowStride: 2, colStride: 1, batchStrides: [] };
      const out = new Float32Array(4);
      matmulKernelWasm(out, a, b, [], 2, 2, 2);
      expect([...out]).toEqual([1, 2, 3, 4]);
      a.data[0] = 10;
      matmulKernelWasm(out, a, b, [], 2, 2, 2);
      expect([...out]).toEqual([10, 2, 3, 4]);
    });
  });
});
