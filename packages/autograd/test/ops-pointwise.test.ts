/**
 * The pointwise ops log1p ... rsqrt, floor ceil round trunc, atan2 remainder logAddExp against
 * PyTorch (test/fixtures/ops-pointwise.json, written by test/fixtures/ops-pointwise.py): values and
 * gradients in float64 on fixed inputs with the special values, NaN at PyTorch's positions in
 * float32 too, and int32 inputs. Their gradients to second order, float32 against float64 and the
 * scalar rules are checked by the suites that walk the registry (gradients, numerics, scalar-path).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import * as nn from '../src/index.js';
import { getDefaultDtype, tensor, type DType, type Tensor } from '../src/index.js';
import { mismatches, type Encoded } from '../../../test/fixtures/nan-fixture.js';

const UNARY = {
  log1p: nn.log1p, expm1: nn.expm1, log2: nn.log2, log10: nn.log10, erf: nn.erf, erfc: nn.erfc, tan: nn.tan, atan: nn.atan,
  asin: nn.asin, acos: nn.acos, sinh: nn.sinh, cosh: nn.cosh, asinh: nn.asinh, acosh: nn.acosh, atanh: nn.atanh, rsqrt: nn.rsqrt,
  floor: nn.floor, ceil: nn.ceil, round: nn.round, trunc: nn.trunc,
} satisfies Record<string, (x: Tensor) => Tensor>;
const BINARY = { atan2: nn.atan2, remainder: nn.remainder, logAddExp: nn.logAddExp } satisfies Record<string, (a: Tensor, b: Tensor) => Tensor>;
type OpName = keyof typeof UNARY | keyof typeof BINARY;

interface Typed extends Encoded {
  dtype: DType;
}
interface GradCase {
  op: OpName;
  inputs: Typed[];
  output: Typed;
  cotangent: Typed;
  grads: Typed[];
}
interface Int32Case {
  op: OpName;
  inputs: Typed[];
  output?: Typed;
  error?: string;
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const decode = <T>(value: T): T =>
  typeof value === 'string' && value in NON_FINITE ? (NON_FINITE[value] as T)
    : Array.isArray(value) ? (value.map(decode) as T)
    : typeof value === 'object' && value !== null ? (Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)])) as T)
    : value;
const fixture = decode(JSON.parse(readFileSync(new URL('../../../test/fixtures/ops-pointwise.json', import.meta.url), 'utf8'))) as {
  float64: GradCase[];
  int32: Int32Case[];
};

function run(op: OpName, xs: Tensor[]): Tensor {
  return op in UNARY ? UNARY[op as keyof typeof UNARY](xs[0]!) : BINARY[op as keyof typeof BINARY](xs[0]!, xs[1]!);
}
const make = (x: Encoded, dtype: DType, requiresGrad = false): Tensor => tensor(x.data, { shape: x.shape, dtype, requiresGrad });
const nanPositions = (values: ArrayLike<number>): number[] => Array.from(values).flatMap((v, i) => (Number.isNaN(v) ? [i] : []));

describe("PyTorch's values and gradients, in float64", () => {
  test('every op of the family has a recorded case, and every recorded op a runner', () => {
    const recorded = new Set(fixture.float64.map((c) => c.op));
    expect([...recorded].sort()).toEqual([...Object.keys(UNARY), ...Object.keys(BINARY)].sort());
  });

  for (const [index, c] of fixture.float64.entries()) {
    const label = `${c.op} on [${c.inputs.map((x) => x.shape.join(', ')).join('] and [')}] (case ${index})`;
    test(`${label}: values and gradients`, () => {
      const leaves = c.inputs.map((x) => make(x, 'float64', true));
      const y = run(c.op, leaves);
      expect(y.dtype).toBe('float64');
      expect(y.shape).toEqual(c.output.shape);
      // erf and erfc are computed by fdlibm's algorithm here and by the C library in PyTorch: both within an ulp.
      const rtol = c.op === 'erf' || c.op === 'erfc' ? 1e-15 : 1e-12;
      expect(mismatches(y.data(), c.output.data, rtol), 'output').toEqual([]);
      y.backward(make(c.cotangent, 'float64'));
      c.grads.forEach((g, i) => expect(mismatches(leaves[i]!.grad!.data(), g.data), `gradient of input ${i}`).toEqual([]));
    });
    test(`${label}: NaN at PyTorch's positions in float32, values and gradients`, () => {
      const leaves = c.inputs.map((x) => make(x, 'float32', true));
      const y = run(c.op, leaves);
      expect(nanPositions(y.data())).toEqual(nanPositions(c.output.data));
      y.backward(make(c.cotangent, 'float32'));
      c.grads.forEach((g, i) => expect(nanPositions(leaves[i]!.grad!.data()), `gradient of input ${i}`).toEqual(nanPositions(g.data)));
    });
  }
});

describe('int32 inputs', () => {
  for (const c of fixture.int32) {
    const label = `${c.op}(${c.inputs.map((x) => x.dtype).join(', ')})`;
    if (c.error !== undefined && c.op === 'remainder') {
      test(`${label}: a divisor 0 is an error, as PyTorch's (${c.error})`, () => {
        expect(() => run(c.op, c.inputs.map((x) => make(x, x.dtype)))).toThrow('remainder: int32 3 by the divisor 0 (integer division by zero)');
      });
    } else if (c.error !== undefined) {
      // PyTorch 1.13 has no integer logaddexp; here it promotes as the other float ops do.
      test(`${label}: the default float dtype (PyTorch: ${c.error})`, () => {
        const xs = c.inputs.map((x) => make(x, x.dtype));
        const y = run(c.op, xs);
        expect(y.dtype).toBe(getDefaultDtype());
        const expected = run(c.op, xs.map((x) => x.cast('float64'))).cast(getDefaultDtype());
        expect(Array.from(y.data())).toEqual(Array.from(expected.data()));
      });
    } else {
      test(`${label}: PyTorch's dtype and values`, () => {
        const y = run(c.op, c.inputs.map((x) => make(x, x.dtype)));
        const output = c.output!;
        // PyTorch's default float dtype is float32, as this package's.
        expect(y.dtype).toBe(output.dtype);
        // PyTorch computes in float32 where this package rounds the float64 result: an ulp apart at most.
        expect(mismatches(y.data(), output.data, output.dtype === 'float32' ? 2 ** -23 : 1e-12)).toEqual([]);
      });
    }
  }

  test('floor, ceil, round and trunc return int32 values as they are, in a new tensor', () => {
    const x = tensor([-2147483648, -3, 0, 7, 2147483647], { dtype: 'int32' });
    for (const f of [nn.floor, nn.ceil, nn.round, nn.trunc]) {
      const y = f(x);
      expect(y).not.toBe(x);
      expect(y.dtype).toBe('int32');
      expect(Array.from(y.data())).toEqual(Array.from(x.data()));
    }
  });
});

describe('round', () => {
  test('rounds half to even, as torch.round', () => {
    const x = tensor([-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999999999999994, 2 ** 52 + 1], { dtype: 'float64' });
    expect(Array.from(nn.round(x).data())).toEqual([-4, -2, -2, -0, 0, 2, 2, 4, 0, 2 ** 52 + 1]);
    expect(Object.is(nn.round(tensor([-0.5], { dtype: 'float64' })).data()[0], -0)).toBe(true);
  });
});

describe('forms', () => {
  const x = tensor([0.3, -0.6], { dtype: 'float64' });
  test('each unary op is a method too', () => {
    for (const [name, f] of Object.entries(UNARY)) {
      const method = (x as unknown as Record<string, () => Tensor>)[name]!;
      expect(Array.from(method.call(x).data()), name).toEqual(Array.from(f(x).data()));
    }
  });
  test('the binary ops take a number in either slot, in the tensor\'s dtype', () => {
    expect(Array.from(nn.remainder(x, 0.25).data())).toEqual([0.04999999999999999, 0.15000000000000002]);
    expect(nn.remainder(-7, tensor([3], { dtype: 'int32' })).dtype).toBe('int32');
    expect(Array.from(nn.remainder(-7, tensor([3], { dtype: 'int32' })).data())).toEqual([2]);
    expect(nn.atan2(1, x).dtype).toBe('float64');
    expect(nn.logAddExp(tensor([1], { dtype: 'float32' }), 2).dtype).toBe('float32');
  });
  test('broadcasting errors name the op and the shapes', () => {
    expect(() => nn.atan2(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/atan2.*\[2\].*\[3\]/);
  });
});

// NaN planted at random positions: NaN exactly where a NaN input reaches, and nowhere else (the values
// drawn lie inside every op's domain).
describe('NaN planted at random positions', () => {
  const inside: Record<string, [number, number]> = { log1p: [0.1, 3], log2: [0.1, 3], log10: [0.1, 3], rsqrt: [0.1, 3], acosh: [1.1, 3] };
  const nanFill = fc.record({
    shape: fc.constantFrom([], [1], [7], [3, 5], [1030]),
    nanRate: fc.constantFrom(0, 0.1, 0.5, 1),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    dtype: fc.constantFrom<DType>('float32', 'float64'),
  });
  const planted = (shape: readonly number[], dtype: DType, nanRate: number, seed: number, [lo, hi]: [number, number]): Tensor => {
    let state = seed;
    const next = (): number => (state = (Math.imul(state, 48271) + 11) & 0x7fffffff) / 0x80000000;
    const size = shape.reduce((p, d) => p * d, 1);
    return tensor(Array.from({ length: size }, () => (next() < nanRate ? NaN : lo + (hi - lo) * next())), { shape: [...shape], dtype });
  };

  propTest.prop([nanFill], { numRuns: 30 })('unary ops', ({ shape, nanRate, seed, dtype }) => {
    for (const [name, f] of Object.entries(UNARY)) {
      const x = planted(shape, dtype, nanRate, seed, inside[name] ?? [-0.9, 0.9]);
      expect(nanPositions(f(x).data()), name).toEqual(nanPositions(x.data()));
    }
  });
  propTest.prop([nanFill, fc.integer({ min: 1, max: 0x7fffffff })], { numRuns: 30 })('binary ops', ({ shape, nanRate, seed, dtype }, other) => {
    const a = planted(shape, dtype, nanRate, seed, [-3, 3]);
    const b = planted(shape, dtype, nanRate / 2, other, [0.5, 3]);
    const either = Array.from(a.data(), (v, i) => Number.isNaN(v) || Number.isNaN(b.data()[i]!)).flatMap((v, i) => (v ? [i] : []));
    for (const [name, f] of Object.entries(BINARY)) expect(nanPositions(f(a, b).data()), name).toEqual(either);
  });
});
