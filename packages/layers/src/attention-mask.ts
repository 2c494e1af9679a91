/**
 * Attention masks, in one place: turning a user's mask into the additive float mask that is added to
 * the attention scores, and the causal mask.
 *
 * @nn has no bool dtype, so a mask's dtype says how to read it, as PyTorch's does:
 * - an **int32** tensor of 0 and 1 is a boolean mask (PyTorch's bool). What 1 means depends on the
 *   caller, and PyTorch's two APIs disagree: in `scaledDotProductAttention` 1 means "takes part in
 *   attention"; in `MultiheadAttention`'s `attnMask` and `keyPaddingMask` 1 means "masked out".
 * - a **float** tensor is additive: added to the scores as it is (0 keeps, -Infinity removes).
 *   Comparisons (`x.gt(0)`) return float 0/1 tensors: cast them to int32 to use them as a boolean mask.
 */
import { cast, maskedFill, ones, triu, zeros, type FloatDType, type Tensor } from '@nn/autograd';
import { formatShape } from './util.js';

/** What a 1 in a boolean (int32) mask means. */
export type BooleanMeaning = 'attend' | 'ignore';

/**
 * The additive float mask of `mask`, in `dtype`: an int32 mask of 0/1 becomes 0 where allowed and
 * -Infinity where not (by `meaning`), a float mask is returned as it is (cast to `dtype`, so that a
 * float64 mask does not promote float32 scores). `what` names the mask in errors.
 */
export function additiveMask(mask: Tensor, dtype: FloatDType, meaning: BooleanMeaning, what: string): Tensor {
  if (mask.dtype !== 'int32') return mask.dtype === dtype ? mask : cast(mask, dtype);
  const values = mask.data();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== 0 && v !== 1) {
      throw new Error(`${what}: an int32 mask is boolean and must hold only 0 and 1, got ${v} at flat index ${i} of shape ${formatShape(mask.shape)} (pass a float mask to add values to the scores)`);
    }
  }
  const removed = meaning === 'attend' ? mask.eq(0) : mask;
  return maskedFill(zeros(mask.shape, { dtype }), removed, -Infinity);
}

/** The causal masks made so far, by `L,S,dtype`: a training loop asks for the same one every step. */
const causalCache = new Map<string, Tensor>();
const CAUSAL_CACHE_SIZE = 16;

/**
 * The additive causal mask of shape [L, S]: 0 where key j <= query i, -Infinity above the diagonal
 * (PyTorch's `is_causal`: the top-left-aligned lower triangle, also when L != S). Built from `triu`,
 * and cached per (L, S, dtype).
 */
export function causalMask(queries: number, keys: number, dtype: FloatDType): Tensor {
  const key = `${queries},${keys},${dtype}`;
  let mask = causalCache.get(key);
  if (mask === undefined) {
    mask = maskedFill(zeros([queries, keys], { dtype }), triu(ones([queries, keys], { dtype }), 1), -Infinity);
    if (causalCache.size >= CAUSAL_CACHE_SIZE) causalCache.delete(causalCache.keys().next().value!);
    causalCache.set(key, mask);
  }
  return mask;
}
