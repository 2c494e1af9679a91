/**
 * API.md: "a number is accepted wherever a tensor operand is", also the first operand of a free
 * function, and it takes the other operands' dtype (the default dtype when every operand is a
 * number). This walks every function the package index exports: each has a row below, so a new op
 * that does not accept numbers, or a new export without a row, fails here.
 */
import { describe, expect, test } from 'vitest';
import * as nn from '../src/index.js';
import { Tensor, tensor, type TensorLike } from '../src/index.js';

/**
 * An op's row: `run` calls it with one value per operand slot (a list operand such as stack's
 * counts one slot per element), `values` are the numbers tried in those slots. `rankZeroError`:
 * the op has no meaning on rank-0 operands, so a number must give an Error naming the op (as a
 * rank-0 tensor does), not a TypeError.
 */
interface OpRow {
  run: (operands: TensorLike[]) => Tensor;
  values: number[];
  rankZeroError?: RegExp;
}

/** A function that takes no tensor operand, with the reason. */
interface NotAnOp {
  noOperand: string;
}

const unary = (f: (x: TensorLike) => Tensor): OpRow => ({ run: ([x]) => f(x!), values: [0.75] });
const binary = (f: (a: TensorLike, b: TensorLike) => Tensor): OpRow => ({ run: ([a, b]) => f(a!, b!), values: [0.75, 1.5] });
const creates = 'makes a tensor from a shape or data, no tensor operand';

const firstIndex = tensor([0], { dtype: 'int32' });

