/**
 * A stable sort of keys along one axis that returns the permutation, not the sorted keys: sort,
 * argsort and topk gather their values through it. NaN is ordered as PyTorch orders it: larger than
 * every number (last ascending, first descending), NaNs keeping their order among themselves; 0 and
 * -0 are equal.
 *
 * Each key becomes an unsigned integer whose order is the keys' order: the float's bits with the
 * sign bit set for numbers >= 0 and every bit flipped for negative ones (the usual radix-sort map),
 * every NaN mapped to one code above +Infinity and -0 to +0's code; int32 keys flip their sign bit;
 * a descending sort flips every bit, which reverses the order without moving equal keys. float32
 * and int32 keys give one 32-bit word, float64 keys two (high and low words). The words are then
 * sorted with their positions by a least-significant-digit radix sort, stable by construction, so
 * equal keys keep their order: 8-bit digits for short lines, 11-bit digits from 65536 elements
 * (fewer passes; the counts no longer dominate), a pass skipped where every key has the same digit.
 * Lines of at most INSERTION_UP_TO keys are sorted by insertion instead (stable too).
 */
import type { Storage } from '../dtype.js';

/**
 * Lines up to this long are sorted by insertion, longer ones by radix: below about 56 random keys the
 * radix sort's 1024 digit counts (cleared and summed per line) cost more than insertion's moves.
 */
const INSERTION_UP_TO = 48;

/** Lines from this long use 11-bit digits, shorter ones 8-bit digits. */
const WIDE_DIGITS_FROM = 65536;

/** Which 32-bit word of a float64 holds its high half (sign, exponent, top of the mantissa). */
const HIGH_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;

/** The ordered code of float32 bits `u` (an unsigned 32-bit integer). */
function float32Code(u: number): number {
  const magnitude = u & 0x7fffffff;
  if (magnitude > 0x7f800000) return 0xffc00000; // every NaN: above +Infinity's 0xff800000
  if (magnitude === 0) return 0x80000000; // -0 as +0
  return u >= 0x80000000 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
}

/** The scratch arrays of one kernel call, sized for a line: codes, their positions, and the digit counts. */
interface Scratch {
  /** The codes (float32, int32) or the low words of the codes (float64), and their second buffer. */
  low: Uint32Array;
  lowSpare: Uint32Array;
  /** The high words of float64 codes, and their second buffer (unused for 32-bit codes). */
  high: Uint32Array;
  highSpare: Uint32Array;
  order: Int32Array;
  orderSpare: Int32Array;
  counts: Uint32Array;
  /** Bits per digit, digits per 32-bit word. */
  digitBits: number;
  digitsPerWord: number;
}

function scratchFor(length: number, wide: boolean): Scratch {
  const digitBits = length >= WIDE_DIGITS_FROM ? 11 : 8;
  const digitsPerWord = Math.ceil(32 / digitBits);
  const highLength = wide ? length : 0;
  return {
    low: new Uint32Array(length),
    lowSpare: new Uint32Array(length),
    high: new Uint32Array(highLength),
    highSpare: new Uint32Array(highLength),
    order: new Int32Array(length),
    orderSpare: new Int32Array(length),
    counts: new Uint32Array((wide ? 2 : 1) * digitsPerWord << digitBits),
    digitBits,
    digitsPerWord,
  };
}

/**
 * Positions along `axis` of contiguous `keys` (shape `shape`), each line sorted: `out[..., j, ...]`
 * is the position of the line's j-th smallest key (largest when `descending`). Loop order: line by
 * line (the axes before `axis`, then those after it), a line's codes made first, then sorted.
 */
