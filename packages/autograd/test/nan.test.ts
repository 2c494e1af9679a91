/**
 * NaN goes through every op as in PyTorch. Two kinds of test:
 * - PyTorch's cases (test/fixtures/nan.json, written by test/fixtures/nan.py): the values and
 *   gradients of the cases whose NaN positions are not obvious (reductions over an axis, softmax
 *   rows, clamp with NaN bounds, where with a NaN condition, the special values of pow), in float64,
 *   and their NaN positions in float32;
 * - one property per op: random float32 and float64 tensors with NaN planted at random positions, of
 *   sizes on both sides of the WebAssembly thresholds (rank-0 ones take the scalar tape), give NaN
 *   exactly where the rule the fixtures show says: the positions a NaN input reaches.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import {
  abs, add, clamp, cos, div, exp, log, logSoftmax, logSumExp, matmul, max, maximum, mean, min, minimum, mul, neg, pow,
  reciprocal, relu, sigmoid, sign, sin, softmax, sqrt, square, sub, sum, tanh, tensor, where, type DType, type Tensor,
} from '../src/index.js';
import { casesOf, mismatches, nanCases, type NanCase } from '../../../test/fixtures/nan-fixture.js';

const UNARY = { relu, abs, neg, exp, sqrt, log, tanh, sigmoid, sin, cos, square, reciprocal } satisfies Record<string, (x: Tensor) => Tensor>;
type UnaryName = keyof typeof UNARY;
const REDUCTIONS = { sum, max, min, mean } satisfies Record<string, (x: Tensor, axis?: number) => Tensor>;
const ROWS = { softmax, logSoftmax, logSumExp } satisfies Record<string, (x: Tensor, axis: number) => Tensor>;

const bound = (v: unknown): number | undefined => (v === null ? undefined : (v as number));

/** Runs a recorded case's op on tensors. */
function runCase(c: NanCase, xs: Tensor[]): Tensor {
  const { op, attrs } = c;
  const axis = attrs.axis === null ? undefined : (attrs.axis as number);
  if (op in UNARY) return UNARY[op as UnaryName](xs[0]!);
  if (op === 'sign') return sign(xs[0]!);
  if (op in REDUCTIONS) return REDUCTIONS[op as keyof typeof REDUCTIONS](xs[0]!, axis);
  if (op in ROWS) return ROWS[op as keyof typeof ROWS](xs[0]!, axis!);
  if (op === 'maximum') return maximum(xs[0]!, xs[1]!);
  if (op === 'minimum') return minimum(xs[0]!, xs[1]!);
  if (op === 'pow') return pow(xs[0]!, xs[1]!);
  if (op === 'where') return where(xs[0]!, xs[1]!, xs[2]!);
  if (op === 'clamp') return clamp(xs[0]!, bound(attrs.min), bound(attrs.max));
  throw new Error(`no runner for the recorded op ${op}`);
}

const nanPositions = (values: ArrayLike<number>): number[] => Array.from(values).flatMap((v, i) => (Number.isNaN(v) ? [i] : []));

