/**
 * What an optimizer remembers about one parameter between steps, and the plain-data form of an
 * optimizer's whole state (`stateDict()`), which survives `JSON.stringify` / `JSON.parse` exactly
 * (finite values print in their shortest round-trip form).
 */
import type { DType, Storage } from '@nn/autograd';
import type { OptionValue } from './options.js';

/** The state of one parameter: its step count and named buffers of its size and dtype. */
export class ParamState {
  /** How many updates this parameter has had (steps where it had no gradient do not count). */
  step = 0;
  /** The buffers (moment estimates, momentum, ...) by name, in the parameter's dtype. */
  readonly buffers = new Map<string, Storage>();

  constructor(
    /** The number of elements of the parameter. */
    readonly size: number,
    readonly dtype: DType,
  ) {}

  /**
   * Working copies of the gradient and, for a parameter that cannot be updated in its own storage
   * (a view that is not contiguous), of the values: reused by every step so that a step allocates
   * nothing, each made on first use. Not part of the state: `stateDict` leaves them out.
   */
  private readonly scratches: { values?: Storage; gradient?: Storage } = {};

  /** The working copy `which` (see `scratches`), made on first use. */
  scratch(which: 'values' | 'gradient'): Storage {
    return (this.scratches[which] ??= this.zeros());
  }

  /** The buffer `name`, created filled with `fill` (rounded to the dtype) on first use. */
  buffer(name: string, fill = 0): Storage {
    let values = this.buffers.get(name);
    if (values === undefined) {
      values = this.zeros();
      if (fill !== 0) values.fill(fill);
      this.buffers.set(name, values);
    }
    return values;
  }

  /** A zero-filled array of the parameter's size and dtype. */
  private zeros(): Storage {
    return this.dtype === 'float32' ? new Float32Array(this.size) : new Float64Array(this.size);
  }
}

/** A parameter's state as plain data. */
export interface ParamStateDict {
  step: number;
  /** Each buffer's values in row-major order. */
  buffers: Record<string, number[]>;
}

/** A parameter group as plain data: its options, and its parameters as indices into `state`. */
export interface ParamGroupStateDict {
  params: number[];
  options: Record<string, OptionValue>;
}

/**
 * An optimizer's state as plain data, as PyTorch's `state_dict()`: parameters are numbered in group
 * order, and `state[i]` is the state of parameter `i` (null before its first update).
 */
export interface OptimizerStateDict {
  state: (ParamStateDict | null)[];
  paramGroups: ParamGroupStateDict[];
}
