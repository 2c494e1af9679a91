/**
 * Module: the base class of every layer and model. It finds its parameters and sub-modules by looking
 * at its own fields (as PyTorch's nn.Module does through __setattr__), so a model is written as a
 * plain class whose fields are layers and tensors:
 *
 * ```ts
 * class Mlp extends Module {
 *   hidden = new Dense(4, 8);
 *   out = new Dense(8, 3);
 *   forward(x: Tensor): Tensor { return this.out.call(this.hidden.call(x).relu()); }
 * }
 * new Mlp().namedParameters().map(([name]) => name);  // hidden.weight, hidden.bias, out.weight, out.bias
 * ```
 */
import { checkOptions, describeValue, noGrad, tensor, Tensor } from '@nn/autograd';
import { expectBoolean, expectTensor, formatShape } from './util.js';
import { formatSummary } from './summary.js';

/**
 * Tensors declared as parameters with `parameter()`. A field holding a leaf tensor that requires grad
 * is a parameter; remembering the declared ones keeps a frozen parameter (`requiresGrad = false`, as
 * when fine-tuning) a parameter, so it stays in the state dict, as in PyTorch.
 */
const declaredParameters = new WeakSet<Tensor>();

/** A registered buffer: the field that holds it and its key in the state dict (PyTorch's spelling). */
interface BufferSlot {
  field: string;
  key: string;
}

/** Buffers per module, in registration order (a WeakMap, so that no field of Module holds them). */
const bufferSlots = new WeakMap<Module, BufferSlot[]>();

/**
 * Marks `t` as a parameter: sets `requiresGrad` and remembers it, so that it is still found as a
 * parameter of the module holding it after being frozen with `t.requiresGrad = false`.
 * Returns `t`. Built-in layers create their weights through it.
 */
export function parameter(t: Tensor): Tensor {
  expectTensor(t, 'parameter: the value');
  if (!t.isLeaf) {
    throw new Error(`parameter: a parameter must be a leaf tensor, got the result of an op (shape ${formatShape(t.shape)}); pass t.detach()`);
  }
  t.requiresGrad = true;
  declaredParameters.add(t);
  return t;
}

function isParameter(value: unknown): value is Tensor {
  return value instanceof Tensor && value.isLeaf && (value.requiresGrad || declaredParameters.has(value));
}

/** Where a parameter lives: the object (a module or an array field) and key that hold it. */
interface ParameterSlot {
  name: string;
  holder: Record<string, unknown> | unknown[];
  key: string | number;
  tensor: Tensor;
}

/** The parameters held directly by `module`'s fields (and by arrays in its fields), in field order. */
function ownParameterSlots(module: Module): ParameterSlot[] {
  const buffers = (bufferSlots.get(module) ?? []).map((slot) => slot.field);
  const slots: ParameterSlot[] = [];
  const fields = module as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) {
    if (buffers.includes(key)) continue;
    if (isParameter(value)) slots.push({ name: key, holder: fields, key, tensor: value });
    else if (Array.isArray(value)) {
      value.forEach((item: unknown, i) => {
        if (isParameter(item)) slots.push({ name: `${key}.${i}`, holder: value, key: i, tensor: item });
      });
    }
  }
  return slots;
}

/** A dotted name: `prefix.name`, or `name` at the top. */
function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /**
   * When true (the default), the dict's keys must be exactly the module's: a missing or an
   * unexpected key throws. When false, the keys present in both are loaded and the rest ignored.
   */
  strict?: boolean;
}

/** Options of `registerBuffer`. */
export interface RegisterBufferOptions {
  /**
   * The buffer's key in the state dict and in `namedBuffers` (default: the field name). Built-in
   * layers give PyTorch's spelling here (`running_mean` for the field `runningMean`), so that their
   * state dicts are PyTorch's.
   */
  key?: string;
}

/** Options of `namedParameters`, `parameters` and `namedBuffers`. */
export interface ParameterQueryOptions {
  /** Include those of sub-modules (default true); false gives only the module's own. */
  recurse?: boolean;
}

const PARAMETER_QUERY_OPTIONS = ['recurse'];

