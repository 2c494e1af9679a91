/**
 * The Optimizer base: parameter groups with their own options, the one per-parameter loop that every
 * optimizer's `step()` runs, and the state dict. A concrete optimizer only says how one parameter
 * is updated (`update`) and which buffers that leaves behind (`expectedBuffers`).
 */
import { describeValue, noGrad, Tensor, type Storage } from '@nn/autograd';
import { isRecord, nonNegativeInteger, pickOptions, resolveOptions, type OptionSpec } from './options.js';
import { checkGroup, splitParams, type ParamGroupInput, type ParamsInput } from './param-groups.js';
import { ParamState, type OptimizerStateDict, type ParamStateDict } from './state.js';

/** The options every optimizer has. */
export interface BaseOptions {
  lr: number;
}

/**
 * A parameter group: its parameters and its options, all filled in. The options may be changed
 * between steps (that is how schedulers set `lr`); the parameters may not.
 */
export type ParamGroup<C extends BaseOptions = BaseOptions> = C & { readonly params: readonly Tensor[] };

/** Writes the shape of `t` as in error messages: `[2,3]`. */
function shapeOf(t: Tensor): string {
  return `[${t.shape.join(',')}]`;
}

/**
 * Copies `t`'s elements in row-major order into `into`, converting to `into`'s dtype (rounding to
 * nearest, as a cast does): one native copy when `t` is contiguous.
 */
function readInto(into: Storage, t: Tensor): Storage {
  into.set(t.isContiguous ? t.storage.subarray(t.offset, t.offset + t.size) : t.data());
  return into;
}

/**
 * The base of every optimizer, as PyTorch's `torch.optim.Optimizer`.
 *
 * `C` is the optimizer's full set of options (for example `Required<SGDOptions>`). Parameters are
 * given as a list of tensors or as parameter groups, each `{ params, ...options }` overriding the
 * optimizer's options for its parameters. Updates change the parameters in place (`assign`), under
 * `noGrad`, so they never record a graph; a parameter whose `.grad` is null is skipped.
 */
export abstract class Optimizer<C extends BaseOptions = BaseOptions> {
  /** The options given to the constructor, checked, with defaults filled in; groups inherit them. */
  readonly defaults: Partial<C>;
  /** The parameter groups, in order. */
  readonly paramGroups: ParamGroup<C>[] = [];
  /** Each parameter's state, created at its first update. */
  protected readonly state = new Map<Tensor, ParamState>();
  /** Which group each parameter is in. */
  private readonly groupOf = new Map<Tensor, number>();

  protected constructor(
    /** The optimizer's name, which every error message starts with. */
    readonly name: string,
    params: ParamsInput<Partial<C>>,
    options: Partial<C> | undefined,
    /** The optimizer's options, their rules and defaults. */
    protected readonly spec: OptionSpec<C>,
  ) {
    this.defaults = resolveOptions<Partial<C>>(name, spec as OptionSpec<Partial<C>>, options, { partial: true });
    const { groups, plain } = splitParams(name, params);
    for (const group of groups) this.addGroup(group, plain);
  }

  /**
   * Updates one parameter in place. `param` holds the parameter's values (its own storage, or a copy)
   * and `grad` a copy of its gradient, both in the parameter's dtype, and the update may overwrite
   * both; `state` is the parameter's state, `group` the options of its group. The base class records
   * the change (or writes a copy back) with `assign` afterwards.
   */
  protected abstract update(param: Storage, grad: Storage, state: ParamState, group: ParamGroup<C>): void;

  /** The buffers a parameter's state holds after an update under `config` (checked by `loadStateDict`). */
  protected abstract expectedBuffers(config: C): readonly string[];

  /** Checks that involve several options at once; returns what is wrong, or undefined. */
  protected checkOptions(_config: C): string | undefined {
    return undefined;
  }

  /** Adds a parameter group (`{ params, ...options }`); options it does not give come from `defaults`. */
  addParamGroup(group: ParamGroupInput<Partial<C>>): void {
    this.addGroup(group, false);
  }

  private addGroup(group: unknown, plain: boolean): void {
    const index = this.paramGroups.length;
    const raw = checkGroup(this.name, group, index, plain, this.groupOf);
    const where = plain ? '' : `parameter group ${index}: `;
    const given = Object.fromEntries(Object.entries(raw.options).filter(([, value]) => value !== undefined));
    const config = resolveOptions<C>(this.name, this.spec, { ...this.defaults, ...given }, { where });
    this.check(config, where);
    for (const p of raw.params) this.groupOf.set(p, index);
    this.paramGroups.push({ ...config, params: raw.params });
  }

  private check(config: C, where: string): void {
    const problem = this.checkOptions(config);
    if (problem !== undefined) throw new Error(`${this.name}: ${where}${problem}`);
  }

  /** Performs one update of every parameter that has a gradient. */
  step(): void {
    noGrad(() => {
      let index = 0;
      for (const group of this.paramGroups) {
        for (const param of group.params) {
          if (param.grad !== null) {
            this.checkGradient(param, param.grad, index);
            let state = this.state.get(param);
            if (state === undefined) {
              state = new ParamState(param.size, param.dtype);
              this.state.set(param, state);
            }
            // The rules work on plain arrays in the parameter's dtype: the values and a copy of the
            // gradient (update rules may change both). A contiguous leaf is updated in its own
            // storage, and assign, given those same elements, only records the change; any other
            // parameter is updated in a copy that assign writes back.
            const own = param.isLeaf && param.isContiguous ? param.storage.subarray(param.offset, param.offset + param.size) : readInto(state.scratch('values'), param);
            this.update(own, readInto(state.scratch('gradient'), param.grad), state, group);
            param.assign(own);
          }
          index++;
        }
      }
    });
  }