const rows: Record<string, OpRow | NotAnOp> = {
  // Unary.
  neg: unary(nn.neg), exp: unary(nn.exp), log: unary(nn.log), sqrt: unary(nn.sqrt), abs: unary(nn.abs), tanh: unary(nn.tanh),
  sigmoid: unary(nn.sigmoid), relu: unary(nn.relu), sin: unary(nn.sin), cos: unary(nn.cos), square: unary(nn.square),
  reciprocal: unary(nn.reciprocal), sign: unary(nn.sign),
  log1p: unary(nn.log1p), expm1: unary(nn.expm1), log2: unary(nn.log2), log10: unary(nn.log10), erf: unary(nn.erf), erfc: unary(nn.erfc),
  tan: unary(nn.tan), atan: unary(nn.atan), asin: unary(nn.asin), acos: unary(nn.acos), sinh: unary(nn.sinh), cosh: unary(nn.cosh),
  asinh: unary(nn.asinh), acosh: { run: ([x]) => nn.acosh(x!), values: [1.5] }, atanh: unary(nn.atanh), rsqrt: unary(nn.rsqrt),
  floor: unary(nn.floor), ceil: unary(nn.ceil), round: unary(nn.round), trunc: unary(nn.trunc),
  // Binary and comparisons.
  add: binary(nn.add), sub: binary(nn.sub), mul: binary(nn.mul), div: binary(nn.div), pow: binary(nn.pow),
  maximum: binary(nn.maximum), minimum: binary(nn.minimum),
  atan2: binary(nn.atan2), remainder: binary(nn.remainder), logAddExp: binary(nn.logAddExp),
  eq: binary(nn.eq), ne: binary(nn.ne), lt: binary(nn.lt), le: binary(nn.le), gt: binary(nn.gt), ge: binary(nn.ge),
  // Reductions.
  sum: { run: ([x]) => nn.sum(x!), values: [3] },
  mean: { run: ([x]) => nn.mean(x!), values: [3] },
  max: { run: ([x]) => nn.max(x!), values: [3] },
  min: { run: ([x]) => nn.min(x!), values: [3] },
  logSumExp: { run: ([x]) => nn.logSumExp(x!), values: [3] },
  prod: { run: ([x]) => nn.prod(x!), values: [3] },
  variance: { run: ([x]) => nn.variance(x!, undefined, { correction: 0 }), values: [3] },
  std: { run: ([x]) => nn.std(x!, undefined, { correction: 0 }), values: [3] },
  norm: { run: ([x]) => nn.norm(x!, { ord: 3 }), values: [-3] },
  // Pooling: a number is rank 0, which no pool takes.
  maxPool1d: { run: ([x]) => nn.maxPool1d(x!, 1), values: [3], rankZeroError: /^maxPool1d: x must be \[N, C, L\] or \[C, L\], got shape \[\]/ },
  maxPool2d: { run: ([x]) => nn.maxPool2d(x!, 1), values: [3], rankZeroError: /^maxPool2d: x must be \[N, C, H, W\] or \[C, H, W\], got shape \[\]/ },
  avgPool1d: { run: ([x]) => nn.avgPool1d(x!, 1), values: [3], rankZeroError: /^avgPool1d: x must be/ },
  avgPool2d: { run: ([x]) => nn.avgPool2d(x!, 1), values: [3], rankZeroError: /^avgPool2d: x must be/ },
  adaptiveAvgPool1d: { run: ([x]) => nn.adaptiveAvgPool1d(x!, 1), values: [3], rankZeroError: /^adaptiveAvgPool1d: x must be/ },
  adaptiveAvgPool2d: { run: ([x]) => nn.adaptiveAvgPool2d(x!, 1), values: [3], rankZeroError: /^adaptiveAvgPool2d: x must be/ },
  argmax: { run: ([x]) => nn.argmax(x!), values: [3] },
  argmin: { run: ([x]) => nn.argmin(x!, 0), values: [3] },
  // Scans.
  cumsum: { run: ([x]) => nn.cumsum(x!, 0), values: [3] },
  cumprod: { run: ([x]) => nn.cumprod(x!, -1), values: [3] },
  logCumSumExp: { run: ([x]) => nn.logCumSumExp(x!, 0), values: [3] },
  // Shape.
  reshape: { run: ([x]) => nn.reshape(x!, [1, 1]), values: [2] },
  transpose: { run: ([x]) => nn.transpose(x!), values: [2], rankZeroError: /^transpose: axis -2 is out of range for rank 0/ },
  permute: { run: ([x]) => nn.permute(x!, []), values: [2] },
  expand: { run: ([x]) => nn.expand(x!, [3]), values: [2] },
  squeeze: { run: ([x]) => nn.squeeze(x!), values: [2] },
  unsqueeze: { run: ([x]) => nn.unsqueeze(x!, 0), values: [2] },
  slice: { run: ([x]) => nn.slice(x!, [], []), values: [2] },
  pad: { run: ([x]) => nn.pad(x!, [], []), values: [2] },
  tril: { run: ([x]) => nn.tril(x!), values: [2], rankZeroError: /^tril: needs a tensor of at least 2 dimensions, got shape \[\]/ },
  triu: { run: ([x]) => nn.triu(x!), values: [2], rankZeroError: /^triu: needs a tensor of at least 2 dimensions, got shape \[\]/ },
  flip: { run: ([x]) => nn.flip(x!, []), values: [2] },
  roll: { run: ([x]) => nn.roll(x!, 1), values: [2] },
  tile: { run: ([x]) => nn.tile(x!, [2]), values: [2] },
  flatten: { run: ([x]) => nn.flatten(x!), values: [2] },
  split: { run: ([x]) => nn.split(x!, 1)[0]!, values: [2], rankZeroError: /^split: a rank-0 tensor has no axis to split/ },
  chunk: { run: ([x]) => nn.chunk(x!, 1)[0]!, values: [2], rankZeroError: /^chunk: a rank-0 tensor has no axis to split/ },
  diagonal: { run: ([x]) => nn.diagonal(x!), values: [2], rankZeroError: /^diagonal: needs a tensor of at least 2 dimensions, got shape \[\]/ },
  // Linear algebra, nn, joining, selection.
  matmul: { ...binary(nn.matmul), rankZeroError: /^matmul: operands must have at least one axis/ },
  einsum: { run: ([a, b]) => nn.einsum(',->', a!, b!), values: [0.75, 1.5] },
  softmax: { run: ([x]) => nn.softmax(x!, 0), values: [2], rankZeroError: /^softmax: axis 0 is out of range for rank 0/ },
  logSoftmax: { run: ([x]) => nn.logSoftmax(x!, 0), values: [2], rankZeroError: /^logSoftmax: axis 0 is out of range for rank 0/ },
  stack: { run: (xs) => nn.stack(xs), values: [1, 2, 3] },
  concat: { run: (xs) => nn.concat(xs), values: [1, 2], rankZeroError: /^concat: axis 0 is out of range for rank 0/ },
  where: { run: ([c, a, b]) => nn.where(c!, a!, b!), values: [1, 2, 3] },
  clamp: { run: ([x]) => nn.clamp(x!, 0, 0.5), values: [0.75] },
  cast: { run: ([x]) => nn.cast(x!, 'float64'), values: [0.1] },
  // Indexing and sorting (an index is an int32 tensor, not an operand: a number there is an error).
  gather: { run: ([x]) => nn.gather(x!, 0, firstIndex), values: [2], rankZeroError: /^gather: axis 0 is out of range for rank 0/ },
  scatterAdd: {
    run: ([x, src]) => nn.scatterAdd(x!, 0, firstIndex, src!), values: [2, 3], rankZeroError: /^scatterAdd: axis 0 is out of range for rank 0/,
  },
  indexSelect: { run: ([x]) => nn.indexSelect(x!, 0, firstIndex), values: [2] },
  maskedFill: { run: ([x, mask, value]) => nn.maskedFill(x!, mask!, value!), values: [2, 1, 5] },
  sort: { run: ([x]) => nn.sort(x!).values, values: [2] },
  argsort: { run: ([x]) => nn.argsort(x!), values: [2] },
  topk: { run: ([x]) => nn.topk(x!, 1).values, values: [2] },
  multinomial: { run: ([p]) => nn.multinomial(p!, 1), values: [2], rankZeroError: /^multinomial: probs must be 1-D or 2-D/ },
  // Convolutions: a number is a rank-0 input, which they reject for its rank.
  conv1d: { run: ([x, w]) => nn.conv1d(x!, w!), values: [1, 2], rankZeroError: /^conv1d: input must be \[N, C, L\] or \[C, L\], got shape \[\]/ },
  conv2d: { run: ([x, w]) => nn.conv2d(x!, w!), values: [1, 2], rankZeroError: /^conv2d: input must be \[N, C, H, W\] or \[C, H, W\], got shape \[\]/ },
  convTranspose1d: { run: ([x, w]) => nn.convTranspose1d(x!, w!), values: [1, 2], rankZeroError: /^convTranspose1d: input must be \[N, C, L\] or \[C, L\]/ },
  convTranspose2d: { run: ([x, w]) => nn.convTranspose2d(x!, w!), values: [1, 2], rankZeroError: /^convTranspose2d: input must be \[N, C, H, W\] or \[C, H, W\]/ },
  detach: unary(nn.detach),
  zeroGrad: { run: ([x]) => { nn.zeroGrad(x!); return tensor(0); }, values: [1] },
  zerosLike: unary(nn.zerosLike), onesLike: unary(nn.onesLike),
  // Not ops.
  tensor: { noOperand: creates }, zeros: { noOperand: creates }, ones: { noOperand: creates }, full: { noOperand: creates },
  eye: { noOperand: creates }, arange: { noOperand: creates }, linspace: { noOperand: creates }, randint: { noOperand: creates }, rand: { noOperand: creates }, randn: { noOperand: creates },
  Tensor: { noOperand: 'the class' }, Generator: { noOperand: 'the class of random generators' }, AllocationError: { noOperand: 'an error class' },
  setDefaultDtype: { noOperand: 'a setting' }, getDefaultDtype: { noOperand: 'a setting' },
  setBackend: { noOperand: 'a setting' }, getBackend: { noOperand: 'a setting' },
  manualSeed: { noOperand: 'a setting' }, broadcastShapes: { noOperand: 'takes shapes' },
  checkOptions: { noOperand: 'checks an options argument' }, checkGenerator: { noOperand: 'checks an rng option' },
  describeValue: { noOperand: 'formats any value for an error message' },
  noGrad: { noOperand: 'takes a function' }, enableGrad: { noOperand: 'takes a function' },
  isGradEnabled: { noOperand: 'a setting' }, detectAnomaly: { noOperand: 'takes a function' },
  defineOp: { noOperand: 'takes an op definition (the op it returns is tested in custom-op rows below)' },
  gradients: { noOperand: 'differentiates a recorded graph: its tensors are graph nodes, not values' },
  gradcheck: { noOperand: 'takes a function and the tensors to perturb' },
  gradgradcheck: { noOperand: 'takes a function and the tensors to perturb' },
  assertGradcheck: { noOperand: 'takes a function and the tensors to perturb' },
  assertGradgradcheck: { noOperand: 'takes a function and the tensors to perturb' },
  grad: { noOperand: 'a transform of a function' }, valueAndGrad: { noOperand: 'a transform of a function' },
  vjp: { noOperand: 'a transform of a function' }, jvp: { noOperand: 'a transform of a function' },
  jacobian: { noOperand: 'a transform of a function' }, hessian: { noOperand: 'a transform of a function' },
  hvp: { noOperand: 'a transform of a function' },
  traceOps: { noOperand: 'takes a function and a listener (the op trace of ONNX export)' },
};

