/** stateDict / loadStateDict: a resumed run continues bit for bit; a mismatch says what differs. */
import { describe, expect, test } from 'vitest';
import { tensor, type DType, type Tensor } from '@nn/autograd';
import { Adam, SGD, type Optimizer, type OptimizerStateDict } from '../src/index.js';
import { fixture, freshParams, makeOptimizer, STEPS, trainStep } from './problem.js';

const SAVE_AT = 7;

function values(params: Tensor[]): number[][] {
  return params.map((p) => Array.from(p.data()));
}

describe('a resumed run continues bit for bit', () => {
  const cases = fixture.optimizers.flatMap((c) => (['float64', 'float32'] as DType[]).map((dtype) => [`${c.name} ${dtype}`, c, dtype] as const));
  test.each(cases)('%s', (_name, c, dtype) => {
    const straight = freshParams(dtype);
    const straightOpt = makeOptimizer(c, straight);
    for (let i = 0; i < STEPS; i++) trainStep(straightOpt, straight);

    const params = freshParams(dtype);
    const first = makeOptimizer(c, params);
    for (let i = 0; i < SAVE_AT; i++) trainStep(first, params);
    // Through JSON, as a checkpoint on disk would be.
    const saved = JSON.parse(JSON.stringify(first.stateDict())) as OptimizerStateDict;
    const resumed = makeOptimizer(c, params);
    resumed.loadStateDict(saved);
    expect(resumed.stateDict()).toEqual(first.stateDict());
    for (let i = SAVE_AT; i < STEPS; i++) trainStep(resumed, params);

    expect(values(params)).toEqual(values(straight));
  });

  test('the saved dict is a copy: later steps do not change it', () => {
    const params = freshParams();
    const opt = new Adam(params, { lr: 0.1 });
    trainStep(opt, params);
    const saved = opt.stateDict();
    const copy = JSON.parse(JSON.stringify(saved)) as OptimizerStateDict;
    trainStep(opt, params);
    opt.paramGroups[0]!.lr = 0.5;
    expect(saved).toEqual(copy);
  });

  test('the dict holds each group\'s options and each parameter\'s step and buffers', () => {
    const [w, b] = [tensor([1, 2], { dtype: 'float64', requiresGrad: true }), tensor([3], { dtype: 'float64', requiresGrad: true })];
    const opt = new SGD([{ params: [w] }, { params: [b], lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
    w.grad = tensor([1, 1], { dtype: 'float64' });
    opt.step();
    expect(opt.stateDict()).toEqual({
      state: [{ step: 1, buffers: { momentumBuffer: [1, 1] } }, null],
      paramGroups: [
        { params: [0], options: { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 } },
        { params: [1], options: { lr: 0.5, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 } },
      ],
    });
  });
});

describe('loadStateDict rejects a dict that does not fit', () => {
  function trained(make: (params: Tensor[]) => Optimizer = (p) => new Adam(p, { lr: 0.1 })): { params: Tensor[]; dict: OptimizerStateDict } {
    const params = freshParams();
    const opt = make(params);
    trainStep(opt, params);
    return { params, dict: opt.stateDict() };
  }

  test('each mismatch names the optimizer and what differs', () => {
    const { params, dict } = trained();
    const fresh = (): Adam => new Adam(params, { lr: 0.1 });
    const edit = (change: (d: OptimizerStateDict) => void): OptimizerStateDict => {
      const copy = JSON.parse(JSON.stringify(dict)) as OptimizerStateDict;
      change(copy);
      return copy;
    };
    const cases: [() => unknown, string][] = [
      [() => new Adam([{ params: params.slice(0, 2) }, { params: params.slice(2) }]).loadStateDict(dict), 'Adam: loadStateDict: the state dict has 1 parameter groups, this optimizer has 2'],
      [() => new Adam(params.slice(0, 3)).loadStateDict(dict), 'Adam: loadStateDict: the state dict has the state of 4 parameters, this optimizer has 3'],
      [
        () => fresh().loadStateDict(edit((d) => d.paramGroups[0]!.params.pop())),
        'Adam: loadStateDict: parameter group 0 has 3 parameters in the state dict, 4 in this optimizer',
      ],
      [
        () => fresh().loadStateDict(edit((d) => d.state[1]!.buffers.expAvg!.pop())),
        "Adam: loadStateDict: buffer 'expAvg' of parameter 1 has 2 values, the parameter has shape [3] (3 values)",
      ],
      [
        () => fresh().loadStateDict(edit((d) => delete d.state[0]!.buffers.expAvgSq)),
        'Adam: loadStateDict: the state of parameter 0 has buffers [expAvg], expected [expAvg, expAvgSq]',
      ],
      [
        () => fresh().loadStateDict(edit((d) => { d.paramGroups[0]!.options.amsgrad = true; })),
        'Adam: loadStateDict: the state of parameter 0 has buffers [expAvg, expAvgSq], expected [expAvg, expAvgSq, maxExpAvgSq]',
      ],
      [
        () => fresh().loadStateDict(edit((d) => { (d.state[2]!.buffers.expAvg as unknown[])[1] = null; })),
        "Adam: loadStateDict: buffer 'expAvg' of parameter 2 holds null at index 1; expected numbers",
      ],
      [
        () => fresh().loadStateDict(edit((d) => { d.state[3]!.step = -1; })),
        'Adam: loadStateDict: the state of parameter 3 must be null or { step, buffers }, got an object with keys {step, buffers}',
      ],
      [
        () => fresh().loadStateDict(edit((d) => { d.paramGroups[0]!.options.lr = -1; })),
        'Adam: loadStateDict: parameter group 0: lr must be a finite number >= 0, got -1',
      ],
      [
        () => fresh().loadStateDict(edit((d) => { d.paramGroups[0]!.options.momentum = 0.9; })),
        "Adam: loadStateDict: parameter group 0: unknown option 'momentum' (known options: lr, betas, eps, weightDecay, amsgrad)",
      ],
      [
        () => fresh().loadStateDict(edit((d) => { d.paramGroups[0]!.params[1] = 0; })),
        'Adam: loadStateDict: parameter group 0 lists parameter 0, which is not one of 0..3 or is listed twice',
      ],
      [() => fresh().loadStateDict({ state: [] } as unknown as OptimizerStateDict), 'Adam: loadStateDict: expected { state, paramGroups } as stateDict() returns, got an object with keys {state}'],
      [() => fresh().loadStateDict(trained((p) => new SGD(p, { lr: 0.1, momentum: 0.9 })).dict), "Adam: loadStateDict: parameter group 0: unknown option 'momentum' (known options: lr, betas, eps, weightDecay, amsgrad)"],
    ];
    for (const [load, message] of cases) expect(load).toThrow(new Error(message));
  });

  test('a failed load changes nothing', () => {
    const { params, dict } = trained();
    const opt = new Adam(params, { lr: 0.3 });
    trainStep(opt, params);
    const before = opt.stateDict();
    const bad = JSON.parse(JSON.stringify(dict)) as OptimizerStateDict;
    bad.state[3]!.buffers.expAvg = [];
    expect(() => opt.loadStateDict(bad)).toThrow(/buffer 'expAvg' of parameter 3 has 0 values/);
    expect(opt.stateDict()).toEqual(before);
  });
});
