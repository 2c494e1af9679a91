/** Bad input throws an Error that names the op and the offending shapes, dtypes or values. */
import { describe, expect, test } from 'vitest';
import {
  concat, expand, matmul, ones, permute, reshape, setDefaultDtype, slice, squeeze, stack, sum, tensor, unsqueeze, where,
  zeros, eye, arange, full, manualSeed, softmax, rand, randn, Generator, gradients, grad, gradcheck, describeValue, checkOptions,
  type DType,
} from '../src/index.js';

describe('creation', () => {
  test('ragged nested arrays', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow('tensor: ragged nested array: the entry at index [1] has length 1, expected length 2');
    expect(() => tensor([[1, 2], 3] as never)).toThrow(/tensor: ragged nested array: the entry at index \[1\]/);
    expect(() => tensor([1, 'a'] as never)).toThrow('tensor: expected a number at index [1], got the string "a" (ragged nested array?)');
  });

  test('unknown dtype', () => {
    expect(() => tensor([1], { dtype: 'int64' as DType })).toThrow(`tensor: unknown dtype "int64" (expected 'float32', 'float64' or 'int32')`);
    expect(() => zeros([1], { dtype: 'float16' as DType })).toThrow(/zeros: unknown dtype "float16"/);
    expect(() => setDefaultDtype('double' as DType)).toThrow(/setDefaultDtype: unknown dtype "double"/);
  });

  test('bad shapes and values', () => {
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow('tensor: 3 values do not fill shape [2,2] (4 elements)');
    expect(() => zeros([2, -1])).toThrow(/zeros: invalid shape \[2,-1\]/);
    expect(() => ones([1.5])).toThrow(/invalid shape \[1.5\]/);
    expect(() => eye(-1)).toThrow('eye: n must be a non-negative integer, got -1');
    expect(() => arange(0, 5, 0)).toThrow('arange: step must not be 0');
    expect(() => full([2], NaN).toArray()).not.toThrow();
  });
});

describe('shape mismatch in every op family', () => {
  test('element-wise broadcasting', () => {
    expect(() => ones([2, 3]).add(ones([4, 3]))).toThrow('add: shapes [2,3] and [4,3] cannot be broadcast together (axis -2: 2 vs 4)');
    expect(() => ones([3]).mul(ones([2]))).toThrow(/^mul: shapes \[3\] and \[2\] cannot be broadcast/);
    expect(() => ones([3]).gt(ones([2]))).toThrow(/^gt: shapes \[3\] and \[2\]/);
    expect(() => ones([2]).add('x' as never)).toThrow('add: expected a Tensor or a number, got the string "x"');
    expect(() => ones([2]).add([1, 2] as never)).toThrow('add: expected a Tensor or a number, got the array [1,2] (wrap an array with tensor())');
  });

  test('matmul', () => {
    expect(() => matmul(ones([2, 3]), ones([4, 5]))).toThrow('matmul: shapes [2,3] and [4,5] do not align (3 != 4)');
    expect(() => matmul(ones([3]), ones([4]))).toThrow('matmul: shapes [3] and [4] do not align (3 != 4)');
    expect(() => matmul(ones([2, 2, 3]), ones([3, 3, 2]))).toThrow(/matmul: batch axes of \[2,2,3\] and \[3,3,2\]: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => matmul(ones([]), ones([2]))).toThrow('matmul: operands must have at least one axis, got shapes [] and [2] (use mul for scalars)');
  });

  test('concat, stack, where', () => {
    expect(() => concat([ones([2, 3]), ones([2, 4])], 0)).toThrow('concat: tensor 1 has shape [2,4], which does not match [2,3] outside axis 0');
    expect(() => concat([])).toThrow('concat: expected a non-empty array of tensors');
    expect(() => stack([ones([2]), ones([3])])).toThrow('stack: tensor 1 has shape [3], expected [2] like tensor 0');
    expect(() => where(ones([3]), ones([2]), 0)).toThrow(/^where: shapes \[3\] and \[2\] cannot be broadcast/);
  });

  test('reshape, expand, permute, squeeze, slice', () => {
    expect(() => reshape(ones([2, 3]), [4, 2])).toThrow('reshape: cannot reshape a tensor of shape [2,3] (6 elements) into [4,2]');
    expect(() => reshape(ones([2, 3]), [-1, -1])).toThrow('reshape: only one dimension can be -1, got [-1,-1]');
    expect(() => reshape(ones([2, 3]), [-1, 4])).toThrow(/reshape: cannot reshape a tensor of shape \[2,3\]/);
    expect(() => expand(ones([2, 3]), [4, 3])).toThrow('expand: cannot expand shape [2,3] to [4,3] (axis 0: 2 to 4; only size-1 axes grow)');
    expect(() => expand(ones([2, 3]), [3])).toThrow(/expand: cannot expand shape \[2,3\] to \[3\] \(fewer dimensions\)/);
    expect(() => permute(ones([2, 3]), [0, 0])).toThrow('permute: [0,0] is not a permutation of the 2 axes');
    expect(() => permute(ones([2, 3]), [0])).toThrow('permute: expected 2 axes for shape [2,3], got [0]');
    expect(() => squeeze(ones([2, 3]), 0)).toThrow('squeeze: axis 0 of shape [2,3] has size 2; only size-1 axes can be squeezed');
    expect(() => slice(ones([2, 3]), [0, 0], [2, 4])).toThrow('slice: end index 4 is out of range for axis 1 of size 3 in shape [2,3]');
    expect(() => slice(ones([2, 3]), [-3, 0], [2, 3])).toThrow('slice: start index -3 is out of range for axis 0 of size 2 in shape [2,3]');
    expect(() => slice(ones([2, 3]), [0], [1])).toThrow(/slice: start and end need one entry per axis of shape \[2,3\]/);
    expect(() => slice(ones([4]), [3], [1])).toThrow('slice: end 1 comes before start 3 on axis 0 of shape [4]');
  });
});