describe("PyTorch's NaN cases", () => {
  const autogradCases = nanCases.filter((c) => !c.op.startsWith('crossEntropy'));
  test('every recorded op has a runner', () => {
    expect(autogradCases.length).toBeGreaterThan(40);
    for (const c of autogradCases) expect(() => runCase(c, c.inputs.map((x) => tensor(x.data, { shape: x.shape, dtype: 'float64' })))).not.toThrow();
  });

  for (const [index, c] of autogradCases.entries()) {
    const label = `${c.op} ${Object.entries(c.attrs).map(([k, v]) => `${k} ${String(v)}`).join(', ')} (case ${index})`;
    test(`${label}: the values and gradients of PyTorch, in float64`, () => {
      const leaves = c.inputs.map((x, i) => tensor(x.data, { shape: x.shape, dtype: 'float64', requiresGrad: c.grads[i] !== null }));
      const y = runCase(c, leaves);
      expect(y.shape).toEqual(c.output.shape);
      expect(mismatches(y.data(), c.output.data), 'output').toEqual([]);
      if (!c.grads.some((g) => g !== null)) return;
      y.backward(tensor(c.cotangent.data, { shape: c.cotangent.shape, dtype: 'float64' }));
      c.grads.forEach((g, i) => {
        if (g !== null) expect(mismatches(leaves[i]!.grad!.data(), g.data), `gradient of input ${i}`).toEqual([]);
      });
    });
    test(`${label}: NaN at PyTorch's positions in float32`, () => {
      const y = runCase(c, c.inputs.map((x) => tensor(x.data, { shape: x.shape, dtype: 'float32' })));
      expect(nanPositions(y.data())).toEqual(nanPositions(c.output.data));
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Properties: NaN planted at random positions.
// ---------------------------------------------------------------------------------------------

/** Shapes on both sides of the thresholds (1024 elements element-wise, 256 for sums), rank 0 to 3. */
const shapes: number[][] = [[], [1], [7], [3, 5], [4, 1, 6], [2, 3, 4], [1030], [33, 65], [3, 2051]];

/** The values to fill a tensor with: `kind` says which, `nanRate` how often a NaN replaces one. */
interface Fill {
  seed: number;
  nanRate: number;
  kind: 'uniform' | 'positive' | 'awayFromZero';
}

const fill = (kind: Fill['kind']): fc.Arbitrary<Fill> =>
  fc.record({ seed: fc.integer({ min: 1, max: 0x7fffffff }), nanRate: fc.constantFrom(0, 0.02, 0.3, 1), kind: fc.constant(kind) });

/** Values in [-3, 3] (or (0.1, 3], or +-[0.5, 3]) with NaN planted, from a small generator of its own. */
function planted(shape: number[], dtype: DType, { seed, nanRate, kind }: Fill): Tensor {
  let state = seed;
  const next = (): number => {
    state = (Math.imul(state, 48271) + 11) & 0x7fffffff;
    return state / 0x80000000;
  };
  const size = shape.reduce((p, d) => p * d, 1);
  const data = Array.from({ length: size }, () => {
    const u = next();
    if (next() < nanRate) return NaN;
    return kind === 'positive' ? 0.1 + 2.9 * u : kind === 'awayFromZero' ? (u < 0.5 ? -1 : 1) * (0.5 + 5 * Math.abs(u - 0.5)) : 6 * u - 3;
  });
  return tensor(data, { shape, dtype, requiresGrad: true });
}

const dtypes = fc.constantFrom<DType>('float32', 'float64');
const shape = fc.constantFrom(...shapes);

/** The NaN positions of `t`, as 0/1 flags in row-major order. */
const nanFlags = (t: Tensor): boolean[] => Array.from(t.data(), Number.isNaN);
const expectNaNAt = (actual: Tensor, expected: readonly boolean[], what: string): void => {
  expect(nanFlags(actual).flatMap((v, i) => (v ? [i] : [])), what).toEqual(expected.flatMap((v, i) => (v ? [i] : [])));
};

/** The row-major strides of `shape`. */
const stridesOf = (shape: readonly number[]): number[] => shape.map((_, axis) => shape.slice(axis + 1).reduce((p, d) => p * d, 1));

/** For each element of `shape`, its flat index with the coordinates on `axes` set to 0. */
function groupOf(shape: readonly number[], axes: readonly number[]): number[] {
  const strides = stridesOf(shape);
  const size = shape.reduce((p, d) => p * d, 1);
  return Array.from({ length: size }, (_, i) => {
    let group = i;
    for (const axis of axes) group -= Math.floor(i / strides[axis]!) % shape[axis]! * strides[axis]!;
    return group;
  });
}

/** Whether each group along `axes` holds a NaN, as a flag per element of the group. */
function spreadGroupNaN(flags: readonly boolean[], shape: readonly number[], axes: readonly number[]): boolean[] {
  const groups = groupOf(shape, axes);
  const hit = new Set(groups.filter((_, i) => flags[i]));
  return groups.map((g) => hit.has(g));
}

/** One flag per group (in the output's row-major order): whether the group holds a NaN. */
function reducedNaN(flags: readonly boolean[], shape: readonly number[], axes: readonly number[]): boolean[] {
  const spread = spreadGroupNaN(flags, shape, axes);
  const groups = groupOf(shape, axes);
  return [...new Set(groups)].map((g) => spread[groups.indexOf(g)]!);
}

/** A broadcast partner of `shape`: the same shape, its last axis alone, or rank 0. */
const partner = (s: number[], pick: number): number[] => (pick === 0 || s.length === 0 ? s : pick === 1 ? s.slice(-1) : []);
/** The partner's flat index for each element of the output. */
const partnerIndex = (s: number[], p: number[], i: number): number => (p.length === s.length ? i : p.length === 0 ? 0 : i % p[0]!);

describe('NaN planted at random positions reaches exactly the positions PyTorch gives NaN', () => {
  const domain: Record<UnaryName, Fill['kind']> = {
    relu: 'uniform', abs: 'uniform', neg: 'uniform', exp: 'uniform', sqrt: 'positive', log: 'positive', tanh: 'uniform',
    sigmoid: 'uniform', sin: 'uniform', cos: 'uniform', square: 'uniform', reciprocal: 'awayFromZero',
  };
  for (const [name, f] of Object.entries(UNARY) as [UnaryName, (x: Tensor) => Tensor][]) {
    propTest.prop([shape, dtypes, fill(domain[name])], { numRuns: 40 })(`${name}: NaN where the input is NaN, in the value and the gradient`, (s, dtype, values) => {
      const x = planted(s, dtype, values);
      const y = f(x);
      expectNaNAt(y, nanFlags(x), 'value');
      (y.ndim === 0 ? y : y.sum()).backward();
      // PyTorch: relu's gradient passes at NaN (its mask is result <= 0 ? 0 : 1), abs's is sgn(NaN) = 0,
      // neg's is -grad whatever the input.
      expectNaNAt(x.grad!, name === 'relu' || name === 'abs' || name === 'neg' ? nanFlags(x).map(() => false) : nanFlags(x), 'gradient');
    });
  }

  propTest.prop([shape, dtypes, fill('uniform')], { numRuns: 30 })('sign: never NaN, 0 at NaN (as PyTorch)', (s, dtype, values) => {
    const x = planted(s, dtype, values);
    const y = sign(x);
    expectNaNAt(y, nanFlags(x).map(() => false), 'value');
    Array.from(x.data()).forEach((v, i) => expect(y.data()[i]).toBe(Number.isNaN(v) ? 0 : Math.sign(v)));
  });

  const binaries = { add, sub, mul, div, maximum, minimum } satisfies Record<string, (a: Tensor, b: Tensor) => Tensor>;
  for (const [name, f] of Object.entries(binaries)) {
    propTest.prop([shape, fc.integer({ min: 0, max: 2 }), dtypes, dtypes, fill('uniform'), fill('awayFromZero')], { numRuns: 40 })(
      `${name}: NaN where either operand is NaN, broadcast or not`,
      (s, pick, da, db, va, vb) => {
        const p = partner(s, pick);
        const [a, b] = pick === 2 && s.length > 0 ? [planted(p, da, va), planted(s, db, vb)] : [planted(s, da, va), planted(p, db, vb)];
        const [big, small] = a.ndim >= b.ndim ? [a, b] : [b, a];
        const expected = nanFlags(big).map((v, i) => v || Number.isNaN(small.data()[partnerIndex(big.shape as number[], small.shape as number[], i)]!));
        expectNaNAt(f(a, b), expected, 'value');
      },
    );
  }

  propTest.prop([shape, fc.integer({ min: 0, max: 1 }), dtypes, fill('positive'), fill('uniform')], { numRuns: 40 })(
    'pow: NaN where an operand is NaN, but 1 where the base is 1 or the exponent 0 (as PyTorch)',
    (s, pick, dtype, va, vb) => {
      const a = planted(s, dtype, va);
      const b = planted(partner(s, pick), dtype, vb);
      const bs = b.data();
      const special = Array.from(a.data()).map((v, i) => (i % 5 === 0 ? 1 : v)); // some bases exactly 1
      const base = tensor(special, { shape: s, dtype });
      const y = pow(base, b);
      expectNaNAt(y, special.map((v, i) => {
        const e = bs[partnerIndex(s, b.shape as number[], i)]!;
        return (Number.isNaN(v) && e !== 0) || (Number.isNaN(e) && v !== 1);
      }), 'value');
    },
  );

  for (const [name, f] of Object.entries(REDUCTIONS)) {
    propTest.prop([shape, dtypes, fill('uniform'), fc.integer({ min: -1, max: 2 })], { numRuns: 40 })(
      `${name}: NaN in every group that holds a NaN, over any axis`,
      (s, dtype, values, axisSeed) => {
        fc.pre(s.length > 0 || axisSeed === -1);
        const x = planted(s, dtype, values);
        const axes = axisSeed === -1 ? s.map((_, a) => a) : [axisSeed % s.length];
        const y = f(x, axisSeed === -1 ? undefined : axes[0]);
        expectNaNAt(y, reducedNaN(nanFlags(x), s, axes), 'value');
      },
    );
  }

  for (const [name, f] of Object.entries(ROWS)) {
    propTest.prop([shape, dtypes, fill('uniform'), fc.nat()], { numRuns: 40 })(`${name}: NaN along every line that holds a NaN`, (s, dtype, values, axisSeed) => {
      fc.pre(s.length > 0);
      const x = planted(s, dtype, values);
      const axis = axisSeed % s.length;
      const lines = spreadGroupNaN(nanFlags(x), s, [axis]);
      expectNaNAt(f(x, axis), name === 'logSumExp' ? reducedNaN(nanFlags(x), s, [axis]) : lines, 'value');
    });
  }

  propTest.prop([shape, dtypes, fill('uniform'), fc.constantFrom<[number | undefined, number | undefined]>([-1, 1], [0, undefined], [undefined, 0.5], [1, -1])], { numRuns: 30 })(
    'clamp: NaN where the input is NaN',
    (s, dtype, values, [low, high]) => {
      const x = planted(s, dtype, values);
      expectNaNAt(clamp(x, low, high), nanFlags(x), 'value');
    },
  );

  propTest.prop([shape, dtypes, fill('uniform')], { numRuns: 20 })(
    'clamp with a NaN bound: as PyTorch, a NaN bound given alone is ignored, with both given it makes every element NaN',
    (s, dtype, values) => {
      const x = planted(s, dtype, values);
      expectNaNAt(clamp(x, NaN), nanFlags(x), 'min NaN');
      expectNaNAt(clamp(x, undefined, NaN), nanFlags(x), 'max NaN');
      expectNaNAt(clamp(x, NaN, 1), nanFlags(x).map(() => true), 'min NaN, max 1');
      expectNaNAt(clamp(x, -1, NaN), nanFlags(x).map(() => true), 'min -1, max NaN');
    },
  );

  propTest.prop([shape, dtypes, fill('uniform'), fill('uniform'), fill('uniform')], { numRuns: 40 })(
    'where: the chosen branch decides, and a NaN condition chooses the first (it is nonzero)',
    (s, dtype, vc, va, vb) => {
      const c = tensor(Array.from(planted(s, dtype, vc).data(), (v) => (Number.isNaN(v) ? NaN : v > 0 ? 1 : 0)), { shape: s, dtype });
      const [a, b] = [planted(s, dtype, va), planted(s, dtype, vb)];
      const [cs, as, bs] = [c.data(), a.data(), b.data()];
      expectNaNAt(where(c, a, b), Array.from(cs, (v, i) => Number.isNaN(v !== 0 ? as[i]! : bs[i]!)), 'value');
    },
  );

  propTest.prop([fc.constantFrom([1, 1, 1], [3, 4, 5], [40, 70, 30], [2, 300, 3], [130, 520, 70]), dtypes, fill('uniform'), fill('uniform')], { numRuns: 30 })(
    'matmul: NaN in every row of a NaN in a, every column of a NaN in b',
    ([m, k, n], dtype, va, vb) => {
      const a = planted([m!, k!], dtype, va);
      const b = planted([k!, n!], dtype, vb);
      const rows = reducedNaN(nanFlags(a), [m!, k!], [1]);
      const cols = reducedNaN(nanFlags(b), [k!, n!], [0]);
      expectNaNAt(matmul(a, b), Array.from({ length: m! * n! }, (_, i) => rows[Math.floor(i / n!)]! || cols[i % n!]!), 'value');
    },
  );
});
