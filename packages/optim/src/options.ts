/**
 * The one place where options are checked, for optimizers, parameter groups, schedulers and state
 * dicts alike, so that every bad option gives the same kind of message:
 * `SGD: momentum must be a finite number >= 0, got -1` or
 * `SGD: unknown option 'momentm' (did you mean 'momentum'? known options: lr, momentum, ...)`,
 * the unknown keys found by @nn/autograd's `checkOptions`, which every package uses.
 */
import { checkOptions, describeValue, Tensor } from '@nn/autograd';

/** What one option must be: a phrase for the error message, and the test. */
export interface OptionRule<T> {
  /** Completes "lr must be ...", e.g. `'a finite number >= 0'`. */
  readonly expected: string;
  readonly accepts: (value: unknown) => value is T;
}

/**
 * The options of one optimizer or scheduler, in the order error messages list them: each with its
 * rule and its default (an option without a default is required).
 */
export type OptionSpec<C> = {
  readonly [K in keyof C]-?: { readonly rule: OptionRule<C[K]>; readonly default?: C[K] };
};

function rule<T>(expected: string, accepts: (value: unknown) => boolean): OptionRule<T> {
  return { expected, accepts: accepts as (value: unknown) => value is T };
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);
const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export const nonNegative = rule<number>('a finite number >= 0', (v) => isFinite(v) && v >= 0);
export const positive = rule<number>('a finite number > 0', (v) => isFinite(v) && v > 0);
export const finiteNumber = rule<number>('a finite number', isFinite);
export const unitInterval = rule<number>('a number in [0, 1)', (v) => isNumber(v) && v >= 0 && v < 1);
export const closedUnitInterval = rule<number>('a number in [0, 1]', (v) => isNumber(v) && v >= 0 && v <= 1);
export const openClosedUnitInterval = rule<number>('a number in (0, 1]', (v) => isNumber(v) && v > 0 && v <= 1);
export const boolean = rule<boolean>('true or false', (v) => typeof v === 'boolean');
export const positiveInteger = rule<number>('an integer >= 1', (v) => Number.isSafeInteger(v) && (v as number) >= 1);
export const nonNegativeInteger = rule<number>('an integer >= 0', (v) => Number.isSafeInteger(v) && (v as number) >= 0);
export const betas = rule<readonly [number, number]>(
  'two numbers in [0, 1)',
  (v) => Array.isArray(v) && v.length === 2 && v.every((b) => unitInterval.accepts(b)),
);
export const positiveIntegers = rule<readonly number[]>(
  'an array of integers >= 1',
  (v) => Array.isArray(v) && v.every((m) => positiveInteger.accepts(m)),
);
export const nonNegativeOrList = rule<number | readonly number[]>(
  'a finite number >= 0 or an array of them (one per parameter group)',
  (v) => nonNegative.accepts(v) || (Array.isArray(v) && v.every((m) => nonNegative.accepts(m))),
);

/** A rule accepting exactly the given strings. */
export function oneOf<S extends string>(...choices: S[]): OptionRule<S> {
  return rule<S>(choices.map((c) => `'${c}'`).join(' or '), (v) => choices.includes(v as S));
}

/** Whether `value` is a plain object (not null, not an array, not a tensor). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Tensor);
}

/** Whether `value` is an object that can be iterated (an array, a Set, a generator, ...). */
export function isIterable(value: unknown): value is Iterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.iterator in value;
}

/** Copies an option value, so that the caller changing its array later changes nothing here. */
function copyValue<T>(value: T): T {
  return (Array.isArray(value) ? value.slice() : value) as T;
}

/**
 * Checks `given` against `spec` and fills in defaults.
 *
 * - `owner` names the optimizer or scheduler; `where` (e.g. `'parameter group 1: '`) is put before
 *   the option in messages.
 * - `ignore` lists keys that are not options but may appear (a parameter group's `params`).
 * - With `partial`, a missing option without a default is left out instead of being an error: an
 *   optimizer's top-level `lr` may come from every parameter group instead (as in PyTorch).
 */
export function resolveOptions<C>(
  owner: string,
  spec: OptionSpec<C>,
  given: unknown,
  opts: { where?: string; ignore?: readonly string[]; partial?: boolean } = {},
): C {
  const where = opts.where ?? '';
  const known = Object.keys(spec);
  checkOptions(where === '' ? owner : `${owner}: ${where.slice(0, -2)}`, given, [...known, ...(opts.ignore ?? [])]);
  if (given === undefined) given = {};
  if (!isRecord(given)) throw new Error(`${owner}: ${where}options must be an object, got ${describeValue(given)}`);
  const resolved: Record<string, unknown> = {};
  for (const key of known) {
    const entry = spec[key as keyof C];
    const value = given[key] !== undefined ? given[key] : entry.default;
    if (value === undefined) {
      if (opts.partial === true) continue;
      throw new Error(`${owner}: ${where}option '${key}' is required`);
    }
    if (!entry.rule.accepts(value)) {
      throw new Error(`${owner}: ${where}${key} must be ${entry.rule.expected}, got ${describeValue(value)}`);
    }
    resolved[key] = copyValue(value);
  }
  return resolved as C;
}

/** The options of `config` named in `spec`, copied (what a state dict stores). */
export function pickOptions<C>(spec: OptionSpec<C>, config: C): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const key of Object.keys(spec)) out[key] = copyValue(config[key as keyof C] as OptionValue);
  return out;
}

/** A value an option can take: what a state dict stores for it. */
export type OptionValue = number | boolean | string | readonly number[];
