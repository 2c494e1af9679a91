/**
 * The reduction kernel (kernels/reduce.ts), which walks merged axes and sums a row that lands in one
 * slot in a local: sum, max and min over any set of axes of plain, transposed and sliced views give,
 * bit for bit, what a plain loop gives that visits the elements in row-major order and accumulates
 * in float64 (the kernel's documented order), NaN included.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { tensor, type DType, type Tensor } from '../src/index.js';

const value = fc.oneof(fc.integer({ min: -1000, max: 1000 }).map((i) => i / 7), fc.constantFrom(NaN, 0.1, -0.3, 1e8));

const setting = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    axes: fc.subarray(shape.map((_, i) => i), { minLength: 1 }),
    view: fc.constantFrom('plain', 'transposed', 'sliced'),
    dtype: fc.constantFrom<DType>('float32', 'float64'),
    values: fc.array(value, { minLength: 320, maxLength: 320 }),
  }));

function laidOut(values: number[], shape: number[], dtype: DType, view: string): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  if (view === 'transposed' && shape.length >= 2) {
    const swapped = [...shape];
    [swapped[0], swapped[swapped.length - 1]] = [swapped[swapped.length - 1]!, swapped[0]!];
    return tensor(values.slice(0, size), { shape: swapped, dtype }).transpose(0, -1);
  }
  if (view === 'sliced') {
    const bigger = [shape[0]! + 1, ...shape.slice(1)];
    return tensor(values.slice(0, (size / shape[0]!) * bigger[0]!), { shape: bigger, dtype }).slice([1, ...shape.slice(1).map(() => 0)], bigger);
  }
  return tensor(values.slice(0, size), { shape, dtype });
}

describe('reduceKernel', () => {
  propTest.prop([setting])('sum, max and min equal a row-major float64 loop', ({ shape, axes, view, dtype, values }) => {
    const x = laidOut(values, shape, dtype, view);
    const xs = Array.from(x.data());
    const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const slots = outShape.reduce((p, d) => p * d, 1);
    for (const reduction of ['sum', 'max', 'min'] as const) {
      const acc = new Float64Array(slots).fill(reduction === 'sum' ? 0 : reduction === 'max' ? -Infinity : Infinity);
      xs.forEach((v, flat) => {
        let rest = flat;
        let slot = 0;
        let scale = 1;
        for (let i = shape.length - 1; i >= 0; i--) {
          const index = rest % shape[i]!;
          rest = Math.floor(rest / shape[i]!);
          if (!axes.includes(i)) slot += index * scale;
          scale *= outShape[i]!;
        }
        if (reduction === 'sum') acc[slot] += v;
        else if (reduction === 'max' ? v > acc[slot]! || v !== v : v < acc[slot]! || v !== v) acc[slot] = v;
      });
      const expected = dtype === 'float32' ? Array.from(Float32Array.from(acc)) : Array.from(acc);
      const got = Array.from(x[reduction](axes, true).data());
      expect(got.map(String), reduction).toEqual(expected.map(String));
    }
  });
});
