/**
 * Duplicate keys in a JSON text. `JSON.parse` keeps the last of two equal keys silently; in a
 * safetensors header that would let two readers see two different files. This scan runs on text that
 * `JSON.parse` has already accepted, so it only needs to tell keys from other strings: inside an
 * object, a string right after `{` or `,` is a key. It is iterative (no recursion, whatever the nesting).
 */

/** The first key that occurs twice in one object of the valid JSON `text`, with its path, or null. */
export function findDuplicateKey(text: string): { key: string; path: string[] } | null {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const open: (Set<string> | null)[] = [];
  const path: string[] = [];
  let previous = '';
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
    if (c === '"') {
      const end = endOfString(text, i);
      const keys = open.at(-1);
      if (keys && (previous === '{' || previous === ',')) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) return { key, path: [...path] };
        keys.add(key);
        lastKey = key;
      }
      i = end;
      previous = '"';
      continue;
    }
    if (c === '{' || c === '[') {
      // A container that is the value of a key extends the path by that key.
      path.push(open.at(-1) && previous === ':' ? lastKey : '');
      open.push(c === '{' ? new Set() : null);
    } else if (c === '}' || c === ']') {
      open.pop();
      path.pop();
    }
    previous = c;
  }
  return null;
}

/** The index of the quote that closes the string opening at `start`. */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}
