/**
 * The element-wise ops that have loops of their own (per-op code paths in kernels/elementwise.ts)
 * give exactly what mapping the op's scalar function gives, on contiguous, transposed, sliced and
 * broadcast operands of both dtypes, including zeros, infinities and NaN. `where` (a flat loop when
 * every operand is contiguous or one repeated value, a loop per row otherwise) is checked the same way.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { isUnaryCode, unaryKernel, binaryKernel, type BinaryCode } from '../src/kernels/elementwise.js';
import { unaryOps } from '../src/ops/unary.js';
import { mapBinary, mapUnary, viewAs } from '../src/ops/pointwise.js';
import { allocate, type DType } from '../src/dtype.js';
import { tensor, where, type Tensor } from '../src/index.js';

const special = fc.constantFrom(0, -0, 1, -1, 0.5, Infinity, -Infinity, NaN, 1e-310, 3.5e38);
const value = fc.oneof(fc.double({ min: -50, max: 50, noNaN: true }), special);
const dtype = fc.constantFrom<DType>('float32', 'float64');

/** A [rows, cols] tensor, read either as it is or as a transposed or sliced view of a larger one. */
const matrix = fc
  .record({ rows: fc.integer({ min: 1, max: 6 }), cols: fc.integer({ min: 1, max: 6 }), dtype, layout: fc.constantFrom('plain', 'transposed', 'sliced') })
  .chain(({ rows, cols, dtype, layout }) =>
    fc.array(value, { minLength: (rows + 1) * (cols + 1), maxLength: (rows + 1) * (cols + 1) }).map((values): Tensor => {
      if (layout === 'transposed') return tensor(values.slice(0, rows * cols), { shape: [cols, rows], dtype }).transpose(0, 1);
      if (layout === 'sliced') return tensor(values, { shape: [rows + 1, cols + 1], dtype }).slice([1, 1], [rows + 1, cols + 1]);
      return tensor(values.slice(0, rows * cols), { shape: [rows, cols], dtype });
    }),
  );

/** Equality of every value, NaN equal to NaN and -0 told from 0. */
function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
  expect(Array.from(actual, show)).toEqual(Array.from(expected, show));
}

describe('unary ops with their own loop', () => {
  const coded = Object.entries(unaryOps).filter(([name]) => isUnaryCode(name));
  test('every op but sigmoid has one', () => {
    expect(coded.map(([name]) => name).sort()).toEqual(Object.keys(unaryOps).filter((n) => n !== 'sigmoid').sort());
  });

  propTest.prop([matrix])('equal the scalar function mapped element by element', (x) => {
    for (const [name, op] of coded) {
      const scalarForward = op.scalarForward!;
      const f = (v: number): number => scalarForward(v, 0);
      const expected = allocate(x.dtype, x.size);
      unaryKernel(expected, x, x.isContiguous, f);
      expectSameValues(mapUnary(x, f, name as Parameters<typeof mapUnary>[2]).data(), expected);
    }
  });
});

describe('binary ops with their own loop', () => {
  const functions: Record<BinaryCode, (x: number, y: number) => number> = {
    add: (x, y) => x + y,
    sub: (x, y) => x - y,
    mul: (x, y) => x * y,
    div: (x, y) => x / y,
    eq: (x, y) => (x === y ? 1 : 0),
    ne: (x, y) => (x !== y ? 1 : 0),
    lt: (x, y) => (x < y ? 1 : 0),
    le: (x, y) => (x <= y ? 1 : 0),
    gt: (x, y) => (x > y ? 1 : 0),
    ge: (x, y) => (x >= y ? 1 : 0),
  };
  // b is the same shape as a, one of its rows (a bias), one of its columns, or a single element.
  const pair = matrix.chain((a) =>
    fc.tuple(fc.constant(a), fc.constantFrom('same', 'row', 'column', 'scalar')).map(([a, shape]): [Tensor, Tensor] => {
      const [rows, cols] = a.shape as [number, number];
      if (shape === 'same') return [a, a.transpose(0, 1).neg().transpose(0, 1)];
      if (shape === 'row') return [a, a.slice([0, 0], [1, cols]).reshape([cols])];
      if (shape === 'column') return [a, a.slice([0, 0], [rows, 1])];
      return [a, a.slice([0, 0], [1, 1]).reshape([])];
    }),
  );

  propTest.prop([pair])('equal the scalar function with broadcasting', ([a, b]) => {
    for (const [code, f] of Object.entries(functions) as [BinaryCode, (x: number, y: number) => number][]) {
      for (const [left, right] of [[a, b], [b, a]] as const) {
        const result = mapBinary(left, right, code, f, code);
        const expected = allocate(result.dtype, result.size);
        binaryKernel(expected, viewAs(left, result.shape), viewAs(right, result.shape), false, f);
        expectSameValues(result.data(), expected);
      }
    }
  });
});

describe('where', () => {
  // The condition and the two branches: each the matrix itself, a row, a column or one element of it,
  // so that every mix of the flat loop (contiguous or repeated operands) and the per-row loop is run.
  const part = (x: Tensor, kind: string): Tensor => {
    const [rows, cols] = x.shape as [number, number];
    if (kind === 'row') return x.slice([0, 0], [1, cols]).reshape([cols]);
    if (kind === 'column') return x.slice([0, 0], [rows, 1]);
    if (kind === 'scalar') return x.slice([0, 0], [1, 1]).reshape([]);
    return x;
  };
  const kind = fc.constantFrom('same', 'row', 'column', 'scalar');
  // The condition is read as nonzero or not, so the matrix's own values (zeros, NaN, infinities) serve.
  const triple = fc.tuple(matrix, kind, kind, kind).map(([x, kc, ka, kb]) => [part(x, kc), part(x.neg(), ka), part(x.mul(2), kb)] as const);

  test('operands that start inside their storage (contiguous, with an offset), in every dtype', () => {
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      const values = tensor([9, 1, -2, 3, 0, -5, 7], { dtype });
      const cond = tensor([1, 0, 0, 1, 1, 0], { dtype: 'float32' });
      const result = where(cond, values.slice([1], [7]), values.slice([0], [6]).neg());
      expect(result.dtype).toBe(dtype);
      expect(result.toArray()).toEqual([1, -1, 2, 0, -5, 5]);
    }
    const bits = tensor([Number.NaN, -0, Infinity], { dtype: 'float64' });
    expectSameValues(where(tensor([1, 1, 0]), bits, tensor([0, 0, -Infinity], { dtype: 'float64' })).data(), [Number.NaN, -0, -Infinity]);
  });

  propTest.prop([triple])('equals picking element by element', ([cond, a, b]) => {
    const result = where(cond, a, b);
    const shape = result.shape;
    const [c, x, y] = [cond, a, b].map((t) => t.expand(shape).data());
    expectSameValues(result.data(), Array.from(c!, (v, i) => (v !== 0 ? x![i]! : y![i]!)));
  });
});
