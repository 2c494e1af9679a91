/**
 * The JSON of a checkpoint's metadata. Plain `JSON.stringify` would turn NaN and the infinities
 * into null and -0 into 0 (a history whose loss became NaN, a scheduler's `best` of Infinity):
 * here those four numbers are written as `{"$number":"NaN"}` (and "Infinity", "-Infinity", "-0")
 * and read back as themselves, so every number round-trips bit for bit. Anything that JSON cannot
 * hold (a function, a bigint, undefined in an array, a class instance such as a Tensor) is an error
 * naming where it is, not a silent drop.
 */
import { describeValue } from '@nn/autograd';

/** A value that a checkpoint's metadata holds exactly: JSON's values, with every number allowed. */
export type CheckpointValue = null | boolean | number | string | CheckpointValue[] | { [key: string]: CheckpointValue };

const SPECIAL = '$number';

/** Checks that `value` is a CheckpointValue; the error names `owner` and the path to the bad part. */
export function checkValue(owner: string, value: unknown, path: string): void {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkValue(owner, v, `${path}[${i}]`));
    return;
  }
  if (typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    for (const [key, v] of Object.entries(value)) checkValue(owner, v, `${path}.${key}`);
    return;
  }
  throw new Error(`${owner}: ${path} is ${describeValue(value)}; a checkpoint holds plain data (numbers, strings, booleans, null, arrays and plain objects)`);
}

/** `value` (a CheckpointValue, already checked) as JSON text, NaN, ±Infinity and -0 included. */
export function stringifyValue(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'number' || (Number.isFinite(v) && !Object.is(v, -0))) return v;
    return { [SPECIAL]: Object.is(v, -0) ? '-0' : String(v) };
  });
}

const SPECIALS: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

/** Reads what `stringifyValue` wrote; text that is not JSON throws (the caller names the field). */
export function parseValue(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const special = (v as Record<string, unknown>)[SPECIAL];
      if (keys.length === 1 && typeof special === 'string' && Object.hasOwn(SPECIALS, special)) return SPECIALS[special];
    }
    return v;
  });
}
