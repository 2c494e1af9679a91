/** The Optimizer base: zeroGrad, skipped parameters, float32, no graph, and every error path. */
import { describe, expect, test } from 'vitest';
import { noGrad, tensor, type Tensor } from '@nn/autograd';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type SGDOptions } from '../src/index.js';
import { fixture, freshParams, loss, makeOptimizer, STEPS, trainStep } from './problem.js';
import { EPSILON, expectClose, scaledTolerance } from '../../../test/close.js';

const f64 = { dtype: 'float64' as const };

function param(values: number[]): Tensor {
  return tensor(values, { ...f64, requiresGrad: true });
}

describe('step and zeroGrad', () => {
  test('zeroGrad clears every gradient', () => {
    const params = freshParams();
    const opt = new Adam([{ params: params.slice(0, 2) }, { params: params.slice(2) }]);
    loss(params).backward();
    expect(params.every((p) => p.grad !== null)).toBe(true);
    opt.zeroGrad();
    expect(params.map((p) => p.grad)).toEqual([null, null, null, null]);
  });

  test.each(['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad'])('%s skips a parameter whose grad is null, as PyTorch', (name) => {
    const c = { optimizer: name, options: { lr: 0.05, weightDecay: 0.1, ...(name === 'SGD' ? { momentum: 0.9 } : {}) } };
    const params = freshParams();
    const frozen = param([1, -2, 3]); // in the optimizer, never in the loss
    const opt = makeOptimizer({ ...c, groups: undefined }, [...params, frozen]);
    const reference = freshParams();
    const refOpt = makeOptimizer(c, reference);
    for (let i = 0; i < 5; i++) {
      trainStep(opt, params);
      trainStep(refOpt, reference);
    }
    expect(frozen.grad).toBeNull();
    expect(frozen.toArray()).toEqual([1, -2, 3]);
    expect(opt.stateOf(frozen)).toBeUndefined();
    expect(opt.stateDict().state[4]).toBeNull();
    // The other parameters move exactly as without the frozen one.
    params.forEach((p, i) => expect(Array.from(p.data())).toEqual(Array.from(reference[i]!.data())));
  });

  test('a step records no graph: parameters stay leaves that require grad, and backward works after it', () => {
    for (const c of fixture.optimizers) {
      const params = freshParams();
      const opt = makeOptimizer(c, params);
      trainStep(opt, params);
      for (const p of params) {
        expect(p.node).toBeNull();
        expect(p.isLeaf).toBe(true);
        expect(p.requiresGrad).toBe(true);
      }
      opt.zeroGrad();
      loss(params).backward();
      expect(params.every((p) => p.grad !== null && Number.isFinite(p.grad.data()[0]!))).toBe(true);
    }
  });

  test('step works inside noGrad as well', () => {
    const a = freshParams();
    const b = freshParams();
    const optA = new Adam(a, { lr: 0.1 });
    const optB = new Adam(b, { lr: 0.1 });
    loss(a).backward();
    loss(b).backward();
    optA.step();
    noGrad(() => optB.step());
    a.forEach((p, i) => expect(Array.from(p.data())).toEqual(Array.from(b[i]!.data())));
  });

  test('the group options can be changed between steps', () => {
    const w = param([1, 2]);
    const opt = new SGD([w], { lr: 0.1 });
    w.grad = tensor([1, 1], f64);
    opt.step();
    opt.paramGroups[0]!.lr = 1;
    opt.step();
    expect(w.toArray()).toEqual([1 - 0.1 - 1, 2 - 0.1 - 1]);
  });

  test('a gradient of another dtype is cast to the parameter\'s', () => {
    const w = param([1, 2]);
    const opt = new SGD([w], { lr: 0.5 });
    w.grad = tensor([1, 2], { dtype: 'float32' });
    opt.step();
    expect(w.toArray()).toEqual([0.5, 1]);
    expect(w.dtype).toBe('float64');
  });

  test('a parameter that is a view is updated in place: a contiguous slice in its storage, a transpose through a copy', () => {
    const storage = tensor([10, 1, 2, 3, 20], f64);
    const slice = storage.slice([1], [4]); // contiguous, at offset 1 of a shared storage
    slice.requiresGrad = true;
    const transposed = tensor([[1, 2], [3, 4]], f64).transpose(); // not contiguous
    transposed.requiresGrad = true;
    const opt = new SGD([slice, transposed], { lr: 0.5 });
    slice.grad = tensor([2, 2, 2], f64);
    transposed.grad = tensor([[2, 4], [6, 8]], f64);
    opt.step();
    expect(slice.toArray()).toEqual([0, 1, 2]);
    expect(storage.toArray()).toEqual([10, 0, 1, 2, 20]); // the neighbours are untouched
    expect(transposed.toArray()).toEqual([[0, 1], [-1, 0]]); // [[1, 3], [2, 4]] - 0.5 * grad
  });

  test('addParamGroup adds a group that inherits the defaults', () => {
    const [w, b] = [param([1]), param([2])];
    const opt = new SGD([w], { lr: 0.1, momentum: 0.5 });
    opt.addParamGroup({ params: [b], lr: 1 });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 1, momentum: 0.5, dampening: 0, nesterov: false, weightDecay: 0 });
    expect(() => opt.addParamGroup({ params: [w] })).toThrow('SGD: parameter group 2: parameter 0 (shape [1]) is already in parameter group 0');
  });
});