export function argsortKernel(out: Int32Array, keys: Storage, shape: readonly number[], axis: number, descending: boolean): void {
  const length = shape[axis]!;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d]!;
  if (length === 0 || outer * inner === 0) return;
  const wide = keys instanceof Float64Array;
  // The keys' bits, read in place: one word per float32 or int32 key, two per float64 key.
  const words = new Uint32Array(keys.buffer, keys.byteOffset, keys.length * (wide ? 2 : 1));
  const flip = descending ? 0xffffffff : 0;
  const scratch = scratchFor(length, wide);
  const { low, high } = scratch; // radixSort swaps its own locals, never these
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < inner; r++) {
      const start = o * length * inner + r;
      if (keys instanceof Float32Array) {
        for (let j = 0, p = start; j < length; j++, p += inner) low[j] = (float32Code(words[p]!) ^ flip) >>> 0;
      } else if (keys instanceof Int32Array) {
        for (let j = 0, p = start; j < length; j++, p += inner) low[j] = (words[p]! ^ 0x80000000 ^ flip) >>> 0;
      } else {
        for (let j = 0, p = 2 * start; j < length; j++, p += 2 * inner) float64Code(words[p + HIGH_WORD]!, words[p + 1 - HIGH_WORD]!, flip, high, low, j);
      }
      const order = length <= INSERTION_UP_TO ? insertionSort(scratch, length, wide) : radixSort(scratch, length, wide);
      for (let j = 0, p = start; j < length; j++, p += inner) out[p] = order[j]!;
    }
  }
}

/** Writes the ordered code of the float64 with words `hi`, `lo` (flipped by `flip`) at `j` of `high`, `low`. */
function float64Code(hi: number, lo: number, flip: number, high: Uint32Array, low: Uint32Array, j: number): void {
  const magnitude = hi & 0x7fffffff;
  let h: number;
  let l: number;
  if (magnitude > 0x7ff00000 || (magnitude === 0x7ff00000 && lo !== 0)) {
    h = 0xfff80000; // every NaN: above +Infinity's 0xfff00000 00000000
    l = 0;
  } else if (magnitude === 0 && lo === 0) {
    h = 0x80000000; // -0 as +0
    l = 0;
  } else if (hi >= 0x80000000) {
    h = ~hi;
    l = ~lo;
  } else {
    h = hi | 0x80000000;
    l = lo;
  }
  high[j] = (h ^ flip) >>> 0;
  low[j] = (l ^ flip) >>> 0;
}

/** Sorts the first `length` codes of `scratch` by insertion (stable); returns their positions in order. */
function insertionSort({ low, high, order }: Scratch, length: number, wide: boolean): Int32Array {
  for (let j = 0; j < length; j++) order[j] = j;
  for (let j = 1; j < length; j++) {
    const l = low[j]!;
    const h = wide ? high[j]! : 0;
    const position = order[j]!;
    let i = j - 1;
    // Move greater codes up one (strictly greater: equal codes stay in front, so the sort is stable).
    while (i >= 0 && (wide ? high[i]! > h || (high[i] === h && low[i]! > l) : low[i]! > l)) {
      low[i + 1] = low[i]!;
      if (wide) high[i + 1] = high[i]!;
      order[i + 1] = order[i]!;
      i--;
    }
    low[i + 1] = l;
    if (wide) high[i + 1] = h;
    order[i + 1] = position;
  }
  return order;
}

/**
 * Sorts the first `length` codes of `scratch` by least-significant-digit radix sort; returns their
 * positions in order (in one of the two order buffers). The digits of the low word come first, then
 * those of the high word (float64); each pass distributes the codes stably by one digit. The passes'
 * loops are small functions of their own, each seeing one kind of array, which V8 compiles tightly.
 */
