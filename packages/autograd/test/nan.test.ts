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
    const label = [c.op, ...Object.entries(c.attrs).map(([k, v]) => `${k} ${String(v)}`)].join(', ') + ` (case ${index})`;
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

/** The operands' shapes for an output of shape `s`: both `s` (layout 0), `s` and its last axis (1), rank 0 and `s` (2). */
const operandShapes = (s: number[], layout: number): [number[], number[]] =>
  layout === 0 || s.length === 0 ? [s, s] : layout === 1 ? [s, s.slice(-1)] : [[], s];

/** The flat index, into an operand of shape `p` broadcast to `s`, of the output's element `i`. */
function broadcastIndex(s: readonly number[], p: readonly number[], i: number): number {
  let [index, stride, rest] = [0, 1, i];
  for (let axis = s.length - 1, k = p.length - 1; axis >= 0; axis--, k--) {
    const coordinate = rest % s[axis]!;
    rest = Math.floor(rest / s[axis]!);
    if (k < 0) continue;
    if (p[k] !== 1) index += coordinate * stride;
    stride *= p[k]!;
  }
  return index;
}

/** Whether each element of `a (op) b`, of shape `s`, reads a NaN from either operand. */
const eitherNaN = (s: number[], a: Tensor, b: Tensor): boolean[] =>
  Array.from({ length: s.reduce((n, d) => n * d, 1) }, (_, i) =>
    Number.isNaN(a.data()[broadcastIndex(s, a.shape, i)]!) || Number.isNaN(b.data()[broadcastIndex(s, b.shape, i)]!));

