/**
 * How error messages show a value the user passed. One formatter for every package, so that a
 * message always says what kind of value it got: `got the string "3"` is not `got 3`, and `got 3`
 * is then always the number 3.
 */
import { Tensor } from './tensor.js';
import { formatShape } from './shape.js';

/** Arrays longer than this are shown cut, with their length. */
const SHOWN_ELEMENTS = 8;

/**
 * Describes `value` for an error message, naming its type where the bare value would hide it:
 * `3`, `NaN`, `the string "3"`, `true`, `null`, `undefined`, `the array [1,2]`,
 * `a float32 tensor of shape [2,3]`, `a Float64Array of length 4`, `a function`,
 * `an object with keys {a, b}`.
 *
 * ```ts
 * throw new Error(`fit: epochs must be a positive integer, got ${describeValue(opts.epochs)}`);
 * ```
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'string':
      return `the string ${JSON.stringify(value)}`;
    case 'bigint':
      return `the bigint ${value}n`;
    case 'symbol':
      return `the symbol ${String(value)}`;
    case 'function':
      return value.name === '' ? 'a function' : `the function ${value.name}`;
  }
  if (value === null) return 'null';
  if (value instanceof Tensor) return `a ${value.dtype} tensor of shape ${formatShape(value.shape)}`;
  if (Array.isArray(value)) return `the array ${shortArray(value)}`;
  if (ArrayBuffer.isView(value)) {
    const length = 'length' in value ? ` of length ${String(value.length)}` : '';
    return `a ${value.constructor.name}${length}`;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    const name = (value as object).constructor?.name;
    return name === undefined || name === '' ? 'an object' : `an instance of ${name}`;
  }
  const keys = Object.keys(value as object);
  return keys.length === 0 ? 'an empty object' : `an object with keys {${keys.slice(0, SHOWN_ELEMENTS).join(', ')}${keys.length > SHOWN_ELEMENTS ? ', ...' : ''}}`;
}

/** `[1,"a",[2]]`: the elements in short form, cut after a few. */
function shortArray(values: readonly unknown[]): string {
  const shown = values.slice(0, SHOWN_ELEMENTS).map(element);
  return `[${shown.join(',')}${values.length > SHOWN_ELEMENTS ? `,... (${values.length} elements)` : ''}]`;
}

function element(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return shortArray(value);
  if (value === null || value === undefined || typeof value === 'boolean') return String(value);
  return `<${describeValue(value)}>`;
}
