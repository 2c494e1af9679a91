/**
 * einsum's equation: parsing it (once per equation string, cached) and binding it to the operands'
 * shapes. The parse depends on the string alone; the binding expands each `...` into as many axes as
 * the operand has left over and checks every size, so that the lowering (ops/einsum.ts) only sees
 * equations that are valid for its operands.
 */
import type { Shape } from '../shape.js';
import { formatShape } from '../shape.js';

/** The subscripts of one operand (or of the output): its letters, and where its `...` stands if it has one. */
export interface EinsumTerm {
  /** The letters, in order, without the ellipsis. */
  readonly letters: readonly string[];
  /** The number of letters before the `...`, or null when the term has none. */
  readonly ellipsisAt: number | null;
}

/** An equation parsed: the inputs' terms and the output's (worked out from the inputs when implicit). */
export interface ParsedEquation {
  readonly equation: string;
  readonly inputs: readonly EinsumTerm[];
  readonly output: EinsumTerm;
}

/**
 * An equation bound to shapes. Every axis has a label: its letter, or `.k` for the k-th axis of the
 * broadcast `...` (counted from the left of the longest one; shorter ones are aligned on the right,
 * as broadcasting does).
 */
export interface BoundEquation {
  /** The labels of each operand's axes, one per axis. */
  readonly inputs: readonly (readonly string[])[];
  /** The labels of the result's axes. */
  readonly output: readonly string[];
  /** The size of each label: the operands' common size, 1 broadcasting to any other. */
  readonly sizes: ReadonlyMap<string, number>;
}

const isLetter = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

/** Parses one side's term starting at index `start` of the equation (spaces already skipped by the caller's loop). */
function parseTerm(equation: string, text: string, start: number, what: string): EinsumTerm {
  const letters: string[] = [];
  let ellipsisAt: number | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ') continue;
    if (isLetter(c)) {
      letters.push(c);
    } else if (c === '.') {
      if (text.slice(i, i + 3) !== '...') {
        throw new Error(`einsum: a '.' at index ${start + i} of "${equation}" is not part of an ellipsis '...' (in ${what})`);
      }
      if (ellipsisAt !== null) throw new Error(`einsum: ${what} of "${equation}" has more than one ellipsis '...'`);
      ellipsisAt = letters.length;
      i += 2;
    } else {
      throw new Error(`einsum: invalid character '${c}' at index ${start + i} of "${equation}" (subscripts are letters a-z and A-Z, '...', ',' and one '->')`);
    }
  }
  return { letters, ellipsisAt };
}

/** The implicit output: the letters that occur exactly once, in alphabetical (ASCII) order, after the `...` if any input has one. */
function implicitOutput(inputs: readonly EinsumTerm[]): EinsumTerm {
  const counts = new Map<string, number>();
  for (const term of inputs) for (const letter of term.letters) counts.set(letter, (counts.get(letter) ?? 0) + 1);
  const letters = [...counts].filter(([, count]) => count === 1).map(([letter]) => letter).sort();
  return { letters, ellipsisAt: inputs.some((term) => term.ellipsisAt !== null) ? 0 : null };
}

/** Parses `equation` (no shapes involved); throws naming einsum for a malformed one. */
export function parseEquation(equation: string): ParsedEquation {
  if (typeof equation !== 'string') throw new Error(`einsum: the equation must be a string, got ${typeof equation}`);
  const arrow = equation.indexOf('->');
  if (arrow !== -1 && equation.indexOf('->', arrow + 2) !== -1) throw new Error(`einsum: "${equation}" has more than one '->'`);
  const left = arrow === -1 ? equation : equation.slice(0, arrow);
  const inputs: EinsumTerm[] = [];
  let start = 0;
  for (const text of left.split(',')) {
    inputs.push(parseTerm(equation, text, start, `operand ${inputs.length}`));
    start += text.length + 1;
  }
  if (arrow === -1) return { equation, inputs, output: implicitOutput(inputs) };
  const output = parseTerm(equation, equation.slice(arrow + 2), arrow + 2, 'the output');
  const seen = new Set<string>();
  for (const letter of output.letters) {
    if (seen.has(letter)) throw new Error(`einsum: output index '${letter}' appears more than once in "${equation}"`);
    seen.add(letter);
    if (!inputs.some((term) => term.letters.includes(letter))) {
      throw new Error(`einsum: output index '${letter}' of "${equation}" is not an index of any input`);
    }
  }
  return { equation, inputs, output };
}

