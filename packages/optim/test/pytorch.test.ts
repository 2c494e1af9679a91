/**
 * @nn/optim against PyTorch 1.13: every optimizer and option combination, parameter groups, every
 * scheduler (alone and two at once), ReduceLROnPlateau and gradient clipping, in float64, to 1e-10
 * relative; and the optimizers' float32 arithmetic to one unit in the last place. The recorded
 * numbers come from test/fixtures/optim.py.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { tensor } from '@nn/autograd';
import { clipGradNorm, clipGradValue, ReduceLROnPlateau, SGD } from '../src/index.js';
import { ErrorTracker, fixture, freshParams, loss, makeOptimizer, makeScheduler, STEPS, trainStep } from './problem.js';

const RTOL = 1e-10;
const { problem } = fixture;
const tracker = new ErrorTracker();
let float32Exact = 0;
let float32Total = 0;

afterAll(() => {
  // The numbers worth reporting: how close the whole suite came to PyTorch.
  console.log(`@nn/optim vs PyTorch: worst relative error ${tracker.worst.toExponential(2)} at ${tracker.where}`);
  console.log(`@nn/optim vs PyTorch in float32 with given gradients: ${float32Exact} of ${float32Total} values bit for bit`);
});

describe('the problem rebuilt with @nn/autograd', () => {
  test('gives PyTorch loss and gradients', () => {
    const params = freshParams();
    const value = loss(params);
    value.backward();
    expect(tracker.compare([value.item()], [problem.initialLoss], 'initial loss')).toBeLessThan(1e-13);
    params.forEach((p, i) => {
      const name = problem.paramNames[i]!;
      expect(tracker.compare(p.grad!.data(), problem.initialGrads[name]!, `initial grad ${name}`)).toBeLessThan(1e-13);
    });
  });
});

describe('optimizers', () => {
  test.each(fixture.optimizers.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const params = freshParams();
    const optimizer = makeOptimizer(c, params);
    const losses = Array.from({ length: STEPS }, () => trainStep(optimizer, params));
    expect(tracker.compare(losses, c.losses, `${name} losses`)).toBeLessThan(RTOL);
    params.forEach((p, i) => {
      const param = problem.paramNames[i]!;
      expect(tracker.compare(p.data(), c.params[param]!, `${name} ${param}`)).toBeLessThan(RTOL);
    });
  });
});

describe('schedulers', () => {
  test.each(fixture.schedulers.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const params = freshParams();
    const optimizer = makeOptimizer(c, params);
    const scheduler = makeScheduler(c, optimizer);
    const lrs = [scheduler.getLastLr()];
    for (let epoch = 0; epoch < STEPS; epoch++) {
      trainStep(optimizer, params);
      scheduler.step();
      lrs.push(scheduler.getLastLr());
    }
    lrs.forEach((lr, epoch) => expect(tracker.compare(lr, c.lrs[epoch]!, `${name} lr at epoch ${epoch}`)).toBeLessThan(RTOL));
    expect(optimizer.paramGroups.map((g) => g.lr)).toEqual(lrs[STEPS]);
    params.forEach((p, i) => {
      const param = problem.paramNames[i]!;
      expect(tracker.compare(p.data(), c.params[param]!, `${name} ${param}`)).toBeLessThan(RTOL);
    });
  });
});

describe('two schedulers on one optimizer', () => {
  test.each(fixture.chained.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const params = freshParams();
    const optimizer = makeOptimizer(c, params);
    const schedulers = c.chain.map((s) => makeScheduler({ scheduler: s.scheduler, schedulerOptions: s.options }, optimizer));
    const lrs = () => optimizer.paramGroups.map((g) => g.lr);
    expect(tracker.compare(lrs(), c.lrs[0]!, `${name} lr at epoch 0`)).toBeLessThan(RTOL);
    for (let epoch = 1; epoch <= STEPS; epoch++) {
      trainStep(optimizer, params);
      for (const s of schedulers) s.step();
      expect(tracker.compare(lrs(), c.lrs[epoch]!, `${name} lr at epoch ${epoch}`)).toBeLessThan(RTOL);
    }
    params.forEach((p, i) => {
      const param = problem.paramNames[i]!;
      expect(tracker.compare(p.data(), c.params[param]!, `${name} ${param}`)).toBeLessThan(RTOL);
    });
  });
});

describe('ReduceLROnPlateau', () => {
  test.each(fixture.plateau.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const params = freshParams();
    const optimizer = new SGD([{ params: params.slice(0, 2) }, { params: params.slice(2), lr: c.groupLrs[1]! }], { lr: c.groupLrs[0]! });
    const scheduler = new ReduceLROnPlateau(optimizer, c.options);
    const lrs = c.metrics.map((metric) => {
      scheduler.step(metric);
      return scheduler.getLastLr();
    });
    // Products of the same doubles in the same order: exactly PyTorch's numbers.
    expect(lrs).toEqual(c.lrs);
  });
});

describe('gradient clipping', () => {
  test.each(fixture.clipping.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const params = freshParams();
    // Start from PyTorch's gradients, so that only the clipping is compared.
    params.forEach((p, i) => {
      p.grad = tensor(new Float64Array(problem.initialGrads[problem.paramNames[i]!]!), { shape: p.shape });
    });
    if (c.kind === 'norm') {
      const normType = c.options.normType === 'inf' ? Infinity : (c.options.normType ?? 2);
      const total = clipGradNorm(params, c.options.maxNorm!, normType);
      expect(tracker.compare([total], [c.totalNorm!], `${name} total norm`)).toBeLessThan(RTOL);
    } else {
      clipGradValue(params, c.options.clipValue!);
    }
    params.forEach((p, i) => {
      const param = problem.paramNames[i]!;
      expect(tracker.compare(p.grad!.data(), c.grads[param]!, `${name} grad ${param}`)).toBeLessThan(RTOL);
    });
  });
});

describe('float32 arithmetic, with the gradients given', () => {
  // The same gradients in both, so that only the optimizers' float32 rounding is compared: PyTorch's
  // float32 kernels round every op (and fuse x + a*y), which the update rules mirror.
  const { initial, grads, cases } = fixture.float32;
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const p = tensor(new Float32Array(initial), { requiresGrad: true });
    const optimizer = makeOptimizer(c, [p]);
    for (const g of grads) {
      p.grad = tensor(new Float32Array(g));
      optimizer.step();
    }
    const actual = p.data();
    c.param.forEach((e, k) => {
      const ulp = 2 ** (Math.floor(Math.log2(Math.abs(e))) - 23);
      expect(Math.abs(actual[k]! - e)).toBeLessThanOrEqual(ulp);
      if (actual[k] === e) float32Exact++;
      float32Total++;
    });
  });
});
