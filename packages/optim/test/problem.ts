/**
 * The fixed problem of test/fixtures/optim.json (recorded from PyTorch by test/fixtures/optim.py),
 * rebuilt with @nn/autograd, and helpers to run the recorded cases.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { tensor, type DType, type Tensor } from '@nn/autograd';
import {
  Adagrad,
  Adam,
  AdamW,
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  MultiStepLR,
  RMSprop,
  SGD,
  StepLR,
  type LRScheduler,
  type Optimizer,
} from '../src/index.js';

type Flat = Record<string, number[]>;

export interface OptimizerCase {
  name: string;
  optimizer: string;
  options: Record<string, unknown>;
  /** Parameter groups: indices into the problem's parameters, and options. */
  groups?: ({ params: number[] } & Record<string, unknown>)[];
  losses: number[];
  params: Flat;
}

export interface SchedulerCase extends Omit<OptimizerCase, 'losses'> {
  scheduler: string;
  schedulerOptions: Record<string, unknown>;
  lrs: number[][];
}

export interface ChainedCase extends Omit<OptimizerCase, 'losses'> {
  chain: { scheduler: string; options: Record<string, unknown> }[];
  lrs: number[][];
}

export interface PlateauCase {
  name: string;
  options: Record<string, unknown>;
  groupLrs: number[];
  metrics: number[];
  lrs: number[][];
}

export interface ClipCase {
  name: string;
  kind: 'norm' | 'value';
  options: { maxNorm?: number; normType?: number | 'inf'; clipValue?: number };
  totalNorm?: number;
  grads: Flat;
}

export interface Fixture {
  problem: {
    steps: number;
    paramNames: string[];
    shapes: Record<string, number[]>;
    data: Flat;
    initial: Flat;
    initialLoss: number;
    initialGrads: Flat;
  };
  optimizers: OptimizerCase[];
  schedulers: SchedulerCase[];
  chained: ChainedCase[];
  plateau: PlateauCase[];
  clipping: ClipCase[];
  float32: {
    initial: number[];
    grads: number[][];
    cases: (Pick<OptimizerCase, 'name' | 'optimizer' | 'options'> & { param: number[] })[];
  };
}

export const fixture: Fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/optim.json', import.meta.url), 'utf8'));
const { problem } = fixture;
export const STEPS = problem.steps;

function build(name: string, values: number[], dtype: DType, requiresGrad = false): Tensor {
  return tensor(new Float64Array(values), { dtype, shape: problem.shapes[name]!, requiresGrad });
}

const data = {
  x: build('x', problem.data.x!, 'float64'),
  y: build('y', problem.data.y!, 'float64'),
  c: build('c', problem.data.c!, 'float64'),
};

/** Fresh parameters [w, bias, v, s] at the recorded initial values. */
export function freshParams(dtype: DType = 'float64'): Tensor[] {
  return problem.paramNames.map((name) => build(name, problem.initial[name]!, dtype, true));
}

/** The recorded loss: sum((x w^T + bias - y)^2) / 10 + sum(tanh(w * v) * c) + sum(exp(v * s)) / 2 + 2 (s - 0.5)^2. */
export function loss([w, bias, v, s]: Tensor[]): Tensor {
  const dtype = w!.dtype;
  const x = data.x.cast(dtype);
  const r = x.matmul(w!.transpose(0, 1)).add(bias!).sub(data.y.cast(dtype));
  return r
    .square()
    .sum()
    .mul(0.1)
    .add(w!.mul(v!).tanh().mul(data.c.cast(dtype)).sum())
    .add(v!.mul(s!).exp().sum().mul(0.5))
    .add(s!.sub(0.5).square().mul(2));
}

type OptimizerClass = new (params: never, options: never) => Optimizer;
const OPTIMIZERS: Record<string, OptimizerClass> = { SGD, Adam, AdamW, RMSprop, Adagrad };
type SchedulerClass = new (optimizer: Optimizer, options: never) => LRScheduler;
const SCHEDULERS: Record<string, SchedulerClass> = { StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR };

/** The optimizer of a recorded case over `params`. */
export function makeOptimizer(c: Pick<OptimizerCase, 'optimizer' | 'options' | 'groups'>, params: Tensor[]): Optimizer {
  const Class = OPTIMIZERS[c.optimizer]!;
  const input = c.groups === undefined ? params : c.groups.map((g) => ({ ...g, params: g.params.map((i) => params[i]!) }));
  return new Class(input as never, c.options as never);
}

/** The scheduler of a recorded case. */
export function makeScheduler(c: Pick<SchedulerCase, 'scheduler' | 'schedulerOptions'>, optimizer: Optimizer): LRScheduler {
  return new SCHEDULERS[c.scheduler]!(optimizer, c.schedulerOptions as never);
}

/** One training step as the fixture's: clear the gradients, backward, update. Returns the loss. */
export function trainStep(optimizer: Optimizer, params: Tensor[]): number {
  optimizer.zeroGrad();
  const value = loss(params);
  value.backward();
  optimizer.step();
  return value.item();
}

/** Whether `error` is worse than `than`: a NaN is worse than any number, and nothing is worse than a NaN. */
const isWorse = (error: number, than: number): boolean => !Number.isNaN(than) && !(error <= than);

/** Largest relative error |a - e| / |e| over all elements, and where; NaN once any element's is NaN. */
export class ErrorTracker {
  worst = 0;
  where = '';

  compare(actual: ArrayLike<number>, expected: readonly number[], where: string): number {
    let local = 0;
    expect(actual.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i]!;
      const err = e === 0 ? Math.abs(actual[i]!) : Math.abs(actual[i]! - e) / Math.abs(e);
      if (isWorse(err, local)) local = err;
      if (isWorse(err, this.worst)) {
        this.worst = err;
        this.where = `${where}[${i}]`;
      }
    }
    return local;
  }
}
