/**
 * multinomial: sampling category positions from rows of non-negative weights (sampling from a model).
 * It draws from a Generator (opts.rng, else the global one that manualSeed seeds), so a seed gives
 * one fixed sequence of samples; it is not PyTorch's stream, only its distribution.
 */
import { checkOptions } from '../options.js';
import { checkGenerator, type Generator } from '../random.js';
import { describeValue } from '../describe-value.js';
import { formatShape } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { fromStorage, toTensor } from './creation.js';

/** Options of multinomial. */
export interface MultinomialOptions {
  /** Draw with replacement (default false: each category at most once per row). */
  replacement?: boolean;
  /** The generator to draw from (default: the global one). */
  rng?: Generator;
}

/** One category of `weights` (total `total` > 0), drawn with probability weight / total. */
function drawCategory(weights: Float64Array, total: number, rng: Generator): number {
  const target = rng.uniform() * total;
  let running = 0;
  let last = -1;
  for (let j = 0; j < weights.length; j++) {
    if (weights[j] === 0) continue;
    running += weights[j]!;
    last = j;
    if (target < running) return j;
  }
  return last; // rounding left the target at the very top: the last category with weight
}

/** The weights of one row, checked: finite, non-negative, not all zero. */
function checkedRow(values: Float64Array, row: number, rank: number): { weights: Float64Array; total: number; nonzero: number } {
  let total = 0;
  let nonzero = 0;
  values.forEach((w, j) => {
    if (!(w >= 0) || w === Infinity) {
      const at = rank === 1 ? `[${j}]` : `[${row}, ${j}]`;
      throw new Error(`multinomial: probabilities must be finite and non-negative, got ${describeValue(w)} at ${at}`);
    }
    total += w;
    if (w > 0) nonzero++;
  });
  if (total === 0) throw new Error(`multinomial: ${rank === 1 ? 'the probabilities are' : `row ${row} of the probabilities is`} all zero`);
  return { weights: values, total, nonzero };
}

/**
 * `numSamples` category positions (int32) drawn from each row of `probs` (1-D, or 2-D: one row of
 * samples per row), with probabilities proportional to the row's values (which need not sum to 1;
 * they must be finite, non-negative and not all zero). Without `replacement` a row gives each
 * category at most once, so numSamples is at most its number of nonzero entries.
 */
export function multinomial(probs: TensorLike, numSamples: number, opts: MultinomialOptions = {}): Tensor {
  checkOptions('multinomial', opts, ['replacement', 'rng']);
  const p = toTensor(probs, 'multinomial');
  if (p.dtype === 'int32') throw new Error(`multinomial: probs must be a float tensor, got ${describeValue(p)}`);
  if (p.ndim !== 1 && p.ndim !== 2) throw new Error(`multinomial: probs must be 1-D or 2-D, got shape ${formatShape(p.shape)}`);
  if (!Number.isInteger(numSamples) || numSamples < 1) {
    throw new Error(`multinomial: numSamples must be a positive integer, got ${describeValue(numSamples)}`);
  }
  const replacement = opts.replacement ?? false;
  if (typeof replacement !== 'boolean') throw new Error(`multinomial: replacement must be a boolean, got ${describeValue(replacement)}`);
  const rng = checkGenerator('multinomial', opts.rng);
  const categories = p.shape[p.ndim - 1]!;
  const rows = p.ndim === 1 ? 1 : p.shape[0]!;
  const values = Float64Array.from(p.data());
  // Every row is checked before any is drawn, so an error leaves the generator untouched.
  const checked = Array.from({ length: rows }, (_, r) => checkedRow(values.subarray(r * categories, (r + 1) * categories), r, p.ndim));
  checked.forEach(({ nonzero }, r) => {
    if (!replacement && numSamples > nonzero) {
      const which = p.ndim === 1 ? '' : ` in row ${r}`;
      throw new Error(`multinomial: cannot draw ${numSamples} samples without replacement from ${nonzero} nonzero categories${which}`);
    }
  });
  const out = new Int32Array(rows * numSamples);
  checked.forEach(({ weights, total }, r) => {
    let remaining = total;
    for (let s = 0; s < numSamples; s++) {
      const j = drawCategory(weights, remaining, rng);
      out[r * numSamples + s] = j;
      if (!replacement) {
        // The drawn category leaves the row; the total is summed again, not decremented, so rounding never drifts.
        weights[j] = 0;
        remaining = weights.reduce((sum, w) => sum + w, 0);
      }
    }
  });
  return fromStorage(out, p.ndim === 1 ? [numSamples] : [rows, numSamples]);
}
