/**
 * The int32 dtype (API.md, "Additions", dtype int32): creation and its errors, cast, the promotion
 * table of every binary op over every pair of operand kinds, unary ops, wrap-around, reductions and
 * matmul, all against PyTorch's values recorded by test/fixtures/int32.py (test/fixtures/int32.json),
 * and the rule that an int32 tensor never takes part in a gradient.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import * as nn from '../src/index.js';
import { arange, cast, full, ones, tensor, zeros, type DType, type Tensor, type TensorLike } from '../src/index.js';

interface Encoded {
  dtype: DType;
  shape: number[];
  data: (number | string)[];
}
interface Attempt {
  result?: Encoded;
  error?: string;
}
interface Fixture {
  promotion: ({ op: string; left: string; right: string } & Attempt)[];
  unary: { input: Encoded; cases: Record<string, Attempt> };
  wrap: { op: string; a: Encoded; b?: Encoded; result: Encoded }[];
  cast: {
    toInt32: { from: DType; input: Encoded; result: Encoded }[];
    fromInt32: { to: DType; input: Encoded; result: Encoded }[];
  };
  other: Record<string, Attempt> & { input: Encoded };
}

const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/int32.json', import.meta.url), 'utf8')) as Fixture;
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const values = (e: Encoded): number[] => e.data.map((v) => (typeof v === 'string' ? NON_FINITE[v]! : v));
const decode = (e: Encoded): Tensor => tensor(values(e), { dtype: e.dtype, shape: e.shape });

/**
 * `actual` has the recorded dtype, shape and values: int32 exactly, float64 to 1e-12 relative (the
 * last bit of pow differs between C and JavaScript), float32 to float32 precision; NaN as NaN.
 */
function expectRecorded(actual: Tensor, expected: Encoded): void {
  expect(actual.dtype).toBe(expected.dtype);
  expect(actual.shape).toEqual(expected.shape);
  const want = values(expected);
  const got = Array.from(actual.data());
  if (expected.dtype === 'int32') {
    expect(got).toEqual(want);
    return;
  }
  const rtol = expected.dtype === 'float32' ? 2 ** -23 : 1e-12;
  got.forEach((v, i) => {
    const w = want[i]!;
    if (Number.isNaN(w) || !Number.isFinite(w)) expect(v).toBe(w);
    else expect(Math.abs(v - w)).toBeLessThanOrEqual(rtol * Math.abs(w));
  });
}

// The operand kinds of the promotion table, as the generator makes them.
const INTS_X = [[-7, 0, 3], [5, -2, 1]];
const INTS_Y = [2, -3, 4];
const FLOATS_X = [[-1.5, 0.25, 3.0], [2.5, -2.0, 1.0]];
const FLOATS_Y = [2.0, -0.5, 4.0];
function operand(kind: string, side: 'x' | 'y'): TensorLike {
  if (kind === 'int') return 3;
  if (kind === 'float') return 2.5;
  const ints = kind === 'int32';
  return tensor(side === 'x' ? (ints ? INTS_X : FLOATS_X) : ints ? INTS_Y : FLOATS_Y, { dtype: kind as DType });
}
const BINARY: Record<string, (a: TensorLike, b: TensorLike) => Tensor> = {
  add: nn.add, sub: nn.sub, mul: nn.mul, div: nn.div, pow: nn.pow, maximum: nn.maximum, minimum: nn.minimum,
  eq: nn.eq, ne: nn.ne, lt: nn.lt, le: nn.le, gt: nn.gt, ge: nn.ge,
};