/** Parsed equations by their string: a program calls einsum with a few equations many times. */
const parsedCache = new Map<string, ParsedEquation>();
const CACHE_LIMIT = 256;

/** `parseEquation`, remembered for the last few hundred equations. */
export function parseEquationCached(equation: string): ParsedEquation {
  const cached = parsedCache.get(equation);
  if (cached !== undefined) return cached;
  const parsed = parseEquation(equation);
  if (parsedCache.size >= CACHE_LIMIT) parsedCache.clear();
  parsedCache.set(equation, parsed);
  return parsed;
}

/** The labels of a term whose `...` covers `ellipsisRank` axes, out of a broadcast `...` of `longest` axes. */
function termLabels(term: EinsumTerm, ellipsisRank: number, longest: number): string[] {
  const at = term.ellipsisAt ?? term.letters.length;
  const ellipsis = Array.from({ length: ellipsisRank }, (_, k) => `.${longest - ellipsisRank + k}`);
  return [...term.letters.slice(0, at), ...ellipsis, ...term.letters.slice(at)];
}

/** How a label is named in an error message. */
const labelName = (label: string): string => (label.startsWith('.') ? `'...' axis ${label.slice(1)}` : `index '${label}'`);

/** Binds a parsed equation to the operands' shapes, checking the operand count, the ranks and every size. */
export function bindEquation(parsed: ParsedEquation, shapes: readonly Shape[]): BoundEquation {
  const { equation, inputs: terms } = parsed;
  if (shapes.length !== terms.length) {
    throw new Error(`einsum: "${equation}" has subscripts for ${terms.length} operand${terms.length === 1 ? '' : 's'}, got ${shapes.length}`);
  }
  const ellipsisRanks = terms.map((term, i) => {
    const rank = shapes[i]!.length;
    if (term.ellipsisAt === null) {
      if (term.letters.length !== rank) {
        throw new Error(`einsum: operand ${i} of "${equation}" has ${term.letters.length} subscripts but rank ${rank} (shape ${formatShape(shapes[i]!)})`);
      }
      return 0;
    }
    if (term.letters.length > rank) {
      throw new Error(`einsum: operand ${i} of "${equation}" has ${term.letters.length} subscripts besides '...' but rank ${rank} (shape ${formatShape(shapes[i]!)})`);
    }
    return rank - term.letters.length;
  });
  const longest = Math.max(0, ...ellipsisRanks);
  const inputs = terms.map((term, i) => termLabels(term, ellipsisRanks[i]!, longest));
  const sizes = new Map<string, number>();
  const seenIn = new Map<string, number>();
  inputs.forEach((labels, i) => {
    const own = new Map<string, number>();
    labels.forEach((label, axis) => {
      const size = shapes[i]![axis]!;
      const repeated = own.get(label);
      if (repeated !== undefined && repeated !== size) {
        throw new Error(`einsum: index '${label}' is repeated in operand ${i} of "${equation}" with sizes ${repeated} and ${size} (shape ${formatShape(shapes[i]!)}); a diagonal needs equal sizes`);
      }
      own.set(label, size);
      const previous = sizes.get(label);
      if (previous === undefined || previous === 1) {
        sizes.set(label, size);
        seenIn.set(label, i);
      } else if (size !== previous && size !== 1) {
        throw new Error(`einsum: ${labelName(label)} of "${equation}" has size ${previous} in operand ${seenIn.get(label)} (shape ${formatShape(shapes[seenIn.get(label)!]!)}) ` +
          `but ${size} in operand ${i} (shape ${formatShape(shapes[i]!)}); sizes must agree or be 1`);
      }
    });
  });
  return { inputs, output: termLabels(parsed.output, parsed.output.ellipsisAt === null ? 0 : longest, longest), sizes };
}