/**
 * The base class of layers and models.
 *
 * - **Parameters** are found in the module's fields: a leaf tensor with `requiresGrad` (or one made
 *   with `parameter()`), directly or in an array field. Sub-modules are fields holding a `Module`, or
 *   arrays of modules (named `field.0`, `field.1`, ...). Other fields (numbers, constant tensors,
 *   functions) are ignored.
 * - **Buffers** are state that is not trained but belongs in the state dict (BatchNorm's running
 *   statistics): declare them with `registerBuffer`.
 * - Names are dotted paths, PyTorch's: `hidden.weight`, `blocks.0.bias` (a `Sequential`'s children are
 *   named `0`, `1`, ...). A module's own parameters come before its sub-modules', and a tensor or
 *   module reachable twice (weight tying) is listed once, under its first name.
 */
export abstract class Module {
  /** True in training mode (the default), false after `eval()`. Dropout and BatchNorm read it. */
  training = true;

  /** The computation. Subclasses implement it; callers may use `call`, which is the same. */
  abstract forward(x: Tensor): Tensor;

  /** Runs `forward(x)` (the Keras spelling; `module.call(x)` and `module.forward(x)` are the same). */
  call(x: Tensor): Tensor {
    return this.forward(x);
  }

  /**
   * Declares a buffer: a tensor of state that is saved and loaded with the parameters but not
   * trained (it is not in `parameters()`). Sets the field `name` to `value` and returns `value`, so
   * that it reads as a field declaration:
   * `readonly count = this.registerBuffer('count', zeros([1]))`. Its state-dict key is the field
   * name unless `options.key` gives another (BatchNorm1d:
   * `this.registerBuffer('runningMean', zeros([n]), { key: 'running_mean' })`, PyTorch's key).
   * The buffer is read from the field each time, so assigning a new tensor to the field works; a
   * field set to `null` is an absent buffer, left out of the state dict.
   */
  registerBuffer<T extends Tensor | null>(name: string, value: T, options: RegisterBufferOptions = {}): T {
    const owner = `${this.constructor.name}.registerBuffer`;
    checkOptions(owner, options, ['key']);
    const identifier = (what: string, v: unknown): string => {
      if (typeof v !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(v)) {
        throw new Error(`${owner}: the ${what} must be an identifier (no dots), got ${describeValue(v)}`);
      }
      return v;
    };
    identifier('name', name);
    const key = identifier('key', options.key ?? name);
    if (value !== null) expectTensor(value, `${owner}('${name}'): the value`);
    const slots = (bufferSlots.get(this) ?? []).filter((slot) => slot.field !== name);
    bufferSlots.set(this, [...slots, { field: name, key }]);
    (this as unknown as Record<string, unknown>)[name] = value;
    return value;
  }

  /**
   * The direct sub-modules with their names: fields holding a Module, and arrays of modules (named
   * `field.i`). Containers override this to name their children differently (Sequential: `0`, `1`).
   */
  namedChildren(): [string, Module][] {
    const children: [string, Module][] = [];
    for (const [key, value] of Object.entries(this as unknown as Record<string, unknown>)) {
      if (value instanceof Module) children.push([key, value]);
      else if (Array.isArray(value)) {
        value.forEach((item: unknown, i) => {
          if (item instanceof Module) children.push([`${key}.${i}`, item]);
        });
      }
    }
    return children;
  }

  /** The direct sub-modules. */
  children(): Module[] {
    return this.namedChildren().map(([, child]) => child);
  }

  /**
   * This module and every module below it, depth first, with dotted names (`''` for this one); a
   * module reachable twice is listed once. Cycles (a module holding its parent) are cut the same way.
   */
  namedModules(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (prefix: string, module: Module): void => {
      if (seen.has(module)) return;
      seen.add(module);
      out.push([prefix, module]);
      for (const [name, child] of module.namedChildren()) visit(join(prefix, name), child);
    };
    visit('', this);
    return out;
  }

  /** Every parameter with its dotted name (`0.weight`, `hidden.bias`), each tensor once. */
  namedParameters(options: ParameterQueryOptions = {}): [string, Tensor][] {
    checkOptions(`${this.constructor.name}.namedParameters`, options, PARAMETER_QUERY_OPTIONS);
    return parameterSlots(this, options.recurse ?? true).map((slot) => [slot.name, slot.tensor]);
  }