describe('the promotion table: every binary op, every pair of operand kinds, against PyTorch', () => {
  test('the table covers every op and every pair', () => {
    expect(new Set(fixture.promotion.map((c) => c.op))).toEqual(new Set(Object.keys(BINARY)));
    expect(fixture.promotion.length).toBe(13 * 21);
  });
  test.each(fixture.promotion.map((c) => [`${c.op}(${c.left}, ${c.right})`, c] as const))('%s', (_, c) => {
    expectRecorded(BINARY[c.op]!(operand(c.left, 'x'), operand(c.right, 'y')), c.result!);
  });
  test('a number with an int32 tensor: an integer keeps int32, another number gives the default float dtype', () => {
    const i = tensor([1, 2], { dtype: 'int32' });
    expect(i.add(-4).dtype).toBe('int32');
    expect(i.add(0.5).dtype).toBe('float32');
    expect(i.add(NaN).dtype).toBe('float32');
    expect(Array.from(i.add(NaN).data()).every(Number.isNaN)).toBe(true);
    expect(i.mul(Infinity).toArray()).toEqual([Infinity, Infinity]);
    nn.setDefaultDtype('float64');
    try {
      expect(i.add(0.5).dtype).toBe('float64');
      expect(i.div(i).dtype).toBe('float64');
    } finally {
      nn.setDefaultDtype('float32');
    }
  });
  test('an integer number outside the int32 range is an error naming the op and the value', () => {
    const i = tensor([1, 2], { dtype: 'int32' });
    expect(() => i.add(2 ** 31)).toThrow(/add: .*2147483648.*int32/);
    expect(() => nn.mul(-(2 ** 40), i)).toThrow(/mul: .*-1099511627776.*int32/);
  });
  test('pow of int32 to a negative integer number is an error, as in PyTorch', () => {
    expect(() => tensor([2], { dtype: 'int32' }).pow(-1)).toThrow(/pow: .*negative integer power/);
  });
});

describe('unary ops on int32, against PyTorch', () => {
  const x = decode(fixture.unary.input);
  test.each(Object.entries(fixture.unary.cases))('%s', (name, c) => {
    const f = (nn as unknown as Record<string, (x: Tensor) => Tensor>)[name]!;
    expectRecorded(f(x), c.result!);
  });
});

describe('int32 arithmetic wraps as int32 does, against PyTorch', () => {
  test.each(fixture.wrap.map((c) => [c.op, c] as const))('%s', (op, c) => {
    const f = (nn as unknown as Record<string, (a: Tensor, b?: Tensor) => Tensor>)[op]!;
    const result = c.b === undefined ? f(decode(c.a)) : f(decode(c.a), decode(c.b));
    expectRecorded(result, c.result);
  });
  test('rank-0 int32 values stay exact (the scalar path)', () => {
    const a = tensor(123456789, { dtype: 'int32' });
    const b = tensor(987654321, { dtype: 'int32' });
    expect(a.mul(b).item()).toBe(Math.imul(123456789, 987654321));
    expect(a.add(2147483647).item()).toBe((123456789 + 2147483647) | 0);
    expect(a.square().item()).toBe(Math.imul(123456789, 123456789));
    expect(a.mul(b).dtype).toBe('int32');
  });
  test('the kernels agree with the rank-0 path, contiguous, strided and broadcast', () => {
    const big = tensor(Array.from({ length: 2048 }, (_, i) => 2147483000 - i * 1048573), { dtype: 'int32', shape: [32, 64] });
    const row = tensor(Array.from({ length: 64 }, (_, i) => 1103515245 + i), { dtype: 'int32' });
    for (const [a, b] of [[big, big], [big, row], [big.transpose(), big.transpose()]] as const) {
      const product = a.mul(b).data();
      const sum = a.add(b).data();
      const [av, bv] = [a.data(), b.expand(a.shape).data()];
      for (let i = 0; i < av.length; i++) {
        expect(product[i]).toBe(Math.imul(av[i]!, bv[i]!));
        expect(sum[i]).toBe((av[i]! + bv[i]!) | 0);
      }
    }
  });
});

describe('int32 reductions, matmul, clamp and where, against PyTorch', () => {
  const x = decode(fixture.other.input);
  const cases: Record<string, () => Tensor> = {
    sum: () => x.sum(1),
    max: () => x.max(),
    minAxis0: () => x.min(0),
    logSumExp: () => x.logSumExp(1),
    mean: () => x.mean(),
    softmax: () => x.softmax(1),
    matmul: () => x.matmul(x.transpose()),
    clampInt: () => x.clamp(-2, 3),
    clampFloat: () => x.clamp(0.5),
    whereFloat: () => nn.where(x.gt(0), x, 2.5),
  };
  test.each(Object.entries(cases))('%s', (name, run) => {
    const recorded = fixture.other[name]!;
    if (recorded.error !== undefined) expect(run).toThrow(new RegExp(`${name === 'softmax' ? 'softmax' : name}: .*int32`));
    else expectRecorded(run(), recorded.result!);
  });
  test('logSoftmax of int32 is an error, as softmax', () => {
    expect(() => x.logSoftmax()).toThrow(/logSoftmax: .*int32/);
  });
});

