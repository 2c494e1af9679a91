/**
 * The WebAssembly lowering of a convolution (kernels/wasm/spatial.ts) against the plain definition,
 * exactly, on drawn geometries (padding, row stride and row dilation, kernels larger than the input,
 * rows whose valid columns fill no whole vector), in float32 and float64, NaN, infinities and -0
 * included: im2col moves every bit of its values, and col2im gives the sums
 * x[c, h, w] += cols[(c, i, j), p, q] in the order c, i, j, p, q, into planes at an offset that
 * already hold values. Both decline a column stride or dilation other than 1 and mixed precisions.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { col2imAddWasm, im2colWasm } from '../src/kernels/wasm/spatial.js';
import { spatialModuleBytes } from '../src/kernels/wasm/spatial-module.js';
import { wasmMatmulAvailable } from '../src/kernels/wasm/matmul.js';
import type { ConvGeometry } from '../src/kernels/conv.js';

type FloatStorage = Float32Array | Float64Array;

/** x += col2im(cols) by the definition, one value at a time. */
function reference(x: FloatStorage, base: number, cols: FloatStorage, channels: number, g: ConvGeometry): void {
  let d = 0;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < g.kH; i++) {
      for (let j = 0; j < g.kW; j++) {
        for (let p = 0; p < g.outH; p++) {
          for (let q = 0; q < g.outW; q++, d++) {
            const h = p * g.strideH - g.padH + i * g.dilationH;
            const w = q * g.strideW - g.padW + j * g.dilationW;
            if (h >= 0 && h < g.inH && w >= 0 && w < g.inW) x[base + (c * g.inH + h) * g.inW + w] += cols[d]!;
          }
        }
      }
    }
  }
}

/** The im2col matrix by the definition, one value at a time (0 in the padding). */
function referenceIm2col(x: FloatStorage, base: number, channels: number, g: ConvGeometry): number[] {
  const cols: number[] = [];
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < g.kH; i++) {
      for (let j = 0; j < g.kW; j++) {
        for (let p = 0; p < g.outH; p++) {
          for (let q = 0; q < g.outW; q++) {
            const h = p * g.strideH - g.padH + i * g.dilationH;
            const w = q * g.strideW - g.padW + j * g.dilationW;
            cols.push(h >= 0 && h < g.inH && w >= 0 && w < g.inW ? x[base + (c * g.inH + h) * g.inW + w]! : 0);
          }
        }
      }
    }
  }
  return cols;
}

/** A value as text that tells -0 from 0. */
const bits = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

const outSize = (size: number, kernel: number, stride: number, pad: number, dilation: number): number =>
  Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;

const geometries = fc
  .record({
    channels: fc.integer({ min: 1, max: 3 }),
    inH: fc.integer({ min: 1, max: 9 }),
    inW: fc.integer({ min: 1, max: 13 }),
    kH: fc.integer({ min: 1, max: 4 }),
    kW: fc.integer({ min: 1, max: 5 }),
    padH: fc.integer({ min: 0, max: 2 }),
    padW: fc.integer({ min: 0, max: 3 }),
    strideH: fc.integer({ min: 1, max: 3 }),
    dilationH: fc.integer({ min: 1, max: 2 }),
    base: fc.integer({ min: 0, max: 5 }),
    f64: fc.boolean(),
  })
  .map((r) => ({
    ...r,
    g: {
      batch: 1, groups: 1, inChannels: r.channels, outChannels: 1, inH: r.inH, inW: r.inW, kH: r.kH, kW: r.kW,
      outH: outSize(r.inH, r.kH, r.strideH, r.padH, r.dilationH), outW: outSize(r.inW, r.kW, 1, r.padW, 1),
      strideH: r.strideH, strideW: 1, padH: r.padH, padW: r.padW, dilationH: r.dilationH, dilationW: 1,
    } satisfies ConvGeometry,
  }))
  .filter((r) => r.g.outH >= 1 && r.g.outW >= 1);

const values = fc.array(fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(NaN, Infinity, -0)), { minLength: 50, maxLength: 50 });

describe.skipIf(!wasmMatmulAvailable())('WebAssembly im2col and col2im', () => {
  test('both modules stay under 4 KiB (synchronous compilation in browsers)', () => {
    for (const part of ['lowering', 'pooling'] as const) expect(spatialModuleBytes(part).length, part).toBeLessThan(4096);
  });

  propTest.prop([geometries, values])('im2col equals the definition, bit for bit', ({ channels, base, f64, g }, pool) => {
    const length = base + channels * g.inH * g.inW;
    const x = f64 ? new Float64Array(length) : new Float32Array(length);
    for (let e = 0; e < length; e++) x[e] = pool[(e * 7 + 2) % pool.length]!;
    const like = f64 ? new Float64Array(1) : new Float32Array(1);
    const built = im2colWasm(like, x, base, channels, g);
    expect(built).not.toBeNull();
    const expected = referenceIm2col(x, base, channels, g);
    const actual = Array.from(built!.data.subarray(built!.offset, built!.offset + expected.length));
    expect(actual.map(bits)).toEqual(expected.map(bits));
  });

  propTest.prop([geometries, values])('col2im equals the definition, sum for sum', ({ channels, base, f64, g }, pool) => {
    const make = (length: number, shift: number): FloatStorage => {
      const array = f64 ? new Float64Array(length) : new Float32Array(length);
      for (let e = 0; e < length; e++) array[e] = pool[(e * 7 + shift) % pool.length]!;
      return array;
    };
    const cols = make(channels * g.kH * g.kW * g.outH * g.outW, 1);
    const expected = make(base + channels * g.inH * g.inW + 3, 2);
    const actual = expected.slice();
    reference(expected, base, cols, channels, g);
    expect(col2imAddWasm(actual, base, cols, channels, g)).toBe(true);
    expect(Array.from(actual, bits)).toEqual(Array.from(expected, bits));
  });

  test('both decline a column stride or dilation other than 1 and mixed precisions, leaving x alone', () => {
    const g: ConvGeometry = {
      batch: 1, groups: 1, inChannels: 1, outChannels: 1, inH: 6, inW: 6, kH: 2, kW: 2, outH: 5, outW: 5,
      strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1,
    };
    const cols = new Float32Array(4 * 25).fill(1);
    for (const [geometry, xs] of [
      [{ ...g, strideW: 2, outW: 3 }, new Float32Array(36)],
      [{ ...g, dilationW: 2, outW: 4 }, new Float32Array(36)],
      [g, new Float64Array(36)],
    ] as const) {
      expect(col2imAddWasm(xs, 0, cols, 1, geometry)).toBe(false);
      expect(im2colWasm(new Float32Array(1), xs, 0, 1, geometry)).toBeNull();
      expect(xs.every((v) => v === 0)).toBe(true);
    }
  });
});
