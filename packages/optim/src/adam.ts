/** Adam and AdamW: one update rule, differing only in how weight decay enters. */
import type { Storage } from '@nn/autograd';
import { adamStep_ } from './kernels/index.js';
import { betas, boolean, nonNegative, type OptionSpec } from './options.js';
import { Optimizer, type ParamGroup } from './optimizer.js';
import type { ParamsInput } from './param-groups.js';
import type { ParamState } from './state.js';

/** The options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions {
  /** The learning rate. Default 1e-3. */
  lr?: number;
  /** Decay rates of the first and second moment estimates, each in [0, 1). Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability. Default 1e-8. */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay rate (default 1e-2). */
  weightDecay?: number;
  /** Use the maximum of all second moment estimates so far (the AMSGrad variant). Default false. */
  amsgrad?: boolean;
}

type AdamConfig = Required<AdamOptions>;

function spec(weightDecay: number): OptionSpec<AdamConfig> {
  return {
    lr: { rule: nonNegative, default: 1e-3 },
    betas: { rule: betas, default: [0.9, 0.999] },
    eps: { rule: nonNegative, default: 1e-8 },
    weightDecay: { rule: nonNegative, default: weightDecay },
    amsgrad: { rule: boolean, default: false },
  };
}

function expectedBuffers(c: AdamConfig): readonly string[] {
  return c.amsgrad ? ['expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['expAvg', 'expAvgSq'];
}

/**
 * One Adam update in PyTorch's operation order (`_single_tensor_adam` / `_single_tensor_adamw`).
 * `decoupled` selects AdamW's weight decay (shrinking the parameter) over Adam's (adding to the gradient).
 */
function adamUpdate(param: Storage, grad: Storage, state: ParamState, group: ParamGroup<AdamConfig>, decoupled: boolean): void {
  const { lr, eps, weightDecay, amsgrad } = group;
  const [beta1, beta2] = group.betas;
  const step = ++state.step;
  // Scalars are computed in float64 (Python floats in PyTorch), whatever the parameter's dtype.
  adamStep_(param, grad, state.buffer('expAvg'), state.buffer('expAvgSq'), amsgrad ? state.buffer('maxExpAvgSq') : null, {
    shrink: decoupled ? 1 - lr * weightDecay : 1,
    decay: decoupled ? 0 : weightDecay,
    beta1,
    beta2,
    biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** step),
    eps,
    stepSize: lr / (1 - beta1 ** step),
  });
}

/**
 * Adam, as PyTorch's `torch.optim.Adam`. With gradient g at step t:
 *
 * ```text
 * g ← g + weightDecay·θ                          (if weightDecay ≠ 0)
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * v̂max ← max(v̂max, v)                            (amsgrad; then v̂max replaces v below)
 * θ ← θ − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
 * ```
 *
 * @example
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends Optimizer<AdamConfig> {
  constructor(params: ParamsInput<AdamOptions>, options: AdamOptions = {}) {
    super('Adam', params, options, spec(0));
  }

  protected expectedBuffers(c: AdamConfig): readonly string[] {
    return expectedBuffers(c);
  }

  protected update(param: Storage, grad: Storage, state: ParamState, group: ParamGroup<AdamConfig>): void {
    adamUpdate(param, grad, state, group, false);
  }
}

/**
 * AdamW, as PyTorch's `torch.optim.AdamW`: Adam with decoupled weight decay. Instead of adding
 * `weightDecay·θ` to the gradient, each step first shrinks the parameter, `θ ← θ·(1 − lr·weightDecay)`,
 * then takes the Adam step. `weightDecay` defaults to 1e-2.
 *
 * @example
 * const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 */
export class AdamW extends Optimizer<AdamConfig> {
  constructor(params: ParamsInput<AdamOptions>, options: AdamOptions = {}) {
    super('AdamW', params, options, spec(1e-2));
  }

  protected expectedBuffers(c: AdamConfig): readonly string[] {
    return expectedBuffers(c);
  }

  protected update(param: Storage, grad: Storage, state: ParamState, group: ParamGroup<AdamConfig>): void {
    adamUpdate(param, grad, state, group, true);
  }
}