describe('creating int32 tensors', () => {
  test('tensor, zeros, ones, full, arange, eye give Int32Array storage and exact values', () => {
    const t = tensor([[1, -2], [3, 2147483647]], { dtype: 'int32' });
    expect(t.dtype).toBe('int32');
    expect(t.data()).toBeInstanceOf(Int32Array);
    expect(t.toArray()).toEqual([[1, -2], [3, 2147483647]]);
    expect(t.item === undefined).toBe(false);
    expect(tensor(new Int32Array([4, 5])).dtype).toBe('int32');
    expect(tensor(new Float64Array([4, 5]), { dtype: 'int32' }).toArray()).toEqual([4, 5]);
    expect(zeros([2], { dtype: 'int32' }).data()).toEqual(new Int32Array([0, 0]));
    expect(ones([2], { dtype: 'int32' }).data()).toEqual(new Int32Array([1, 1]));
    expect(full([2], -3, { dtype: 'int32' }).data()).toEqual(new Int32Array([-3, -3]));
    expect(arange(1, 8, 3, { dtype: 'int32' }).data()).toEqual(new Int32Array([1, 4, 7]));
    expect(arange(0, 3.5, 1, { dtype: 'int32' }).toArray()).toEqual([0, 1, 2, 3]);
    expect(nn.eye(2, { dtype: 'int32' }).data()).toEqual(new Int32Array([1, 0, 0, 1]));
    expect(String(tensor([1, -2], { dtype: 'int32' }))).toBe('Tensor(int32, [2], [1,-2])');
  });
  test('a non-integer or out-of-range value throws, naming the value and its position', () => {
    expect(() => tensor([[1, 2], [3, 2.5]], { dtype: 'int32' })).toThrow(/tensor: 2\.5 at index \[1,1\] is not an integer/);
    expect(() => tensor([1, 2 ** 31], { dtype: 'int32' })).toThrow(/tensor: 2147483648 at index \[1\] is outside the int32 range/);
    expect(() => tensor([NaN], { dtype: 'int32' })).toThrow(/tensor: NaN at index \[0\] is not an integer/);
    expect(() => tensor(new Float32Array([0, 0.5]), { dtype: 'int32' })).toThrow(/tensor: 0\.5 at index \[1\]/);
    expect(() => full([2], 2.5, { dtype: 'int32' })).toThrow(/full: 2\.5 is not an integer/);
    expect(() => full([2], -(2 ** 31) - 1, { dtype: 'int32' })).toThrow(/full: -2147483649 is outside the int32 range/);
    expect(() => arange(0, 5, 0.5, { dtype: 'int32' })).toThrow(/arange: .*0\.5.*int32/);
    expect(() => arange(2 ** 31 - 2, 2 ** 31 + 1, 1, { dtype: 'int32' })).toThrow(/arange: 2147483648 .*int32 range/);
  });
  test('random floats cannot be made int32', () => {
    expect(() => nn.rand([2], { dtype: 'int32' })).toThrow(/rand: .*int32/);
    expect(() => nn.randn([2], { dtype: 'int32' })).toThrow(/randn: .*int32/);
  });
  test('setDefaultDtype accepts only the float dtypes', () => {
    expect(() => nn.setDefaultDtype('int32' as DType)).toThrow(/setDefaultDtype: .*int32/);
  });
});

describe('cast, against PyTorch', () => {
  test.each(fixture.cast.toInt32.map((c) => [c.from, c] as const))('%s to int32 truncates toward zero', (_, c) => {
    expectRecorded(cast(decode(c.input), 'int32'), c.result);
  });
  test.each(fixture.cast.fromInt32.map((c) => [c.to, c] as const))('int32 to %s', (to, c) => {
    expectRecorded(cast(decode(c.input), to), c.result);
    expectRecorded(decode(c.input).cast(to), c.result);
  });
  test('NaN, Infinity and values out of the int32 range are errors naming the value and position', () => {
    expect(() => cast(tensor([1, NaN]), 'int32')).toThrow(/cast: NaN at index \[1\] cannot be converted to int32/);
    expect(() => cast(tensor([[0, 0], [-Infinity, 0]]), 'int32')).toThrow(/cast: -Infinity at index \[1,0\]/);
    expect(() => cast(tensor([2 ** 31], { dtype: 'float64' }), 'int32')).toThrow(/cast: 2147483648 at index \[0\] is outside the int32 range/);
    expect(() => cast(tensor([1, 2]).transpose(0, 0).expand([2, 2]).add(NaN).slice([0, 1], [2, 2]), 'int32')).toThrow(/cast: NaN at index \[0,0\]/);
  });
});