function radixSort(scratch: Scratch, length: number, wide: boolean): Int32Array {
  const { counts, digitBits, digitsPerWord } = scratch;
  const radix = 1 << digitBits;
  counts.fill(0);
  const count = digitBits === 8 ? countDigits8 : countDigits11;
  count(scratch.low, length, counts, 0);
  if (wide) count(scratch.high, length, counts, digitsPerWord * radix);
  let { low, lowSpare, high, highSpare, order, orderSpare } = scratch;
  for (let j = 0; j < length; j++) order[j] = j;
  const passes = (wide ? 2 : 1) * digitsPerWord;
  for (let pass = 0; pass < passes; pass++) {
    const onHigh = pass >= digitsPerWord;
    const shift = (pass % digitsPerWord) * digitBits;
    const base = pass * radix;
    // Every code has the same digit: the pass would move nothing.
    if (counts[base + (((onHigh ? high : low)[0]! >>> shift) & (radix - 1))] === length) continue;
    slotsFromCounts(counts, base, radix);
    if (onHigh) {
      distribute(high, highSpare, order, orderSpare, counts, base, shift, radix - 1, length);
      [high, highSpare] = [highSpare, high];
    } else if (wide) {
      distributeWithHigh(low, lowSpare, high, highSpare, order, orderSpare, counts, base, shift, radix - 1, length);
      [low, lowSpare, high, highSpare] = [lowSpare, low, highSpare, high];
    } else {
      distribute(low, lowSpare, order, orderSpare, counts, base, shift, radix - 1, length);
      [low, lowSpare] = [lowSpare, low];
    }
    [order, orderSpare] = [orderSpare, order];
  }
  // The swaps were of locals: the next line's codes are written into scratch.low and scratch.high again.
  return order;
}

/** Adds the counts of the four 8-bit digits of each word into counts[base ..] (256 per digit). */
function countDigits8(words: Uint32Array, length: number, counts: Uint32Array, base: number): void {
  for (let j = 0; j < length; j++) {
    const w = words[j]!;
    counts[base + (w & 0xff)]!++;
    counts[base + 256 + ((w >>> 8) & 0xff)]!++;
    counts[base + 512 + ((w >>> 16) & 0xff)]!++;
    counts[base + 768 + (w >>> 24)]!++;
  }
}

/** Adds the counts of the three 11-bit digits (the last of 10 bits) of each word into counts[base ..] (2048 per digit). */
function countDigits11(words: Uint32Array, length: number, counts: Uint32Array, base: number): void {
  for (let j = 0; j < length; j++) {
    const w = words[j]!;
    counts[base + (w & 0x7ff)]!++;
    counts[base + 2048 + ((w >>> 11) & 0x7ff)]!++;
    counts[base + 4096 + (w >>> 22)]!++;
  }
}

/** Turns one digit's counts at counts[base ..] into the first slot of each digit value. */
function slotsFromCounts(counts: Uint32Array, base: number, radix: number): void {
  for (let digit = 0, slot = 0; digit < radix; digit++) {
    const c = counts[base + digit]!;
    counts[base + digit] = slot;
    slot += c;
  }
}

/** One pass: each code (and its position) to the next slot of its digit, in order, so stably. */
function distribute(
  from: Uint32Array, to: Uint32Array, orderFrom: Int32Array, orderTo: Int32Array,
  slots: Uint32Array, base: number, shift: number, mask: number, length: number,
): void {
  for (let j = 0; j < length; j++) {
    const w = from[j]!;
    const slot = slots[base + ((w >>> shift) & mask)]!++;
    to[slot] = w;
    orderTo[slot] = orderFrom[j]!;
  }
}

/** `distribute` by a digit of the low words, carrying the high words along (float64 codes). */
function distributeWithHigh(
  from: Uint32Array, to: Uint32Array, highFrom: Uint32Array, highTo: Uint32Array, orderFrom: Int32Array, orderTo: Int32Array,
  slots: Uint32Array, base: number, shift: number, mask: number, length: number,
): void {
  for (let j = 0; j < length; j++) {
    const w = from[j]!;
    const slot = slots[base + ((w >>> shift) & mask)]!++;
    to[slot] = w;
    highTo[slot] = highFrom[j]!;
    orderTo[slot] = orderFrom[j]!;
  }
}