describe('NaN planted at random positions reaches exactly the positions PyTorch gives NaN', () => {
  const domain: Record<UnaryName, Fill['kind']> = {
    relu: 'uniform', abs: 'uniform', neg: 'uniform', exp: 'uniform', sqrt: 'positive', log: 'positive', tanh: 'uniform',
    sigmoid: 'uniform', sin: 'uniform', cos: 'uniform', square: 'uniform', reciprocal: 'awayFromZero',
  };
  // PyTorch: relu's gradient passes at NaN (its mask is result <= 0 ? 0 : 1), abs's is sgn(NaN) = 0,
  // neg's is -grad whatever the input; the others' gradients are NaN where the input is.
  const gradientKeepsNaN = (name: UnaryName): boolean => name !== 'relu' && name !== 'abs' && name !== 'neg';
  for (const [name, f] of Object.entries(UNARY) as [UnaryName, (x: Tensor) => Tensor][]) {
    propTest.prop([shape, dtypes, fill(domain[name])], { numRuns: 40 })(
      `${name}: NaN where the input is NaN, in the value and the gradient`,
      (s, dtype, values) => {
        const x = planted(s, dtype, values);
        const y = f(x);
        expectNaNAt(y, nanFlags(x), 'value');
        (y.ndim === 0 ? y : y.sum()).backward(); // rank 0: the scalar tape's rules
        expectNaNAt(x.grad!, nanFlags(x).map((v) => v && gradientKeepsNaN(name)), 'gradient');
      },
    );
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
      (s, layout, da, db, va, vb) => {
        const [sa, sb] = operandShapes(s, layout);
        const [a, b] = [planted(sa, da, va), planted(sb, db, vb)];
        expectNaNAt(f(a, b), eitherNaN(s, a, b), 'value');
      },
    );
  }

  propTest.prop([shape, fc.integer({ min: 0, max: 2 }), dtypes, fill('positive'), fill('uniform')], { numRuns: 40 })(
    'pow: NaN where an operand is NaN, but 1 where the base is 1 or the exponent 0 (as PyTorch)',
    (s, layout, dtype, va, vb) => {
      const [sa, sb] = operandShapes(s, layout);
      // Every fifth base exactly 1, whose power is 1 whatever the exponent.
      const bases = Array.from(planted(sa, dtype, va).data(), (v, i) => (i % 5 === 0 ? 1 : v));
      const [a, b] = [tensor(bases, { shape: sa, dtype, requiresGrad: true }), planted(sb, dtype, vb)];
      const expected = Array.from({ length: s.reduce((n, d) => n * d, 1) }, (_, i) => {
        const [base, exponent] = [a.data()[broadcastIndex(s, sa, i)]!, b.data()[broadcastIndex(s, sb, i)]!];
        return (Number.isNaN(base) && exponent !== 0) || (Number.isNaN(exponent) && base !== 1);
      });
      expectNaNAt(pow(a, b), expected, 'value');
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
    propTest.prop([shape, dtypes, fill('uniform'), fc.nat()], { numRuns: 40 })(
      `${name}: NaN along every line that holds a NaN`,
      (s, dtype, values, axisSeed) => {
        fc.pre(s.length > 0);
        const x = planted(s, dtype, values);
        const axis = axisSeed % s.length;
        const lines = name === 'logSumExp' ? reducedNaN(nanFlags(x), s, [axis]) : spreadGroupNaN(nanFlags(x), s, [axis]);
        expectNaNAt(f(x, axis), lines, 'value');
      },
    );
  }

  const bounds = fc.constantFrom<[number | undefined, number | undefined]>([-1, 1], [0, undefined], [undefined, 0.5], [1, -1]);
  propTest.prop([shape, dtypes, fill('uniform'), bounds], { numRuns: 30 })(
    'clamp: NaN where the input is NaN',
    (s, dtype, values, [low, high]) => {
      const x = planted(s, dtype, values);
      expectNaNAt(clamp(x, low, high), nanFlags(x), 'value');
    },
  );

  propTest.prop([shape, dtypes, fill('uniform')], { numRuns: 20 })(
    'clamp with a NaN bound: every element NaN, whether the bound is given alone (as PyTorch since pytorch/pytorch#172200) or with the other',
    (s, dtype, values) => {
      const x = planted(s, dtype, values);
      expectNaNAt(clamp(x, NaN), nanFlags(x).map(() => true), 'min NaN');
      expectNaNAt(clamp(x, undefined, NaN), nanFlags(x).map(() => true), 'max NaN');
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

  // [m, k, n]: up to past the JavaScript kernel's cache blocks (k > 256, m > 96) and the WebAssembly threshold.
  const sizes = fc.constantFrom([1, 1, 1], [3, 4, 5], [40, 70, 30], [2, 300, 3], [130, 520, 70]);
  propTest.prop([sizes, dtypes, fill('uniform'), fill('uniform')], { numRuns: 30 })(
    'matmul: NaN on every row of the product where a row of a holds a NaN, every column where a column of b does',
    ([m, k, n], dtype, va, vb) => {
      const a = planted([m!, k!], dtype, va);
      const b = planted([k!, n!], dtype, vb);
      const rows = reducedNaN(nanFlags(a), [m!, k!], [1]);
      const cols = reducedNaN(nanFlags(b), [k!, n!], [0]);
      expectNaNAt(matmul(a, b), Array.from({ length: m! * n! }, (_, i) => rows[Math.floor(i / n!)]! || cols[i % n!]!), 'value');
    },
  );
});

describe('an infinite gradient where a mask drops it', () => {
  // relu, clamp, maximum and minimum select their gradient (PyTorch's threshold_backward, clamp_backward
  // and masked_fill): where the mask is 0 the gradient is 0, even when the incoming one is infinite,
  // where a product with a 0/1 mask would give 0 * Infinity = NaN. Expected values as PyTorch 1.13 gives them.
  const inf = Infinity;
  const cases: [string, (a: Tensor, b: Tensor) => Tensor, number[], number[], number[], number[], number[]][] = [
    // name, op, a, b, cotangent, grad a, grad b
    ['relu', (a) => relu(a), [-1, 2, 0], [0, 0, 0], [inf, inf, -inf], [0, inf, 0], [0, 0, 0]],
    ['clamp', (a) => clamp(a, 0, 1), [-1, 2, 0.5], [0, 0, 0], [inf, inf, inf], [0, 0, inf], [0, 0, 0]],
    ['maximum', (a, b) => maximum(a, b), [-1, 2, 3], [1, 1, 3], [inf, inf, inf], [0, inf, inf], [inf, 0, inf]],
    ['minimum', (a, b) => minimum(a, b), [-1, 2, 3], [1, 1, 3], [inf, inf, inf], [inf, 0, inf], [0, inf, inf]],
  ];
  const dtypes: DType[] = ['float64', 'float32'];
  describe.each(dtypes)('%s', (dtype) => {
    test.each(cases)('%s: tensors', (_name, op, a, b, cotangent, gradA, gradB) => {
      const [x, y] = [tensor(a, { dtype, requiresGrad: true }), tensor(b, { dtype, requiresGrad: true })];
      op(x, y).backward(tensor(cotangent, { dtype }));
      expect(Array.from(x.grad!.data())).toEqual(gradA);
      expect(Array.from(y.grad?.data() ?? [0, 0, 0])).toEqual(gradB);
    });
    test.each(cases)('%s: rank-0 (the scalar tape)', (_name, op, a, b, cotangent, gradA, gradB) => {
      a.forEach((_, i) => {
        const [x, y] = [tensor(a[i]!, { dtype, requiresGrad: true }), tensor(b[i]!, { dtype, requiresGrad: true })];
        op(x, y).backward(tensor(cotangent[i]!, { dtype }));
        expect(x.grad!.item(), `element ${i}`).toBe(gradA[i]);
        expect(y.grad?.item() ?? 0, `element ${i}`).toBe(gradB[i]);
      });
    });
  });
  test('sqrt(relu(x)) at x < 0 has gradient 0', () => {
    const x = tensor(-1, { dtype: 'float64', requiresGrad: true });
    relu(x).sqrt().backward();
    expect(x.grad!.item()).toBe(0);
  });
});