  /** Every parameter, each tensor once: what an optimizer updates. */
  parameters(options: ParameterQueryOptions = {}): Tensor[] {
    checkOptions(`${this.constructor.name}.parameters`, options, PARAMETER_QUERY_OPTIONS);
    return this.namedParameters(options).map(([, t]) => t);
  }

  /** Every buffer with its dotted state-dict name (`1.running_mean`). */
  namedBuffers(options: ParameterQueryOptions = {}): [string, Tensor][] {
    checkOptions(`${this.constructor.name}.namedBuffers`, options, PARAMETER_QUERY_OPTIONS);
    const modules: [string, Module][] = (options.recurse ?? true) ? this.namedModules() : [['', this]];
    return modules.flatMap(([prefix, module]) => ownBuffers(module).map(([name, t]): [string, Tensor] => [join(prefix, name), t]));
  }

  /** Every buffer. */
  buffers(options: ParameterQueryOptions = {}): Tensor[] {
    checkOptions(`${this.constructor.name}.buffers`, options, PARAMETER_QUERY_OPTIONS);
    return this.namedBuffers(options).map(([, t]) => t);
  }

  /**
   * Sets training mode (`mode = true`) or evaluation mode (`false`) on this module and every module
   * below it. Returns this module.
   */
  train(mode = true): this {
    expectBoolean(mode, `${this.constructor.name}.train: mode`);
    for (const [, module] of this.namedModules()) module.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. Dropout becomes the identity, BatchNorm uses running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Clears the accumulated gradient of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /**
   * The module's state: every parameter and buffer by dotted name (each module's parameters, then
   * its buffers, then its sub-modules', as PyTorch orders them), as detached copies: changing the
   * dict does not change the module, nor the other way round.
   */
  stateDict(): Record<string, Tensor> {
    const dict: Record<string, Tensor> = {};
    for (const [name, t] of stateEntries(this)) dict[name] = tensor(t.data(), { shape: t.shape, dtype: t.dtype });
    return dict;
  }

  /**
   * Copies a state dict's values into this module's parameters and buffers, in place (so optimizers
   * holding the parameters keep working), converted to the module's dtype as PyTorch's
   * `load_state_dict` does. Every key and shape is checked before anything is changed: an error
   * leaves the module as it was. Returns this module.
   */
  loadStateDict(dict: Record<string, Tensor>, options: LoadStateDictOptions = {}): this {
    const owner = `${this.constructor.name}.loadStateDict`;
    checkOptions(owner, options, ['strict']);
    if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) {
      throw new Error(`${owner}: expected an object mapping names to tensors, got ${describeValue(dict)}`);
    }
    const strict = expectBoolean(options.strict ?? true, `${owner}: strict`);
    const entries = stateEntries(this);
    const expected = new Set(entries.map(([name]) => name));
    const missing = entries.map(([name]) => name).filter((name) => !Object.hasOwn(dict, name));
    const unexpected = Object.keys(dict).filter((name) => !expected.has(name));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      const list = (names: string[]): string => `[${names.map((n) => `'${n}'`).join(', ')}]`;
      throw new Error(`${owner}: missing keys ${list(missing)}; unexpected keys ${list(unexpected)}`);
    }
    const updates: [Tensor, Tensor][] = [];
    for (const [name, target] of entries) {
      if (!Object.hasOwn(dict, name)) continue;
      const source: unknown = dict[name];
      if (!(source instanceof Tensor)) throw new Error(`${owner}: key '${name}': expected a Tensor, got ${describeValue(source)}`);
      if (source.shape.length !== target.shape.length || source.shape.some((d, i) => d !== target.shape[i])) {
        throw new Error(`${owner}: key '${name}': shape ${formatShape(source.shape)} does not match ${formatShape(target.shape)} (the module's)`);
      }
      // Converted to the module's dtype, as PyTorch's load_state_dict copies (a float64 file into a
      // float32 model rounds; PyTorch's int64 counters load into float64 buffers).
      updates.push([target, source]);
    }
    noGrad(() => {
      for (const [target, source] of updates) target.assign(source.dtype === target.dtype ? source : source.cast(target.dtype));
    });
    return this;
  }

  /**
   * What goes between the parentheses of this module's line in `toString()`, e.g.
   * `inFeatures=4, outFeatures=3, bias=true`. Override it to describe a layer's settings.
   */
  extraRepr(): string {
    return '';
  }

  /**
   * A nested description in PyTorch's style:
   * ```
   * Sequential(
   *   (0): Dense(inFeatures=4, outFeatures=8, bias=true)
   *   (1): ReLU()
   * )
   * ```
   */
  toString(): string {
    const name = this.constructor.name;
    const extra = this.extraRepr();
    const children = this.namedChildren();
    if (children.length === 0) return `${name}(${extra})`;
    const lines = [
      ...(extra === '' ? [] : extra.split('\n')),
      ...children.map(([childName, child]) => `(${childName}): ${child.toString()}`),
    ];
    return `${name}(\n${lines.map((line) => `  ${line.replaceAll('\n', '\n  ')}`).join('\n')}\n)`;
  }

  /**
   * A Keras-style table of the layers: name and type, output shape, parameter count, and totals.
   * The shapes come from one forward pass on zeros of shape `[1, ...inputShape]` in evaluation mode
   * and under `noGrad` (nothing is recorded, running statistics are not updated, training mode is
   * restored afterwards). Each row counts the module's own parameters, so the column adds up to the total.
   */
  summary(inputShape: readonly number[]): string {
    return formatSummary(this, inputShape);
  }
}

