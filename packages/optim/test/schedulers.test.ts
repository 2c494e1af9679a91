/** Schedulers beyond the PyTorch numbers: closed forms, resuming, and every error path. */
import { describe, expect, test } from 'vitest';
import { tensor } from '@nn/autograd';
import {
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  MultiStepLR,
  ReduceLROnPlateau,
  SGD,
  StepLR,
  type LRScheduler,
  type ReduceLROnPlateauStateDict,
  type SchedulerStateDict,
} from '../src/index.js';
import { fixture, freshParams, makeOptimizer, makeScheduler, STEPS, trainStep } from './problem.js';

function sgd(lr = 0.1): SGD {
  return new SGD([tensor([1], { dtype: 'float64', requiresGrad: true })], { lr });
}

function run(scheduler: LRScheduler, epochs: number): number[] {
  const lrs = [scheduler.getLastLr()[0]!];
  for (let e = 0; e < epochs; e++) {
    scheduler.step();
    lrs.push(scheduler.getLastLr()[0]!);
  }
  return lrs;
}

describe('the recursive forms follow the closed forms', () => {
  test('StepLR, MultiStepLR, ExponentialLR', () => {
    expect(run(new StepLR(sgd(1), { stepSize: 3, gamma: 0.5 }), 7)).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]);
    expect(run(new MultiStepLR(sgd(1), { milestones: [4, 2, 4], gamma: 0.5 }), 5)).toEqual([1, 1, 0.5, 0.5, 0.125, 0.125]);
    expect(run(new ExponentialLR(sgd(1), { gamma: 0.5 }), 3)).toEqual([1, 0.5, 0.25, 0.125]);
  });

  test('CosineAnnealingLR, down and back up', () => {
    const [tMax, etaMin] = [6, 0.01];
    run(new CosineAnnealingLR(sgd(0.1), { tMax, etaMin }), 30).forEach((lr, e) => {
      expect(lr).toBeCloseTo(etaMin + ((0.1 - etaMin) * (1 + Math.cos((Math.PI * e) / tMax))) / 2, 14);
    });
  });

  test('LinearLR warm-up', () => {
    run(new LinearLR(sgd(0.1), { startFactor: 0.2, totalIters: 4 }), 8).forEach((lr, e) => {
      expect(lr).toBeCloseTo(0.1 * (0.2 + (0.8 * Math.min(e, 4)) / 4), 15);
    });
  });

  test('construction takes step 0, and getLastLr returns a copy', () => {
    const opt = sgd(0.3);
    const scheduler = new LinearLR(opt, { startFactor: 0.5 });
    expect(opt.paramGroups[0]!.lr).toBe(0.15);
    expect(scheduler.lastEpoch).toBe(0);
    expect(scheduler.baseLrs).toEqual([0.3]);
    scheduler.getLastLr()[0] = 99;
    expect(scheduler.getLastLr()).toEqual([0.15]);
    // A second scheduler starts from the lr before any scheduler changed it (PyTorch's initial_lr).
    expect(new ExponentialLR(opt, { gamma: 0.9 }).baseLrs).toEqual([0.3]);
  });
});

