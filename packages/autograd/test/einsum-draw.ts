/**
 * Valid einsum equations with shapes that fit them, drawn from a `Draw` (so fast-check shrinks
 * them), and a plain reference: the sum over every assignment of the indices. The generator knows
 * the label of every axis itself (it builds the equation from them), so the reference does not go
 * through einsum's parser.
 */
import type { Draw } from '../src/check/spec.js';

/** A drawn case: the equation, each operand's shape and the label of each of its axes, and the output's labels. */
export interface EinsumCase {
  equation: string;
  shapes: number[][];
  /** Per operand, one label per axis: a letter, or `.k` for the k-th axis of the broadcast `...`. */
  labels: string[][];
  output: string[];
}

const LETTERS = 'abcdefijkABC';

export interface EinsumDrawOptions {
  maxOperands?: number;
  /** The largest size of an index. */
  maxSize?: number;
  /** The most letters in one operand's subscripts. */
  maxLetters?: number;
}

/** Picks one of `items`. */
const pick = <T>(draw: Draw, items: readonly T[]): T => items[draw.integer(0, items.length - 1)]!;

/** A shuffled copy of `items`. */
function shuffled<T>(draw: Draw, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = draw.integer(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * A random valid equation: letters shared between operands (batch or contracted), letters repeated
 * within an operand (traces, diagonals), `...` of different lengths that broadcast, axes of size 1
 * that broadcast, implicit or explicit output (with spaces now and then).
 */
export function drawEinsumCase(draw: Draw, { maxOperands = 3, maxSize = 3, maxLetters = 3 }: EinsumDrawOptions = {}): EinsumCase {
  const pool = shuffled(draw, [...LETTERS]).slice(0, draw.integer(1, 5));
  const size = new Map(pool.map((letter) => [letter, draw.integer(1, maxSize)]));
  const ellipsisSizes = draw.integer(0, 2) === 0 ? draw.integers(draw.integer(0, 2), 1, maxSize) : null;
  const drawn = Array.from({ length: draw.integer(1, maxOperands) }, () => {
    const letters = Array.from({ length: draw.integer(0, maxLetters) }, () => pick(draw, pool));
    const withEllipsis = ellipsisSizes !== null && draw.integer(0, 2) > 0;
    return { letters, withEllipsis, at: draw.integer(0, letters.length), ellipsisRank: withEllipsis ? draw.integer(0, ellipsisSizes.length) : 0 };
  });
  // Each `...` spans the last axes of the longest one (aligned on the right, as broadcasting does).
  const longest = Math.max(0, ...drawn.map((term) => term.ellipsisRank));
  const broadcast = Array.from({ length: longest }, (_, k) => `.${k}`);
  const broadcastSize = (label: string): number => ellipsisSizes![ellipsisSizes!.length - longest + Number(label.slice(1))]!;
  const terms: string[] = [];
  const shapes: number[][] = [];
  const labels: string[][] = [];
  for (const { letters, withEllipsis, at, ellipsisRank } of drawn) {
    const axisLabels = withEllipsis ? [...letters.slice(0, at), ...broadcast.slice(longest - ellipsisRank), ...letters.slice(at)] : letters;
    const repeated = (label: string): boolean => axisLabels.filter((l) => l === label).length > 1;
    // Now and then a size-1 axis broadcasts against the index's size elsewhere (not on a diagonal: its sizes must be equal).
    shapes.push(axisLabels.map((label) => {
      const full = label.startsWith('.') ? broadcastSize(label) : size.get(label)!;
      return !repeated(label) && draw.integer(0, 5) === 0 ? 1 : full;
    }));
    terms.push(withEllipsis ? `${letters.slice(0, at).join('')}...${letters.slice(at).join('')}` : letters.join(''));
    labels.push(axisLabels);
  }
  const anyEllipsis = drawn.some((term) => term.withEllipsis);
  const letterCounts = labels.flat().filter((l) => !l.startsWith('.'));
  const used = [...new Set(letterCounts)];
  let equation = terms.join(draw.integer(0, 3) === 0 ? ' , ' : ',');
  let output: string[];
  if (draw.integer(0, 2) === 0) {
    // Implicit: the `...` axes, then the letters that occur once, in alphabetical order.
    const once = used.filter((letter) => letterCounts.filter((l) => l === letter).length === 1).sort();
    output = [...broadcast, ...once];
  } else {
    const letters = shuffled(draw, used).slice(0, draw.integer(0, used.length));
    const keepEllipsis = anyEllipsis && draw.integer(0, 2) > 0;
    const at = draw.integer(0, letters.length);
    output = keepEllipsis ? [...letters.slice(0, at), ...broadcast, ...letters.slice(at)] : letters;
    equation += `->${keepEllipsis ? `${letters.slice(0, at).join('')}...${letters.slice(at).join('')}` : letters.join('')}`;
  }
  return { equation, shapes, labels, output };
}

/**
 * The reference: for every assignment of all the indices, the product of the operands' elements
 * (a size-1 axis read at 0), added into the output element the output's indices name. Returns the
 * values and, per output element, the sum of the absolute terms (the scale of its rounding error).
 */
export function referenceEinsum(c: EinsumCase, data: readonly (ArrayLike<number>)[]): { shape: number[]; values: number[]; scale: number[] } {
  const axisLabels = c.labels;
  const size = new Map<string, number>();
  axisLabels.forEach((axes, i) => axes.forEach((label, axis) => size.set(label, Math.max(size.get(label) ?? 1, c.shapes[i]![axis]!))));
  const all = [...size.keys()];
  const shape = c.output.map((label) => size.get(label) ?? 1);
  const total = shape.reduce((p, d) => p * d, 1);
  const values = new Array<number>(total).fill(0);
  const scale = new Array<number>(total).fill(0);
  const assignment = new Map<string, number>(all.map((label) => [label, 0]));
  const flatIndex = (labels: readonly string[], dims: readonly number[]): number =>
    labels.reduce((flat, label, axis) => flat * dims[axis]! + (dims[axis] === 1 ? 0 : assignment.get(label)!), 0);
  const visit = (depth: number): void => {
    if (depth === all.length) {
      let term = 1;
      axisLabels.forEach((axes, i) => (term *= data[i]![flatIndex(axes, c.shapes[i]!)]!));
      const at = flatIndex(c.output, shape);
      values[at] = values[at]! + term;
      scale[at] = scale[at]! + Math.abs(term);
      return;
    }
    for (let v = 0; v < size.get(all[depth]!)!; v++) {
      assignment.set(all[depth]!, v);
      visit(depth + 1);
    }
  };
  visit(0);
  return { shape, values, scale };
}