  private checkGradient(param: Tensor, grad: Tensor, index: number): void {
    if (!(grad instanceof Tensor) || grad.shape.length !== param.shape.length || grad.shape.some((d, i) => d !== param.shape[i])) {
      const got = grad instanceof Tensor ? `shape ${shapeOf(grad)}` : describeValue(grad);
      throw new Error(`${this.name}: the gradient of parameter ${index} has ${got}, the parameter has shape ${shapeOf(param)}`);
    }
  }

  /** Clears the gradient of every parameter (sets `.grad` to null, as PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const p of group.params) p.zeroGrad();
  }

  /** The state of `param` (its step count and buffers), or undefined before its first update. */
  stateOf(param: Tensor): ParamState | undefined {
    return this.state.get(param);
  }

  /**
   * The optimizer's state as plain data (a copy): each group's options and each parameter's state,
   * parameters numbered in group order. `JSON.stringify` keeps it exactly.
   */
  stateDict(): OptimizerStateDict {
    let next = 0;
    return {
      state: this.paramGroups.flatMap((group) =>
        group.params.map((p): ParamStateDict | null => {
          const s = this.state.get(p);
          if (s === undefined) return null;
          return { step: s.step, buffers: Object.fromEntries(Array.from(s.buffers, ([name, values]) => [name, Array.from(values)])) };
        }),
      ),
      paramGroups: this.paramGroups.map((group) => ({
        params: group.params.map(() => next++),
        options: pickOptions(this.spec, group),
      })),
    };
  }

  /**
   * Restores a state saved by `stateDict()` of an optimizer of the same kind over parameters of the
   * same shapes, in the same groups: the groups' options and every parameter's state. Training then
   * continues exactly as it would have without the interruption. Everything is checked before
   * anything changes; a mismatch throws, naming what differs.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const fail = (message: string): never => {
      throw new Error(`${this.name}: loadStateDict: ${message}`);
    };
    const given: unknown = dict;
    if (!isRecord(given) || !Array.isArray(given.state) || !Array.isArray(given.paramGroups)) {
      return fail(`expected { state, paramGroups } as stateDict() returns, got ${describeValue(given)}`);
    }
    const savedState: unknown[] = given.state;
    const savedGroups: unknown[] = given.paramGroups;
    if (savedGroups.length !== this.paramGroups.length) {
      fail(`the state dict has ${savedGroups.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    }
    const total = this.paramGroups.reduce((n, g) => n + g.params.length, 0);
    if (savedState.length !== total) fail(`the state dict has the state of ${savedState.length} parameters, this optimizer has ${total}`);

    const configs: C[] = [];
    const restored = new Map<Tensor, ParamState>();
    const used = new Set<number>();
    let index = 0;
    savedGroups.forEach((saved, g) => {
      const group = this.paramGroups[g]!;
      if (!isRecord(saved) || !Array.isArray(saved.params)) {
        return fail(`parameter group ${g} must be { params, options }, got ${describeValue(saved)}`);
      }
      const ids: unknown[] = saved.params;
      if (ids.length !== group.params.length) {
        fail(`parameter group ${g} has ${ids.length} parameters in the state dict, ${group.params.length} in this optimizer`);
      }
      const where = `loadStateDict: parameter group ${g}: `;
      const config = resolveOptions<C>(this.name, this.spec, saved.options, { where });
      this.check(config, where);
      configs.push(config);
      ids.forEach((id, i) => {
        if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0 || id >= total || used.has(id)) {
          fail(`parameter group ${g} lists parameter ${describeValue(id)}, which is not one of 0..${total - 1} or is listed twice`);
        }
        used.add(id as number);
        const entry = savedState[id as number];
        const param = group.params[i]!;
        if (entry !== null) restored.set(param, this.restoreState(entry, index, param, config, fail));
        index++;
      });
    });
    // Commit only now that everything was checked.
    this.paramGroups.forEach((group, g) => Object.assign(group, configs[g]));
    this.state.clear();
    for (const [param, state] of restored) this.state.set(param, state);
  }

  private restoreState(entry: unknown, index: number, param: Tensor, config: C, fail: (message: string) => never): ParamState {
    if (!isRecord(entry) || !nonNegativeInteger.accepts(entry.step) || !isRecord(entry.buffers)) {
      return fail(`the state of parameter ${index} must be null or { step, buffers }, got ${describeValue(entry)}`);
    }
    const buffers = entry.buffers;
    const names = Object.keys(buffers);
    const expected = this.expectedBuffers(config);
    if (names.length !== expected.length || !expected.every((name) => names.includes(name))) {
      fail(`the state of parameter ${index} has buffers [${names.join(', ')}], expected [${expected.join(', ')}]`);
    }
    const state = new ParamState(param.size, param.dtype);
    state.step = entry.step;
    for (const name of expected) {
      const values = buffers[name];
      const what = `buffer '${name}' of parameter ${index}`;
      if (!Array.isArray(values)) return fail(`${what} must be an array of numbers, got ${describeValue(values)}`);
      if (values.length !== param.size) {
        fail(`${what} has ${values.length} values, the parameter has shape ${shapeOf(param)} (${param.size} values)`);
      }
      const bad = values.findIndex((v) => typeof v !== 'number');
      if (bad >= 0) fail(`${what} holds ${describeValue(values[bad])} at index ${bad}; expected numbers`);
      state.buffer(name).set(values as number[]);
    }
    return state;
  }
}