describe('a resumed schedule continues bit for bit', () => {
  test.each(fixture.schedulers.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const straight = freshParams();
    const straightOpt = makeOptimizer(c, straight);
    const straightScheduler = makeScheduler(c, straightOpt);
    for (let e = 0; e < STEPS; e++) {
      trainStep(straightOpt, straight);
      straightScheduler.step();
    }

    const params = freshParams();
    const opt = makeOptimizer(c, params);
    const scheduler = makeScheduler(c, opt);
    for (let e = 0; e < 8; e++) {
      trainStep(opt, params);
      scheduler.step();
    }
    const saved = JSON.parse(JSON.stringify({ opt: opt.stateDict(), scheduler: scheduler.stateDict() }));
    // As in PyTorch: make both again, then load both.
    const opt2 = makeOptimizer(c, params);
    const scheduler2 = makeScheduler(c, opt2);
    opt2.loadStateDict(saved.opt);
    scheduler2.loadStateDict(saved.scheduler as SchedulerStateDict);
    expect(scheduler2.stateDict()).toEqual(scheduler.stateDict());
    for (let e = 8; e < STEPS; e++) {
      trainStep(opt2, params);
      scheduler2.step();
    }
    expect(scheduler2.getLastLr()).toEqual(straightScheduler.getLastLr());
    expect(params.map((p) => Array.from(p.data()))).toEqual(straight.map((p) => Array.from(p.data())));
  });

  test('ReduceLROnPlateau', () => {
    const metrics = fixture.plateau[0]!.metrics;
    const options = { patience: 1, cooldown: 2, factor: 0.5 };
    const straight = new ReduceLROnPlateau(sgd(), options);
    metrics.forEach((m) => straight.step(m));

    const opt = sgd();
    const first = new ReduceLROnPlateau(opt, options);
    metrics.slice(0, 11).forEach((m) => first.step(m));
    const saved = { opt: opt.stateDict(), scheduler: first.stateDict() };
    const opt2 = sgd();
    const second = new ReduceLROnPlateau(opt2, options);
    opt2.loadStateDict(saved.opt);
    second.loadStateDict(saved.scheduler);
    metrics.slice(11).forEach((m) => second.step(m));
    expect(second.stateDict()).toEqual(straight.stateDict());
    expect(opt2.paramGroups[0]!.lr).toBe(straight.optimizer.paramGroups[0]!.lr);
  });
});

describe('ReduceLROnPlateau', () => {
  test('takes a one-element tensor as the metric', () => {
    const a = new ReduceLROnPlateau(sgd(), { patience: 0 });
    a.step(tensor(1));
    a.step(tensor([[2]]));
    expect(a.getLastLr()).toEqual([0.010000000000000002]);
  });

  test('before any step, getLastLr is the optimizer\'s lrs', () => {
    expect(new ReduceLROnPlateau(sgd(0.7)).getLastLr()).toEqual([0.7]);
  });
});

