/**
 * The one check of an options argument, used by every public function of every @nn package that
 * takes options. A misspelt option (`{ requiresgrad: true }`) would otherwise be ignored and its
 * default used silently, which is the worst kind of bug to find.
 */
import { describeValue } from './describe-value.js';

/**
 * Throws unless `options` is undefined or a plain object whose keys are all in `allowedKeys`.
 * The error names the function, the unknown key and, when one is close, the key meant:
 * `tensor: unknown option 'requiresgrad' (did you mean 'requiresGrad'? known options: dtype, requiresGrad, shape)`.
 *
 * ```ts
 * export function fit(x: Tensor, y: Tensor, opts: FitOptions = {}) {
 *   checkOptions('Model.fit', opts, ['epochs', 'batchSize', 'shuffle']);
 * }
 * ```
 */
export function checkOptions(fnName: string, options: unknown, allowedKeys: readonly string[]): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) {
    throw new Error(`${fnName}: options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (allowedKeys.includes(key)) continue;
    const known = allowedKeys.length === 0 ? 'it takes no options' : `known options: ${allowedKeys.join(', ')}`;
    const closest = closestKey(key, allowedKeys);
    const hint = closest === undefined ? '' : `did you mean '${closest}'? `;
    throw new Error(`${fnName}: unknown option '${key}' (${hint}${known})`);
  }
}

/** An object literal (or one made by `Object.create(null)`): not an array, a tensor, a class instance. */
function isPlainObject(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The allowed key that `key` most likely misspells: equal ignoring case, one the start of the other,
 * or within an edit distance of a third of its length (at least 1, at most 3); undefined when none
 * is that close.
 */
function closestKey(key: string, allowedKeys: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameLetters = allowedKeys.find((k) => k.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  // A key cut short or run on (initialAccumulator for initialAccumulatorValue).
  const extended = allowedKeys.find((k) => Math.min(k.length, key.length) >= 4 && (k.toLowerCase().startsWith(lower) || lower.startsWith(k.toLowerCase())));
  if (extended !== undefined) return extended;
  const limit = Math.min(3, Math.max(1, Math.floor(key.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of allowedKeys) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** The Damerau-Levenshtein distance (adjacent transpositions count one edit). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
