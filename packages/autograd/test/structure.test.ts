/**
 * The structure ops (tril, triu, flip, roll, tile, flatten, split, chunk, diagonal) and the creation
 * functions linspace and randint: PyTorch's values and gradients (test/fixtures/ops-struct.json,
 * written by test/fixtures/ops-struct.py) in float64 and int32, NaN moving with the values, flip's
 * negative strides through the kernels, and the errors. Gradients to second order and float32
 * against float64 are the registry suites' (gradients.test.ts, numerics.test.ts).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import {
  add, cast, chunk, diagonal, flatten, flip, Generator, gradients, linspace, manualSeed, matmul, ones, randint, roll, split, sum, tensor,
  tile, tril, triu, type DType, type Tensor,
} from '../src/index.js';

interface Encoded {
  dtype: DType;
  shape: number[];
  data: (number | string)[];
}
interface Case {
  op: string;
  args: Record<string, unknown>;
  input: Encoded;
  value: Encoded | Encoded[];
  grad: Encoded;
  int32: Encoded | Encoded[];
}
interface LinspaceCase {
  start: number;
  stop: number;
  steps: number;
  float32: Encoded;
  float64: Encoded;
  int32: Encoded;
}
const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/ops-struct.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  linspace: LinspaceCase[];
};

const number = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
const decode = (e: Encoded, requiresGrad = false): Tensor => tensor(e.data.map(number), { shape: e.shape, dtype: e.dtype, requiresGrad });
const list = (v: Encoded | Encoded[]): Encoded[] => (Array.isArray(v) ? v : [v]);
/** The cos pattern the script uses as the cotangent of each result. */
const cotangent = (shape: readonly number[]): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Array.from({ length: n }, (_, i) => Math.cos(i * 0.7 + 0.3)), { shape, dtype: 'float64' });
};

type Op = (x: Tensor) => Tensor | Tensor[];
function runner(c: Case): Op {
  const a = c.args as Record<string, never>;
  switch (c.op) {
    case 'tril': return (x) => tril(x, a.diagonal);
    case 'triu': return (x) => triu(x, a.diagonal);
    case 'flip': return (x) => flip(x, a.axes);
    case 'roll': return (x) => (a.axes === null ? roll(x, a.shifts) : roll(x, a.shifts, a.axes));
    case 'tile': return (x) => tile(x, a.reps);
    case 'flatten': return (x) => flatten(x, a.startAxis, a.endAxis);
    case 'split': return (x) => split(x, a.sizeOrSizes, a.axis);
    case 'chunk': return (x) => chunk(x, a.chunks, a.axis);
    case 'diagonal': return (x) => diagonal(x, { offset: a.offset, axis1: a.axis1, axis2: a.axis2 });
    default: throw new Error(`no runner for the recorded op ${c.op}`);
  }
}
const pieces = (out: Tensor | Tensor[]): Tensor[] => (Array.isArray(out) ? out : [out]);

/** Each element equal to the expected one (NaN where it is NaN): the moves copy values exactly. */
function expectExact(actual: Tensor, expected: Encoded, label: string): void {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  expect(actual.dtype, `${label}: dtype`).toBe(expected.dtype);
  expect(Array.from(actual.data()), label).toEqual(expected.data.map(number));
}

/** Within 1e-12 relative of the expected elements (and NaN exactly where they are NaN). */
function expectClose(actual: Tensor, expected: Encoded, label: string): void {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  const got = Array.from(actual.data());
  expected.data.map(number).forEach((want, i) => {
    const ok = Number.isNaN(want) ? Number.isNaN(got[i]!) : Math.abs(got[i]! - want) <= 1e-12 * Math.abs(want);
    if (!ok) throw new Error(`${label}: element ${i} is ${got[i]}, PyTorch's is ${want}`);
  });
}

const caseLabel = (c: Case): string => `${c.op}(${JSON.stringify(c.args)}) of ${JSON.stringify(c.input.shape)}`;

describe("PyTorch's values and gradients", () => {
  for (const c of fixture.cases) {
    test(`${caseLabel(c)}: values (exact, NaN moved) and gradient in float64`, () => {
      const f = runner(c);
      const x = decode(c.input, true);
      const out = pieces(f(x));
      expect(out).toHaveLength(list(c.value).length);
      out.forEach((p, i) => expectExact(p, list(c.value)[i]!, `piece ${i}`));
      const loss = out.map((p) => sum(p.mul(cotangent(p.shape)))).reduce((s, t) => add(s, t));
      expectClose(gradients(loss, [x], ones([], { dtype: 'float64' }))[0]!, c.grad, 'gradient');
    });

    test(`${caseLabel(c)}: int32 values exact, no gradient`, () => {
      const x = cast(tensor(c.input.data.map((v) => (v === 'NaN' ? 0 : number(v))), { shape: c.input.shape, dtype: 'float64' }), 'int32');
      const out = pieces(runner(c)(x));
      out.forEach((p, i) => {
        expectExact(p, list(c.int32)[i]!, `piece ${i}`);
        expect(p.requiresGrad).toBe(false);
      });
    });
  }
});