/** A module's own buffers (set fields registered with `registerBuffer`) by state-dict key. */
function ownBuffers(module: Module): [string, Tensor][] {
  const fields = module as unknown as Record<string, unknown>;
  return (bufferSlots.get(module) ?? []).flatMap(({ field, key }): [string, Tensor][] => {
    const value = fields[field];
    return value instanceof Tensor ? [[key, value]] : [];
  });
}

/** Every parameter below `root` with its dotted name and where it is held, each tensor once. */
function parameterSlots(root: Module, recurse: boolean): ParameterSlot[] {
  const seen = new Set<Tensor>();
  const modules: [string, Module][] = recurse ? root.namedModules() : [['', root]];
  return modules.flatMap(([prefix, module]) =>
    ownParameterSlots(module).flatMap((slot) => {
      if (seen.has(slot.tensor)) return [];
      seen.add(slot.tensor);
      return [{ ...slot, name: join(prefix, slot.name) }];
    }),
  );
}

/** What the state dict holds: per module, its parameters, then its buffers, then its sub-modules'. */
function stateEntries(root: Module): [string, Tensor][] {
  const seen = new Set<Tensor>();
  return root.namedModules().flatMap(([prefix, module]) =>
    [...ownParameterSlots(module).map((slot): [string, Tensor] => [slot.name, slot.tensor]), ...ownBuffers(module)].flatMap(
      ([name, t]): [string, Tensor][] => {
        if (seen.has(t)) return [];
        seen.add(t);
        return [[join(prefix, name), t]];
      },
    ),
  );
}

/**
 * Runs `module.call(x)` with some parameters replaced by the given tensors (by dotted name), then
 * puts the originals back, also when the forward throws; as `torch.func.functional_call`. The
 * gradient then flows to the given tensors: this is how a layer is gradchecked with respect to its
 * weights, or used inside `grad` / `hessian` as a function of its parameters.
 *
 * ```ts
 * const loss = (w: Tensor) => mseLoss(functionalCall(dense, { weight: w }, x), y);
 * grad(loss)(dense.weight);
 * ```
 */
export function functionalCall(module: Module, parameters: Record<string, Tensor>, x: Tensor): Tensor {
  if (!(module instanceof Module)) throw new Error(`functionalCall: expected a Module, got ${describeValue(module)}`);
  const slots = new Map(parameterSlots(module, true).map((slot) => [slot.name, slot]));
  const replacements: [ParameterSlot, Tensor][] = Object.entries(parameters).map(([name, value]) => {
    const slot = slots.get(name);
    if (slot === undefined) {
      throw new Error(`functionalCall: ${module.constructor.name} has no parameter '${name}' (it has: ${[...slots.keys()].join(', ')})`);
    }
    return [slot, expectTensor(value, `functionalCall: parameter '${name}'`)];
  });
  const put = (slot: ParameterSlot, t: Tensor): void => {
    (slot.holder as Record<string | number, unknown>)[slot.key] = t;
  };
  try {
    for (const [slot, value] of replacements) put(slot, value);
    return module.call(x);
  } finally {
    for (const [slot] of replacements) put(slot, slot.tensor);
  }
}