describe('bad axes', () => {
  test('out of range, repeated, or on a rank-0 tensor', () => {
    expect(() => sum(ones([2, 3]), 2)).toThrow('sum: axis 2 is out of range for rank 2 (expected an integer in [-2, 1])');
    expect(() => ones([2, 3]).mean(-3)).toThrow(/^mean: axis -3 is out of range for rank 2/);
    expect(() => ones([2, 3]).sum([1, -1])).toThrow('sum: axis -1 is repeated in [1,-1]');
    expect(() => ones([2]).max(0.5)).toThrow('max: axis must be an integer, got 0.5');
    expect(() => softmax(ones([]))).toThrow('softmax: axis -1 is out of range for rank 0 (a rank-0 tensor has no axes)');
    expect(() => unsqueeze(ones([2]), 3)).toThrow(/^unsqueeze: axis 3 is out of range for rank 2/);
    expect(() => ones([2]).transpose()).toThrow(/^transpose: axis -2 is out of range for rank 1/);
    expect(() => concat([ones([2])], 1)).toThrow(/^concat: axis 1 is out of range for rank 1/);
    expect(() => ones([0, 2]).max(0)).toThrow('max: cannot reduce an empty axis of shape [0,2] (the result has no value)');
  });

  test('an axis of the wrong type says which type it got', () => {
    expect(() => ones([2, 3]).sum('1' as never)).toThrow('sum: axis must be an integer or an array of integers, got the string "1"');
    expect(() => ones([2, 3]).sum(['1'] as never)).toThrow('sum: axis must be an integer, got the string "1"');
    expect(() => ones([2, 3]).softmax('1' as never)).toThrow('softmax: axis must be an integer, got the string "1"');
    expect(() => ones([2, 3]).transpose(0, null as never)).toThrow('transpose: axis must be an integer, got null');
  });
});