describe('float32 parameters', () => {
  test.each(fixture.optimizers.map((c) => [c.name, c] as const))('%s matches the float64 run at float32 precision', (_name, c) => {
    const params = freshParams('float32');
    const opt = makeOptimizer(c, params);
    for (let i = 0; i < STEPS; i++) trainStep(opt, params);
    params.forEach((p, i) => {
      expect(p.dtype).toBe('float32');
      const expected = c.params[fixture.problem.paramNames[i]!]!;
      const actual = p.data();
      // 20 steps of float32 rounding, carried by momentum and averages: the worst measured over every
      // case is 10 float32 steps of the parameter's largest value; 32 leaves room and still fails a
      // wrong update on a small element (a fixed 2e-5 accepted a factor-2 error below 2e-5).
      expectClose(actual, expected, scaledTolerance(expected, EPSILON.float32, 32), `${c.name}, ${fixture.problem.paramNames[i]}`);
      for (const buffer of opt.stateOf(p)!.buffers.values()) expect(buffer).toBeInstanceOf(Float32Array);
    });
  });
});

describe('bad options', () => {
  const params = (): Tensor[] => [param([1, 2])];

  test('unknown option names', () => {
    const opts = { lr: 0.1, momentm: 0.9 };
    expect(() => new SGD(params(), opts)).toThrow(
      new Error("SGD: unknown option 'momentm' (did you mean 'momentum'? known options: lr, momentum, dampening, nesterov, weightDecay)"),
    );
    expect(() => new Adam(params(), { beta: [0.9, 0.99] } as object)).toThrow(
      new Error("Adam: unknown option 'beta' (did you mean 'betas'? known options: lr, betas, eps, weightDecay, amsgrad)"),
    );
    expect(() => new RMSprop(params(), { weight_decay: 0.1 } as object)).toThrow(
      new Error("RMSprop: unknown option 'weight_decay' (did you mean 'weightDecay'? known options: lr, alpha, eps, weightDecay, momentum, centered)"),
    );
    expect(() => new Adagrad(params(), { initialAccumulator: 0.1 } as object)).toThrow(
      new Error("Adagrad: unknown option 'initialAccumulator' (did you mean 'initialAccumulatorValue'? known options: lr, lrDecay, weightDecay, initialAccumulatorValue, eps)"),
    );
  });

  test('values out of range', () => {
    const cases: [() => unknown, string][] = [
      [() => new SGD(params(), { lr: -0.1 }), 'SGD: lr must be a finite number >= 0, got -0.1'],
      [() => new SGD(params(), { lr: NaN }), 'SGD: lr must be a finite number >= 0, got NaN'],
      [() => new SGD(params(), { lr: Infinity }), 'SGD: lr must be a finite number >= 0, got Infinity'],
      [() => new SGD(params(), { lr: 0.1, momentum: -0.9 }), 'SGD: momentum must be a finite number >= 0, got -0.9'],
      [() => new SGD(params(), { lr: 0.1, weightDecay: -1 }), 'SGD: weightDecay must be a finite number >= 0, got -1'],
      [() => new SGD(params(), { lr: '0.1' } as unknown as SGDOptions), "SGD: lr must be a finite number >= 0, got the string \"0.1\""],
      [() => new SGD(params(), { lr: 0.1, nesterov: 1 } as unknown as SGDOptions), 'SGD: nesterov must be true or false, got 1'],
      [() => new SGD(params(), {} as SGDOptions), "SGD: option 'lr' is required"],
      [() => new SGD(params(), { lr: 0.1, nesterov: true }), 'SGD: nesterov requires momentum > 0 and dampening = 0, got momentum 0 and dampening 0'],
      [
        () => new SGD(params(), { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 }),
        'SGD: nesterov requires momentum > 0 and dampening = 0, got momentum 0.9 and dampening 0.1',
      ],
      [() => new Adam(params(), { betas: [0.9, 1] }), 'Adam: betas must be two numbers in [0, 1), got the array [0.9,1]'],
      [() => new Adam(params(), { betas: [-0.1, 0.999] }), 'Adam: betas must be two numbers in [0, 1), got the array [-0.1,0.999]'],
      [() => new Adam(params(), { betas: [0.9] as unknown as [number, number] }), 'Adam: betas must be two numbers in [0, 1), got the array [0.9]'],
      [() => new Adam(params(), { eps: -1e-8 }), 'Adam: eps must be a finite number >= 0, got -1e-8'],
      [() => new Adam(params(), { lr: -1 }), 'Adam: lr must be a finite number >= 0, got -1'],
      [() => new Adam(params(), { amsgrad: 'yes' } as unknown as object), "Adam: amsgrad must be true or false, got the string \"yes\""],
      [() => new AdamW(params(), { weightDecay: -0.01 }), 'AdamW: weightDecay must be a finite number >= 0, got -0.01'],
      [() => new AdamW(params(), { betas: [1, 0.9] }), 'AdamW: betas must be two numbers in [0, 1), got the array [1,0.9]'],
      [() => new RMSprop(params(), { alpha: -0.5 }), 'RMSprop: alpha must be a finite number >= 0, got -0.5'],
      [() => new RMSprop(params(), { momentum: -1 }), 'RMSprop: momentum must be a finite number >= 0, got -1'],
      [() => new RMSprop(params(), { centered: 1 } as unknown as object), 'RMSprop: centered must be true or false, got 1'],
      [() => new Adagrad(params(), { lrDecay: -1 }), 'Adagrad: lrDecay must be a finite number >= 0, got -1'],
      [() => new Adagrad(params(), { initialAccumulatorValue: -0.1 }), 'Adagrad: initialAccumulatorValue must be a finite number >= 0, got -0.1'],
      [() => new Adagrad(params(), { eps: -1 }), 'Adagrad: eps must be a finite number >= 0, got -1'],
      [() => new Adam(params(), 0.1 as unknown as object), 'Adam: options must be an object, got 0.1'],
    ];
    for (const [make, message] of cases) expect(make).toThrow(new Error(message));
  });

  test('bad options of a parameter group name the group', () => {
    const [a, b] = [param([1]), param([2])];
    expect(() => new SGD([{ params: [a] }, { params: [b], lrr: 0.1 }] as never, { lr: 0.1 })).toThrow(
      new Error("SGD: parameter group 1: unknown option 'lrr' (did you mean 'lr'? known options: lr, momentum, dampening, nesterov, weightDecay)"),
    );
    expect(() => new Adam([{ params: [a], betas: [0.9, 2] }])).toThrow(
      new Error('Adam: parameter group 0: betas must be two numbers in [0, 1), got the array [0.9,2]'),
    );
    expect(() => new SGD([{ params: [a], momentum: 0.9 }, { params: [b], nesterov: true }], { lr: 0.1 })).toThrow(
      new Error('SGD: parameter group 1: nesterov requires momentum > 0 and dampening = 0, got momentum 0 and dampening 0'),
    );
    // As PyTorch, a required option may come from every group instead.
    expect(() => new SGD([{ params: [a], lr: 0.1 }, { params: [b] }], {} as SGDOptions)).toThrow(
      new Error("SGD: parameter group 1: option 'lr' is required"),
    );
    const opt = new SGD([{ params: [a], lr: 0.1 }, { params: [b], lr: 0.2 }], {} as SGDOptions);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.2]);
  });
});