describe('linspace', () => {
  for (const c of fixture.linspace) {
    for (const dtype of ['float32', 'float64'] as const) {
      test(`linspace(${c.start}, ${c.stop}, ${c.steps}) in ${dtype}: PyTorch's values bit for bit`, () => {
        expectExact(linspace(c.start, c.stop, c.steps, { dtype }), c[dtype], dtype);
      });
    }
    const integral = Number.isInteger(c.start) && Number.isInteger(c.stop);
    test(`linspace(${c.start}, ${c.stop}, ${c.steps}) in int32: ${integral ? "PyTorch's values" : 'an error (ends not integers)'}`, () => {
      if (integral) expectExact(linspace(c.start, c.stop, c.steps, { dtype: 'int32' }), c.int32, 'int32');
      else expect(() => linspace(c.start, c.stop, c.steps, { dtype: 'int32' })).toThrow(/^linspace: (start|stop) .* is not an integer/);
    });
  }

  test('NaN ends give NaN values; bad steps and options are errors naming linspace', () => {
    expect(Array.from(linspace(0, NaN, 3, { dtype: 'float64' }).data()).slice(1).every(Number.isNaN)).toBe(true);
    expect(() => linspace(0, 1, -1)).toThrow('linspace: steps must be a non-negative integer, got -1');
    expect(() => linspace(0, 1, 2.5)).toThrow('linspace: steps must be a non-negative integer, got 2.5');
    expect(() => linspace(0, 1, 3, { dtype: 'int32', requiresGrad: true })).toThrow(/^linspace: an int32 tensor cannot require grad/);
    expect(() => linspace(0, 1, 3, { step: 1 } as never)).toThrow(/^linspace: unknown option 'step'/);
    expect(linspace(0, 1, 3, { requiresGrad: true }).requiresGrad).toBe(true);
  });
});

describe('randint', () => {
  test('int32 values in [low, high), reproducible from manualSeed and from an rng', () => {
    manualSeed(7);
    const a = randint(-3, 4, [50, 4]);
    manualSeed(7);
    const b = randint(-3, 4, [50, 4]);
    expect(a.dtype).toBe('int32');
    expect(a.shape).toEqual([50, 4]);
    expect(Array.from(a.data())).toEqual(Array.from(b.data()));
    expect(Array.from(a.data()).every((v) => v >= -3 && v < 4 && Number.isInteger(v))).toBe(true);
    // Every value of the range is drawn (200 draws of 7 values: missing one has probability < 1e-12).
    expect(new Set(a.data()).size).toBe(7);
    const [r1, r2] = [new Generator(11), new Generator(11)];
    expect(Array.from(randint(0, 1000, [20], { rng: r1 }).data())).toEqual(Array.from(randint(0, 1000, [20], { rng: r2 }).data()));
    expect(Array.from(randint(5, 6, [3]).data())).toEqual([5, 5, 5]);
  });

  test('errors name randint and the bad argument', () => {
    expect(() => randint(3, 3, [2])).toThrow('randint: low (3) must be less than high (3); values are drawn from [low, high)');
    expect(() => randint(5, 2, [2])).toThrow('randint: low (5) must be less than high (2)');
    expect(() => randint(0.5, 2, [2])).toThrow(/^randint: low 0\.5 is not an integer/);
    expect(() => randint(0, 2 ** 40, [2])).toThrow(/^randint: high .* is outside the int32 range/);
    expect(() => randint(0, 2, [2, -1])).toThrow(/^randint: invalid shape \[2,-1\]/);
    expect(() => randint(0, 2, [2], { rng: 3 } as never)).toThrow('randint: rng must be a Generator, got 3');
    expect(() => randint(0, 2, [2], { dtype: 'float32' } as never)).toThrow(/^randint: unknown option 'dtype'/);
  });
});

/** A float64 tensor of `shape` with distinct values and NaN at the drawn positions. */
const withNaN = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 3 })
  .chain((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fc.tuple(fc.constant(shape), fc.array(fc.boolean(), { minLength: n, maxLength: n }));
  })
  .map(([shape, nan]) => tensor(nan.map((isNaN, i) => (isNaN ? NaN : i + 1)), { shape, dtype: 'float64' }));