const exported = Object.keys(nn).filter((name) => typeof (nn as Record<string, unknown>)[name] === 'function');
const opRows = Object.entries(rows).filter((entry): entry is [string, OpRow] => 'run' in entry[1]);

test('every exported function has a row', () => {
  expect(exported.filter((name) => !(name in rows))).toEqual([]);
  expect(Object.keys(rows).filter((name) => !exported.includes(name))).toEqual([]);
});

describe.each(opRows)('%s', (name, { run, values, rankZeroError }) => {
  const asTensors = (dtype: nn.DType): Tensor[] => values.map((v) => tensor(v, { dtype }));
  const expectSame = (got: () => Tensor, want: () => Tensor): void => {
    if (rankZeroError !== undefined) {
      // A rank-0 tensor and a number fail alike: with an Error naming the op.
      expect(want).toThrow(rankZeroError);
      expect(got).toThrow(rankZeroError);
      return;
    }
    const [g, w] = [got(), want()];
    expect(g.dtype).toBe(w.dtype);
    expect(g.shape).toEqual(w.shape);
    expect(g.toArray()).toEqual(w.toArray());
  };

  // With one slot there is no other operand: the number takes the default dtype (the next test).
  const slots = values.length > 1 ? values.map((_, slot) => slot) : [];
  test.skipIf(slots.length === 0).each(slots)('a number in slot %i takes the dtype of the tensor operands', (slot) => {
    const operands: TensorLike[] = asTensors('float64');
    operands[slot] = values[slot]!;
    expectSame(() => run(operands), () => run(asTensors('float64')));
  });

  test('numbers in every slot give the default dtype', () => {
    expectSame(() => run(values), () => run(asTensors(nn.getDefaultDtype())));
  });

  test('a value that is neither is rejected naming the op and the value', () => {
    const operands: TensorLike[] = asTensors('float64');
    operands[0] = '1' as never;
    expect(() => run(operands)).toThrow(new RegExp(`^${name}: .*got the string "1"`));
  });
});

test('a custom op takes numbers in every slot', () => {
  const scaled = nn.defineOp({ name: 'scaled', forward: (x, k) => x!.mul(k!), backward: (g, { inputs: [, k] }) => [g.mul(k!), null] });
  expect(scaled(tensor(2, { dtype: 'float64' }), 3).dtype).toBe('float64');
  expect(scaled(2, tensor(3, { dtype: 'float64' })).item()).toBe(6);
  expect(scaled(2, 3).dtype).toBe(nn.getDefaultDtype());
});