describe('bad options and state', () => {
  test('each mistake throws, naming the scheduler and the option', () => {
    const opt = sgd();
    const cases: [() => unknown, string][] = [
      [() => new StepLR({} as SGD, { stepSize: 1 }), 'StepLR: expected an Optimizer, got an empty object'],
      [() => new StepLR(opt, { stepSize: 0 }), 'StepLR: stepSize must be an integer >= 1, got 0'],
      [() => new StepLR(opt, { stepSize: 2.5 }), 'StepLR: stepSize must be an integer >= 1, got 2.5'],
      [() => new StepLR(opt, {} as { stepSize: number }), "StepLR: option 'stepSize' is required"],
      [() => new StepLR(opt, { stepSize: 2, gamma: -0.1 }), 'StepLR: gamma must be a finite number > 0, got -0.1'],
      [() => new StepLR(opt, { stepSize: 2, step_size: 3 } as { stepSize: number }), "StepLR: unknown option 'step_size' (did you mean 'stepSize'? known options: stepSize, gamma)"],
      [() => new MultiStepLR(opt, { milestones: [3, 0] }), 'MultiStepLR: milestones must be an array of integers >= 1, got the array [3,0]'],
      [() => new ExponentialLR(opt, {} as { gamma: number }), "ExponentialLR: option 'gamma' is required"],
      [() => new CosineAnnealingLR(opt, { tMax: 0 }), 'CosineAnnealingLR: tMax must be an integer >= 1, got 0'],
      [() => new CosineAnnealingLR(opt, { tMax: 5, etaMin: -1 }), 'CosineAnnealingLR: etaMin must be a finite number >= 0, got -1'],
      [() => new LinearLR(opt, { startFactor: 0 }), 'LinearLR: startFactor must be a number in (0, 1], got 0'],
      [() => new LinearLR(opt, { endFactor: 1.5 }), 'LinearLR: endFactor must be a number in [0, 1], got 1.5'],
      [() => new LinearLR(opt, { totalIters: -1 }), 'LinearLR: totalIters must be an integer >= 1, got -1'],
      [() => new ReduceLROnPlateau(opt, { mode: 'maximum' as 'max' }), "ReduceLROnPlateau: mode must be 'min' or 'max', got the string \"maximum\""],
      [() => new ReduceLROnPlateau(opt, { factor: 1 }), 'ReduceLROnPlateau: factor must be a number in [0, 1), got 1'],
      [() => new ReduceLROnPlateau(opt, { thresholdMode: 'relative' as 'rel' }), "ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got the string \"relative\""],
      [() => new ReduceLROnPlateau(opt, { patience: -1 }), 'ReduceLROnPlateau: patience must be an integer >= 0, got -1'],
      [() => new ReduceLROnPlateau(opt, { minLr: [0.1, 0.2] }), 'ReduceLROnPlateau: minLr has 2 values, the optimizer has 1 parameter groups'],
      [() => new ReduceLROnPlateau(opt, { minLr: -1 }), 'ReduceLROnPlateau: minLr must be a finite number >= 0 or an array of them (one per parameter group), got -1'],
      [() => new ReduceLROnPlateau(opt).step('0.5' as unknown as number), "ReduceLROnPlateau: step(metric) takes a number or a one-element tensor, got the string \"0.5\""],
      [() => new ReduceLROnPlateau(opt).step(tensor([1, 2])), 'ReduceLROnPlateau: step(metric) takes a number or a one-element tensor, got a float32 tensor of shape [2]'],
    ];
    for (const [make, message] of cases) expect(make).toThrow(new Error(message));
  });

  test('a group added after the scheduler was made is an error at the next step', () => {
    const opt = sgd();
    const scheduler = new StepLR(opt, { stepSize: 2 });
    const plateau = new ReduceLROnPlateau(opt);
    opt.addParamGroup({ params: [tensor([1], { requiresGrad: true })] });
    expect(() => scheduler.step()).toThrow(new Error('StepLR: the optimizer has 2 parameter groups, but the scheduler was made for 1'));
    expect(() => plateau.step(1)).toThrow(new Error('ReduceLROnPlateau: the optimizer has 2 parameter groups, but the scheduler was made for 1'));
  });

  test('loadStateDict rejects a dict that does not fit', () => {
    const two = new SGD(
      [{ params: [tensor([1], { requiresGrad: true })] }, { params: [tensor([2], { requiresGrad: true })], lr: 0.5 }],
      { lr: 0.1 },
    );
    const dict = new StepLR(sgd(), { stepSize: 2 }).stateDict();
    expect(() => new StepLR(two, { stepSize: 2 }).loadStateDict(dict)).toThrow(
      new Error('StepLR: loadStateDict: baseLrs has 1 values, the optimizer has 2 parameter groups'),
    );
    expect(() => new StepLR(sgd(), { stepSize: 2 }).loadStateDict({ ...dict, options: { stepSize: 0, gamma: 0.1 } })).toThrow(
      new Error('StepLR: loadStateDict: stepSize must be an integer >= 1, got 0'),
    );
    expect(() => new StepLR(sgd(), { stepSize: 2 }).loadStateDict({ ...dict, lastEpoch: -3 })).toThrow(
      new Error('StepLR: loadStateDict: lastEpoch must be an integer >= 0, got -3'),
    );
    const plateau = new ReduceLROnPlateau(sgd()).stateDict();
    expect(() => new ReduceLROnPlateau(two).loadStateDict(plateau)).toThrow(
      new Error('ReduceLROnPlateau: loadStateDict: lastLr has 1 values, the optimizer has 2 parameter groups'),
    );
    const bad = { ...plateau, best: null } as unknown as ReduceLROnPlateauStateDict;
    expect(() => new ReduceLROnPlateau(sgd()).loadStateDict(bad)).toThrow(new Error('ReduceLROnPlateau: loadStateDict: best must be a number, got null'));
  });
});

