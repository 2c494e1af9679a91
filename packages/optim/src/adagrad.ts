/** Adagrad, with learning-rate decay, weight decay and an initial accumulator value. */
import type { Storage } from '@nn/autograd';
import { adagradStep_ } from './kernels/index.js';
import { nonNegative, type OptionSpec } from './options.js';
import { Optimizer, type ParamGroup } from './optimizer.js';
import type { ParamsInput } from './param-groups.js';
import type { ParamState } from './state.js';

/** The options of {@link Adagrad}. */
export interface AdagradOptions {
  /** The learning rate. Default 1e-2. */
  lr?: number;
  /** The learning rate at step t is `lr / (1 + (t − 1)·lrDecay)`. Default 0. */
  lrDecay?: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay?: number;
  /** The starting value of the sum of squared gradients. Default 0. */
  initialAccumulatorValue?: number;
  /** Added to the denominator for numerical stability. Default 1e-10. */
  eps?: number;
}

type AdagradConfig = Required<AdagradOptions>;

const SPEC: OptionSpec<AdagradConfig> = {
  lr: { rule: nonNegative, default: 1e-2 },
  lrDecay: { rule: nonNegative, default: 0 },
  weightDecay: { rule: nonNegative, default: 0 },
  initialAccumulatorValue: { rule: nonNegative, default: 0 },
  eps: { rule: nonNegative, default: 1e-10 },
};

/**
 * Adagrad, as PyTorch's `torch.optim.Adagrad`. With gradient g at step t:
 *
 * ```text
 * g ← g + weightDecay·θ                 (if weightDecay ≠ 0)
 * s ← s + g²                            (s starts at initialAccumulatorValue)
 * θ ← θ − lr/(1 + (t − 1)·lrDecay) · g/(√s + eps)
 * ```
 *
 * @example
 * const opt = new Adagrad(model.parameters(), { lr: 0.1 });
 */
export class Adagrad extends Optimizer<AdagradConfig> {
  constructor(params: ParamsInput<AdagradOptions>, options: AdagradOptions = {}) {
    super('Adagrad', params, options, SPEC);
  }

  protected expectedBuffers(): readonly string[] {
    return ['sum'];
  }

  protected update(param: Storage, grad: Storage, state: ParamState, group: ParamGroup<AdagradConfig>): void {
    const { lr, lrDecay, weightDecay, initialAccumulatorValue, eps } = group;
    const step = ++state.step;
    adagradStep_(param, grad, state.buffer('sum', initialAccumulatorValue), { clr: lr / (1 + (step - 1) * lrDecay), weightDecay, eps });
  }
}
