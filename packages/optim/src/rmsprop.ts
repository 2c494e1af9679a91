/** RMSprop, plain or centered, with optional momentum and weight decay. */
import type { Storage } from '@nn/autograd';
import { rmspropStep_ } from './kernels/index.js';
import { boolean, nonNegative, type OptionSpec } from './options.js';
import { Optimizer, type ParamGroup } from './optimizer.js';
import type { ParamsInput } from './param-groups.js';
import type { ParamState } from './state.js';

/** The options of {@link RMSprop}. */
export interface RMSpropOptions {
  /** The learning rate. Default 1e-2. */
  lr?: number;
  /** Smoothing constant of the running average of squared gradients. Default 0.99. */
  alpha?: number;
  /** Added to the denominator for numerical stability. Default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay?: number;
  /** Momentum factor. Default 0. */
  momentum?: number;
  /** Normalize by an estimate of the gradient's variance instead of its second moment. Default false. */
  centered?: boolean;
}

type RMSpropConfig = Required<RMSpropOptions>;

const SPEC: OptionSpec<RMSpropConfig> = {
  lr: { rule: nonNegative, default: 1e-2 },
  alpha: { rule: nonNegative, default: 0.99 },
  eps: { rule: nonNegative, default: 1e-8 },
  weightDecay: { rule: nonNegative, default: 0 },
  momentum: { rule: nonNegative, default: 0 },
  centered: { rule: boolean, default: false },
};

/**
 * RMSprop, as PyTorch's `torch.optim.RMSprop`. With gradient g:
 *
 * ```text
 * g ← g + weightDecay·θ                         (if weightDecay ≠ 0)
 * v ← α·v + (1 − α)·g²
 * ḡ ← α·ḡ + (1 − α)·g                           (centered)
 * d ← √(v − ḡ²) + eps  if centered,  else √v + eps
 * b ← momentum·b + g/d;  θ ← θ − lr·b           (if momentum > 0)
 * θ ← θ − lr·g/d                                (otherwise)
 * ```
 *
 * @example
 * const opt = new RMSprop(model.parameters(), { lr: 1e-3, centered: true });
 */
export class RMSprop extends Optimizer<RMSpropConfig> {
  constructor(params: ParamsInput<RMSpropOptions>, options: RMSpropOptions = {}) {
    super('RMSprop', params, options, SPEC);
  }

  protected expectedBuffers(c: RMSpropConfig): readonly string[] {
    return ['squareAvg', ...(c.momentum > 0 ? ['momentumBuffer'] : []), ...(c.centered ? ['gradAvg'] : [])];
  }

  protected update(param: Storage, grad: Storage, state: ParamState, group: ParamGroup<RMSpropConfig>): void {
    state.step++;
    const { centered, momentum } = group;
    rmspropStep_(param, grad, state.buffer('squareAvg'), centered ? state.buffer('gradAvg') : null, momentum > 0 ? state.buffer('momentumBuffer') : null, group);
  }
}