describe('sizes that cannot be allocated name the op, the shape and the bytes', () => {
  test.each([
    ['zeros', () => zeros([1e6, 1e6]), 'zeros: cannot allocate a float32 tensor of shape [1000000,1000000] (1000000000000 elements, 4000000000000 bytes = 4 TB)'],
    ['ones', () => ones([1e6, 1e6], { dtype: 'float64' }), 'ones: cannot allocate a float64 tensor of shape [1000000,1000000] (1000000000000 elements, 8000000000000 bytes = 8 TB)'],
    ['eye', () => eye(1e6), 'eye: cannot allocate a float32 tensor of shape [1000000,1000000] (1000000000000 elements, 4000000000000 bytes = 4 TB)'],
    ['full', () => full([3e9, 3], 1), 'full: cannot allocate a float32 tensor of shape [3000000000,3] (9000000000 elements, 36000000000 bytes = 36 GB)'],
    ['rand', () => rand([1e5, 1e5]), 'rand: cannot allocate a float32 tensor of shape [100000,100000] (10000000000 elements, 40000000000 bytes = 40 GB)'],
    ['randn', () => randn([1e5, 1e5]), 'randn: cannot allocate a float32 tensor of shape [100000,100000]'],
    ['arange', () => arange(1e10), 'arange: cannot allocate a float32 tensor of shape [10000000000]'],
    ['a broadcast', () => ones([1e5, 1]).add(ones([1, 1e5])), 'add: cannot allocate a float32 tensor of shape [100000,100000]'],
    // A kernel that allocates without knowing its op (matmul's) is named by the op that ran.
    ['a product', () => ones([1e5, 1]).matmul(ones([1, 1e5])), 'matmul: cannot allocate 10000000000 float32 elements (40000000000 bytes = 40 GB)'],
  ])('%s', (_, make, message) => {
    expect(make).toThrow(message);
  });
});

describe('random generators and seeds', () => {
  test('an rng option must be a Generator', () => {
    expect(() => randn([2], { rng: 5 as never })).toThrow('randn: rng must be a Generator, got 5');
    expect(() => rand([2], { rng: { uniform: () => 0 } as never })).toThrow('rand: rng must be a Generator, got an object with keys {uniform}');
  });

  test.each([1.5, 2 ** 32, 2 ** 32 + 1, -1, NaN, Infinity])('seed %s is rejected, not read as another seed', (seed) => {
    const message = `seed must be an integer in [0, 2^32 - 1] (a generator's seed has 32 bits), got ${seed}`;
    expect(() => manualSeed(seed)).toThrow(`manualSeed: ${message}`);
    expect(() => new Generator(seed)).toThrow(`Generator: ${message}`);
    expect(() => new Generator(1).seed(seed)).toThrow(`Generator.seed: ${message}`);
  });

  test('a seed that is not a number says its type', () => {
    expect(() => manualSeed('1' as never)).toThrow('manualSeed: seed must be an integer in [0, 2^32 - 1] (a generator\'s seed has 32 bits), got the string "1"');
  });

  test('every seed the generator takes starts its own stream', () => {
    for (const seed of [0, 1, 2 ** 31, 2 ** 32 - 1]) expect(() => manualSeed(seed)).not.toThrow();
    const first = (seed: number): number => new Generator(seed).nextUint32();
    expect(new Set([0, 1, 2 ** 32 - 1, 2 ** 31].map(first)).size).toBe(4);
    expect(() => new Generator()).not.toThrow();
  });
});

describe('unknown options', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  test.each([
    ['tensor', () => tensor([1], { requiresgrad: true } as never), "tensor: unknown option 'requiresgrad' (did you mean 'requiresGrad'? known options: dtype, requiresGrad, shape)"],
    ['zeros', () => zeros([1], { dype: 'float64' } as never), "zeros: unknown option 'dype' (did you mean 'dtype'?"],
    ['ones', () => ones([1], { grad: true } as never), "ones: unknown option 'grad' (known options: dtype, requiresGrad)"],
    ['full', () => full([1], 2, { shape: [1] } as never), "full: unknown option 'shape'"],
    ['eye', () => eye(2, { n: 2 } as never), "eye: unknown option 'n'"],
    ['arange', () => arange(2, 3, 1, { step: 2 } as never), "arange: unknown option 'step'"],
    ['rand', () => rand([1], { seed: 1 } as never), "rand: unknown option 'seed'"],
    ['randn', () => randn([1], { rgn: new Generator(1) } as never), "randn: unknown option 'rgn' (did you mean 'rng'?"],
    ['backward', () => x.mul(2).sum().backward(undefined, { retainGrap: true } as never), "backward: unknown option 'retainGrap' (did you mean 'retainGraph'?"],
    ['gradients', () => gradients(x.sum(), [x], tensor(1), { create_graph: true } as never), "gradients: unknown option 'create_graph'"],
    ['grad', () => grad((t) => t.sum(), { argnum: 0 } as never), "grad: unknown option 'argnum' (did you mean 'argnums'?"],
    ['gradcheck', () => gradcheck((t) => t.sum(), [tensor([1], { dtype: 'float64' })], { tol: 1 } as never), "gradcheck: unknown option 'tol'"],
  ])('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });

  test('options that are not an object', () => {
    expect(() => tensor([1], 'float64' as never)).toThrow('tensor: options must be an object, got the string "float64"');
    expect(() => zeros([1], null as never)).toThrow('zeros: options must be an object, got null');
    expect(() => x.mul(2).sum().backward(undefined, true as never)).toThrow('backward: options must be an object, got true');
  });
});