describe('NaN moves with the values', () => {
  // Each op applied to x and to x's NaN indicator (1 at NaN, 0 elsewhere): the result is NaN exactly
  // where the indicator's result is 1, and equal to x's moved values elsewhere.
  const ops: Record<string, (x: Tensor) => Tensor[]> = {
    tril: (x) => [tril(x, -1)],
    triu: (x) => [triu(x, 1)],
    flip: (x) => [flip(x, [0, -1])],
    roll: (x) => [roll(x, 3), roll(x, [-1, 2], [0, 1])],
    tile: (x) => [tile(x, [2, 1, 2])],
    flatten: (x) => [flatten(x, 1)],
    split: (x) => split(x, 2, 1),
    chunk: (x) => chunk(x, 2, 0),
    diagonal: (x) => [diagonal(x, { offset: 1 }), diagonal(x, { offset: -1, axis1: 1, axis2: 0 })],
  };
  for (const [name, f] of Object.entries(ops)) {
    propTest.prop([withNaN], { numRuns: 30 })(`${name}: NaN where a NaN input lands, in the value and the gradient`, (x) => {
      const indicator = tensor(Array.from(x.data(), (v) => (Number.isNaN(v) ? 1 : 0)), { shape: x.shape, dtype: 'float64' });
      const leaf = x;
      leaf.requiresGrad = true;
      const results = f(leaf);
      f(indicator).forEach((mask, i) => {
        const got = Array.from(results[i]!.data());
        Array.from(mask.data()).forEach((m, j) => expect(Number.isNaN(got[j]!), `result ${i}, element ${j}`).toBe(m === 1));
      });
      // The gradient of a move does not depend on the values: never NaN.
      const loss = results.map((r) => sum(r)).reduce((s, t) => add(s, t));
      expect(Array.from(gradients(loss, [leaf], ones([], { dtype: 'float64' }))[0]!.data()).some(Number.isNaN)).toBe(false);
    });
  }
});

describe('flip is a view with negative strides, and the kernels walk it', () => {
  test('it shares storage and every backend computes on it as on a copy', () => {
    const x = tensor(Array.from({ length: 24 }, (_, i) => i * 0.5 - 3), { shape: [2, 3, 4], dtype: 'float64' });
    const f = flip(x, [1, 2]);
    expect(f.storage).toBe(x.storage);
    expect(f.strides).toEqual([12, -4, -1]);
    const copy = tensor(f.toArray() as number[][][], { dtype: 'float64' });
    expect(f.isContiguous).toBe(false);
    expect(Array.from(f.exp().data())).toEqual(Array.from(copy.exp().data()));
    expect(Array.from(add(f, copy.mul(2)).data())).toEqual(Array.from(add(copy, copy.mul(2)).data()));
    expect(Array.from(sum(f, 1).data())).toEqual(Array.from(sum(copy, 1).data()));
    const w = tensor(Array.from({ length: 12 }, (_, i) => i - 5), { shape: [4, 3], dtype: 'float64' });
    expect(Array.from(matmul(f, w).data())).toEqual(Array.from(matmul(copy, w).data()));
    // Reversed rows, then read through a transpose and copied by reshape.
    const reversed = (w.toArray() as number[][]).reverse();
    expect(flip(w, 0).toArray()).toEqual(reversed);
    expect(flip(w, 0).transpose().reshape([-1]).toArray()).toEqual([0, 1, 2].flatMap((j) => reversed.map((row) => row[j]!)));
  });
});

describe('errors name the op and what was wrong', () => {
  const m = tensor([[1, 2], [3, 4]]);
  test.each([
    [() => tril(tensor([1, 2, 3])), 'tril: needs a tensor of at least 2 dimensions, got shape [3]'],
    [() => triu(m, 0.5), 'triu: diagonal must be an integer, got 0.5'],
    [() => flip(m, 2), 'flip: axis 2 is out of range for rank 2'],
    [() => flip(m, [0, 0]), 'flip: axis 0 is repeated in [0,0]'],
    [() => roll(m, [1, 2]), 'roll: without axes, shifts must be one integer (the flattened tensor is rolled), got [1,2]'],
    [() => roll(m, [1, 2], [0]), 'roll: shifts and axes must have the same length, got [1,2] and [0]'],
    [() => roll(m, 1.5, 0), 'roll: a shift must be an integer, got 1.5'],
    [() => roll(m, 1, 3), 'roll: axis 3 is out of range for rank 2'],
    [() => tile(m, [2, -1]), 'tile: reps must be an array of non-negative integers, got the array [2,-1]'],
    [() => flatten(m, 1, 0), 'flatten: startAxis 1 comes after endAxis 0 for shape [2,2]'],
    [() => flatten(m, 0, 5), 'flatten: axis 5 is out of range for rank 2'],
    [() => split(m, 0), 'split: the piece size must be a positive integer, got 0'],
    [() => split(m, [1, 2]), 'split: sizes [1,2] sum to 3, but axis 0 of shape [2,2] has size 2'],
    [() => split(m, 1, -3), 'split: axis -3 is out of range for rank 2'],
    [() => chunk(m, 0), 'chunk: chunks must be a positive integer, got 0'],
    [() => chunk(m, 2, 2), 'chunk: axis 2 is out of range for rank 2'],
    [() => diagonal(tensor([1, 2])), 'diagonal: needs a tensor of at least 2 dimensions, got shape [2]'],
    [() => diagonal(m, { axis1: 1, axis2: -1 }), 'diagonal: axis1 and axis2 must be different axes, got 1 and -1 (both axis 1) of shape [2,2]'],
    [() => diagonal(m, { offset: 0.5 }), 'diagonal: offset must be an integer, got 0.5'],
    [() => diagonal(m, { axis3: 0 } as never), "diagonal: unknown option 'axis3'"],
  ] as const)('%#: %s', (f, message) => {
    expect(f).toThrow(message);
  });
});
