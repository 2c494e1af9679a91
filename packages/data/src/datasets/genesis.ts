/**
 * The bundled text corpus: the Book of Genesis in the King James Version (1611), about 197 KB of
 * English, for character-level language models. Public domain (Crown copyright in the United
 * Kingdom); its source and what was cut are in README.md.
 */
import { GENESIS_TEXT } from './genesis-data.js';

/**
 * The Book of Genesis (King James Version), one verse a line without its chapter and verse
 * numbers: 1533 lines, 196,818 characters of 60 kinds (letters, space, newline and `!'(),.:;?`;
 * no digits). Each line ends in a newline. The string is the module's own: no parsing, no copy.
 *
 * ```ts
 * const text = loadGenesis();
 * text.slice(0, 54); // 'In the beginning God created the heaven and the earth.'
 * ```
 */
export function loadGenesis(): string {
  return GENESIS_TEXT;
}