describe('int32 never requires grad', () => {
  test('requiresGrad: true on int32 throws, in creation and on the field', () => {
    expect(() => tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(/tensor: an int32 tensor cannot require grad/);
    expect(() => zeros([1], { dtype: 'int32', requiresGrad: true })).toThrow(/zeros: an int32 tensor cannot require grad/);
    expect(() => arange(3, undefined, 1, { dtype: 'int32', requiresGrad: true })).toThrow(/arange: an int32 tensor cannot require grad/);
    const i = tensor([1], { dtype: 'int32' });
    expect(() => { i.requiresGrad = true; }).toThrow(/requiresGrad: an int32 tensor cannot require grad/);
  });
  test('the functional transforms name the int32 argument they were asked to differentiate', () => {
    const labels = tensor([1, 2], { dtype: 'int32' });
    const w = tensor([0.5, 2], { dtype: 'float64' });
    const message = "argument 1 is an int32 tensor of shape [2]; gradients are taken with respect to float tensors only";
    expect(() => nn.grad((a: Tensor, b: Tensor) => a.mul(b).sum(), { argnums: [0, 1] })(w, labels)).toThrow(`grad: ${message}`);
    expect(() => nn.valueAndGrad((a: Tensor, b: Tensor) => a.mul(b).sum(), { argnums: 1 })(w, labels)).toThrow(`valueAndGrad: ${message}`);
    // Left out of argnums, an int32 argument is data: the gradient with respect to w is b.
    expect(nn.grad((a: Tensor, b: Tensor) => a.mul(b).sum())(w, labels).toArray()).toEqual([1, 2]);
  });
  test('cast of a float that requires grad to int32 records no graph', () => {
    const x = tensor([1.5, -2.5], { requiresGrad: true });
    const i = x.cast('int32');
    expect(i.requiresGrad).toBe(false);
    expect(i.isLeaf).toBe(true);
  });
  test('a float op with an int32 operand promotes it and gives it no gradient', () => {
    for (const shape of [[3], []] as const) {
      const x = shape.length === 0 ? tensor(1.5, { requiresGrad: true }) : tensor([1.5, -2, 4], { requiresGrad: true });
      const i = shape.length === 0 ? tensor(3, { dtype: 'int32' }) : tensor([3, -1, 2], { dtype: 'int32' });
      const y = nn.mul(x, i).add(nn.div(i, x)).sum();
      expect(y.dtype).toBe('float32');
      y.backward();
      const [xv, iv] = [Array.from(x.data()), Array.from(i.data())];
      Array.from(x.grad!.data()).forEach((g, k) => expect(g).toBeCloseTo(iv[k]! - iv[k]! / xv[k]! ** 2, 5));
      expect(i.grad).toBeNull();
    }
  });
  test('gradcheck passes an int32 input through unchecked, as the labels of a loss', () => {
    const x = tensor([[0.5, -1, 2], [1.5, 0.25, -0.75]], { dtype: 'float64' });
    const labels = tensor([2, 0], { dtype: 'int32' });
    const f = (a: Tensor, i: Tensor): Tensor => a.logSoftmax().mul(nn.eq(i.reshape([2, 1]), arange(3, undefined, 1, { dtype: 'int32' }))).sum();
    expect(nn.gradcheck(f, [x, labels]).ok).toBe(true);
    expect(nn.gradgradcheck(f, [x, labels]).ok).toBe(true);
  });
  test('matmul of a float matrix with an int32 one differentiates the float one only', () => {
    const w = tensor([[0.5, -1], [2, 0.25]], { requiresGrad: true });
    const i = tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    const y = w.matmul(i).sum();
    y.backward();
    expect(w.grad!.toArray()).toEqual([[3, 7], [3, 7]]);
  });
});