describe('backward misuse', () => {
  test('a larger tensor without a gradient', () => {
    const x = ones([2, 3], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow('backward: a gradient must be given for a tensor of shape [2,3] (6 elements); only a one-element tensor is seeded with 1');
  });

  test('a gradient of the wrong shape', () => {
    const x = ones([2], { requiresGrad: true });
    expect(() => x.mul(2).backward(ones([3]))).toThrow("backward: grad of shape [3] does not match the tensor's shape [2]");
  });

  test('a tensor that does not require grad', () => {
    expect(() => ones([1]).mul(2).backward()).toThrow(/backward: this tensor of shape \[1\] does not require grad/);
  });

  test('item() on more than one element', () => {
    expect(() => ones([2]).item()).toThrow('item: tensor of shape [2] has 2 elements, item() needs exactly 1');
  });
});

describe('describeValue shows a value with its type', () => {
  test.each([
    [3, '3'], [-0, '-0'], [NaN, 'NaN'], ['3', 'the string "3"'], [true, 'true'], [null, 'null'], [undefined, 'undefined'],
    [[1, '2', [3]], 'the array [1,"2",[3]]'], [Array.from({ length: 10 }, (_, i) => i), 'the array [0,1,2,3,4,5,6,7,... (10 elements)]'],
    [ones([2, 3]), 'a float32 tensor of shape [2,3]'], [new Float64Array(4), 'a Float64Array of length 4'],
    [Math.max, 'the function max'], [() => 1, 'a function'], [{}, 'an empty object'], [{ a: 1, b: 2 }, 'an object with keys {a, b}'],
    [new Generator(1), 'an instance of Generator'], [10n, 'the bigint 10n'],
  ])('%s', (value, shown) => {
    expect(describeValue(value)).toBe(shown);
  });
});

describe('checkOptions', () => {
  test('accepts undefined and known keys, also on an object without a prototype', () => {
    expect(() => checkOptions('f', undefined, ['a'])).not.toThrow();
    expect(() => checkOptions('f', { a: 1 }, ['a'])).not.toThrow();
    expect(() => checkOptions('f', Object.assign(Object.create(null) as object, { a: 1 }), ['a'])).not.toThrow();
  });

  test('suggests a key that differs in case, is cut short, or is a small edit away; none when nothing is close', () => {
    expect(() => checkOptions('f', { BatchSize: 1 }, ['batchSize'])).toThrow("f: unknown option 'BatchSize' (did you mean 'batchSize'? known options: batchSize)");
    expect(() => checkOptions('f', { initialAccumulator: 1 }, ['initialAccumulatorValue'])).toThrow("did you mean 'initialAccumulatorValue'?");
    expect(() => checkOptions('f', { epcohs: 1 }, ['epochs', 'batchSize'])).toThrow("did you mean 'epochs'?");
    expect(() => checkOptions('f', { colour: 1 }, ['epochs', 'batchSize'])).toThrow("f: unknown option 'colour' (known options: epochs, batchSize)");
    expect(() => checkOptions('f', { a: 1 }, [])).toThrow("f: unknown option 'a' (it takes no options)");
  });

  test('rejects what is not an options object', () => {
    expect(() => checkOptions('f', [1], ['a'])).toThrow('f: options must be an object, got the array [1]');
    expect(() => checkOptions('f', ones([1]), ['a'])).toThrow('f: options must be an object, got a float32 tensor of shape [1]');
    expect(() => checkOptions('f', new Generator(1), ['a'])).toThrow('f: options must be an object, got an instance of Generator');
  });
});