describe('bad parameters', () => {
  test('each mistake throws, naming the optimizer and the parameter', () => {
    const w = param([1, 2]);
    const v = param([3]);
    const cases: [() => unknown, string][] = [
      [() => new Adam([]), 'Adam: got an empty parameter list'],
      [() => new Adam(w as never), 'Adam: params must be an array of tensors or of parameter groups ({ params, ...options }), got a float64 tensor of shape [2]'],
      [() => new Adam(undefined as never), 'Adam: params must be an array of tensors or of parameter groups ({ params, ...options }), got undefined'],
      [() => new Adam([w, 3] as never), 'Adam: parameter 1 is not a Tensor (got 3)'],
      [() => new Adam([w, tensor([1, 2])]), 'Adam: parameter 1 (shape [2]) does not require grad; create it with requiresGrad: true'],
      [() => new SGD([w, w.mul(2)], { lr: 0.1 }), "SGD: parameter 1 (shape [2]) is not a leaf: it is the result of 'mul'; optimize the tensors it is computed from"],
      [() => new SGD([w, v, w], { lr: 0.1 }), 'SGD: parameter 2 (shape [2]) appears twice (it is parameter 0 too)'],
      [() => new SGD([{ params: [w] }, { params: [v, w] }], { lr: 0.1 }), 'SGD: parameter group 1: parameter 1 (shape [2]) is already in parameter group 0'],
      [() => new RMSprop([{ params: [w] }, { lr: 0.1 }] as never), "RMSprop: parameter group 1 must be an object with 'params', got an object with keys {lr}"],
      [() => new RMSprop([{ params: [w] }, 5] as never), "RMSprop: parameter group 1 must be an object with 'params', got 5"],
      [() => new Adagrad([{ params: 5 }] as never), 'Adagrad: parameter group 0: params must be a Tensor or an array of tensors, got 5'],
      [() => new Adagrad([{ params: [w, 'x'] }] as never), "Adagrad: parameter group 0: parameter 1 is not a Tensor (got the string \"x\")"],
    ];
    for (const [make, message] of cases) expect(make).toThrow(new Error(message));
  });

  test('a group may hold a single tensor or an empty list, as in PyTorch', () => {
    const w = param([1, 2]);
    const opt = new SGD([{ params: w }, { params: [] }], { lr: 0.1 });
    expect(opt.paramGroups.map((g) => g.params.length)).toEqual([1, 0]);
  });

  test('a gradient of the wrong shape is an error at step', () => {
    const w = param([1, 2]);
    const opt = new Adam([w]);
    w.grad = tensor([1, 2, 3], f64);
    expect(() => opt.step()).toThrow(new Error('Adam: the gradient of parameter 0 has shape [3], the parameter has shape [2]'));
  });
});
