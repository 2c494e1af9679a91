/**
 * A character vocabulary for character-level language models: every distinct character of a text,
 * with a position each, to turn text into int32 token ids and back.
 */
import { describeValue, tensor, Tensor } from '@nn/autograd';

/** Orders characters by code point (plain string sort orders UTF-16 code units, which differs past U+FFFF). */
const byCodePoint = (a: string, b: string): number => a.codePointAt(0)! - b.codePointAt(0)!;

/** Names a character in a message: quoted, with its code point (a newline or a space is then visible too). */
function describeChar(char: string): string {
  return `${JSON.stringify(char)} (U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
}

/**
 * The distinct characters (Unicode code points) of a text, sorted by code point; a character's id is
 * its position in `chars`. `encode` turns text into an int32 tensor of ids, `decode` turns ids back.
 *
 * ```ts
 * const vocab = new CharVocabulary('hello world');
 * vocab.chars;                       // [' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']
 * vocab.encode('hold').toArray();    // [3, 5, 4, 1]
 * vocab.decode([3, 2, 4, 4, 5]);     // 'hello'
 * ```
 */
export class CharVocabulary {
  /** The characters, sorted by code point: `chars[id]` is the character of an id. */
  readonly chars: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;

  /** The vocabulary of `text`: each distinct character in it. The text must not be empty. */
  constructor(text: string) {
    if (typeof text !== 'string') throw new Error(`CharVocabulary: text must be a string, got ${describeValue(text)}`);
    if (text.length === 0) throw new Error('CharVocabulary: the text is empty, so it has no characters');
    this.chars = [...new Set(text)].sort(byCodePoint);
    this.ids = new Map(this.chars.map((char, id) => [char, id]));
  }

  /** The number of characters (the number of classes of a model over them). */
  get size(): number {
    return this.chars.length;
  }

  /** The ids of `text`'s characters: an int32 tensor of shape [number of characters]. */
  encode(text: string): Tensor {
    if (typeof text !== 'string') throw new Error(`CharVocabulary.encode: text must be a string, got ${describeValue(text)}`);
    const chars = [...text];
    const ids = new Int32Array(chars.length);
    chars.forEach((char, i) => {
      const id = this.ids.get(char);
      if (id === undefined) {
        throw new Error(`CharVocabulary.encode: character ${describeChar(char)} at position ${i} is not in the vocabulary of ${this.size} characters`);
      }
      ids[i] = id;
    });
    return tensor(ids, { dtype: 'int32' });
  }

  /** The text of `ids`: a 1-D tensor (int32, or integer-valued floats) or an array of ids 0..size-1. */
  decode(ids: Tensor | readonly number[]): string {
    let values: ArrayLike<number>;
    if (Array.isArray(ids)) {
      values = ids;
    } else if (ids instanceof Tensor) {
      if (ids.ndim !== 1) throw new Error(`CharVocabulary.decode: ids must be 1-D, got shape [${ids.shape.join(', ')}]`);
      values = ids.data();
    } else {
      throw new Error(`CharVocabulary.decode: ids must be a 1-D tensor or an array of numbers, got ${describeValue(ids)}`);
    }
    let text = '';
    for (let i = 0; i < values.length; i++) {
      const id = values[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= this.size) {
        throw new Error(`CharVocabulary.decode: id ${describeValue(id)} at position ${i} is not an integer in 0..${this.size - 1}`);
      }
      text += this.chars[id]!;
    }
    return text;
  }
}
