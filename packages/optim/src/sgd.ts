/** Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay. */
import type { Storage } from '@nn/autograd';
import { add_, clone, mul_ } from './kernels/index.js';
import { boolean, nonNegative, type OptionSpec } from './options.js';
import { Optimizer, type ParamGroup } from './optimizer.js';
import type { ParamsInput } from './param-groups.js';
import type { ParamState } from './state.js';

/** The options of {@link SGD}. */
export interface SGDOptions {
  /** The learning rate (required, as in PyTorch). */
  lr: number;
  /** Momentum factor. Default 0. */
  momentum?: number;
  /** Dampening of the momentum: the new gradient enters the buffer scaled by `1 - dampening`. Default 0. */
  dampening?: number;
  /** Nesterov momentum (needs `momentum > 0` and `dampening = 0`). Default false. */
  nesterov?: boolean;
  /** L2 penalty: `weightDecay * param` is added to the gradient. Default 0. */
  weightDecay?: number;
}

const SPEC: OptionSpec<Required<SGDOptions>> = {
  lr: { rule: nonNegative },
  momentum: { rule: nonNegative, default: 0 },
  dampening: { rule: nonNegative, default: 0 },
  nesterov: { rule: boolean, default: false },
  weightDecay: { rule: nonNegative, default: 0 },
};

/**
 * Stochastic gradient descent, as PyTorch's `torch.optim.SGD`. With gradient g, parameter θ, and
 * momentum buffer b (which starts as the first g, not as zeros):
 *
 * ```text
 * g ← g + weightDecay·θ                      (if weightDecay ≠ 0)
 * b ← momentum·b + (1 − dampening)·g          (if momentum ≠ 0)
 * g ← nesterov ? g + momentum·b : b
 * θ ← θ − lr·g
 * ```
 *
 * @example
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<Required<SGDOptions>> {
  constructor(params: ParamsInput<SGDOptions>, options: SGDOptions) {
    super('SGD', params, options, SPEC);
  }

  protected override checkOptions(c: Required<SGDOptions>): string | undefined {
    if (c.nesterov && (c.momentum <= 0 || c.dampening !== 0)) {
      return `nesterov requires momentum > 0 and dampening = 0, got momentum ${c.momentum} and dampening ${c.dampening}`;
    }
    return undefined;
  }

  protected expectedBuffers(c: Required<SGDOptions>): readonly string[] {
    return c.momentum !== 0 ? ['momentumBuffer'] : [];
  }

  protected update(param: Storage, grad: Storage, state: ParamState, group: ParamGroup<Required<SGDOptions>>): void {
    const { lr, momentum, dampening, nesterov, weightDecay } = group;
    state.step++;
    let d = grad;
    if (weightDecay !== 0) add_(d, param, weightDecay);
    if (momentum !== 0) {
      let buf = state.buffers.get('momentumBuffer');
      if (buf === undefined) {
        buf = clone(d);
        state.buffers.set('momentumBuffer', buf);
      } else {
        mul_(buf, momentum);
        add_(buf, d, 1 - dampening);
      }
      if (nesterov) add_(d, buf, momentum);
      else d = buf;
    }
    add_(param, d, -lr);
  }
}
