/** The bundled text (Genesis, KJV) and the character vocabulary that turns text into token ids and back. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { tensor } from '@nn/autograd';
import { CharVocabulary, loadGenesis } from '../src/index.js';

describe('loadGenesis', () => {
  const text = loadGenesis();

  test('is the text of data/genesis.txt, character for character', () => {
    expect(text).toBe(readFileSync(new URL('../data/genesis.txt', import.meta.url), 'utf8'));
  });

  test('1533 verses, one a line, from "In the beginning" to the coffin in Egypt', () => {
    const lines = text.split('\n');
    expect(lines.pop()).toBe(''); // every verse ends in a newline
    expect(lines).toHaveLength(1533);
    expect(lines[0]).toBe('In the beginning God created the heaven and the earth.');
    expect(lines.at(-1)).toBe('So Joseph died, being an hundred and ten years old: and they embalmed him, and he was put in a coffin in Egypt.');
    expect(text).toHaveLength(196_818);
    // No verse number was left in, and no line is empty.
    expect(text).not.toMatch(/[0-9]/);
    expect(lines.every((line) => line.length > 0)).toBe(true);
  });

  test('60 distinct characters, all printable ASCII or the newline', () => {
    const vocab = new CharVocabulary(text);
    expect(vocab.size).toBe(60);
    expect(vocab.chars.join('')).toBe("\n !'(),.:;?ABCDEFGHIJKLMNOPRSTUWYZabcdefghijklmnopqrstuvwxyz");
  });

  test('returns the same string each call', () => {
    expect(loadGenesis()).toBe(text);
  });
});

describe('CharVocabulary', () => {
  test('the distinct characters sorted by code point, ids their positions', () => {
    const vocab = new CharVocabulary('hello world');
    expect(vocab.chars).toEqual([' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(vocab.size).toBe(8);
    const ids = vocab.encode('hold');
    expect(ids.dtype).toBe('int32');
    expect(ids.shape).toEqual([4]);
    expect(ids.toArray()).toEqual([3, 5, 4, 1]);
    expect(vocab.decode([3, 2, 4, 4, 5])).toBe('hello');
    expect(vocab.decode(ids)).toBe('hold');
    expect(vocab.encode('').shape).toEqual([0]);
    expect(vocab.decode([])).toBe('');
  });

  test('a character beyond U+FFFF is one character, sorted after U+E000..U+FFFF as its code point says', () => {
    // Sorting by UTF-16 code unit would put the surrogate pair of U+1F600 (0xD83D...) before U+FF01.
    const vocab = new CharVocabulary('\u{1F600}\uFF01a');
    expect(vocab.chars).toEqual(['a', '\uFF01', '\u{1F600}']);
    expect(vocab.encode('\u{1F600}a').toArray()).toEqual([2, 0]);
  });

  test('decode accepts integer-valued float tensors, as multinomial samples or argmax cast to float', () => {
    const vocab = new CharVocabulary('ab');
    expect(vocab.decode(tensor([1, 0, 1], { dtype: 'float64' }))).toBe('bab');
  });

  test('decode(encode(s)) is s for any text over the vocabulary', () => {
    const alphabet = ['a', 'Z', ' ', '\n', 'é', '\u{1F600}', '\uFF01', ';'];
    const vocab = new CharVocabulary(alphabet.join(''));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }), (chars) => {
        const s = chars.join('');
        const ids = vocab.encode(s);
        expect(ids.shape).toEqual([chars.length]);
        expect(vocab.decode(ids)).toBe(s);
      }),
      { numRuns: 50 },
    );
  });

  test('bad input is an error naming the method and the value', () => {
    expect(() => new CharVocabulary('')).toThrow('CharVocabulary: the text is empty, so it has no characters');
    expect(() => new CharVocabulary(3 as unknown as string)).toThrow('CharVocabulary: text must be a string, got 3');
    const vocab = new CharVocabulary('abc');
    expect(() => vocab.encode('abd')).toThrow('CharVocabulary.encode: character "d" (U+0064) at position 2 is not in the vocabulary of 3 characters');
    expect(() => vocab.encode('a\n')).toThrow('CharVocabulary.encode: character "\\n" (U+000A) at position 1');
    expect(() => vocab.decode([0, 3])).toThrow('CharVocabulary.decode: id 3 at position 1 is not an integer in 0..2');
    expect(() => vocab.decode([-1])).toThrow('CharVocabulary.decode: id -1 at position 0');
    expect(() => vocab.decode([0.5])).toThrow('CharVocabulary.decode: id 0.5 at position 0');
    expect(() => vocab.decode([Number.NaN])).toThrow('CharVocabulary.decode: id NaN at position 0');
    expect(() => vocab.decode(tensor([[0, 1]], { dtype: 'int32' }))).toThrow('CharVocabulary.decode: ids must be 1-D, got shape [1, 2]');
    expect(() => vocab.decode('ab' as unknown as number[])).toThrow("CharVocabulary.decode: ids must be a 1-D tensor or an array of numbers, got");
  });
});
