/**
 * Reads the fenced TypeScript blocks out of a markdown guide. A block opened with ```ts is a
 * program that must compile and run on its own; one opened with ```ts fragment is deliberately
 * partial (it uses names defined elsewhere) and is only counted.
 */

export interface Snippet {
  /** The markdown file, relative to the repository root. */
  readonly file: string;
  /** The 1-based line of the opening fence. */
  readonly line: number;
  readonly kind: 'runnable' | 'fragment';
  /** The block's lines, without the fences. */
  readonly code: string;
}

/** Every ```ts and ```ts fragment block of `markdown`; any other info string that names TypeScript is an error. */
export function extractSnippets(file: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  let open: { line: number; kind: Snippet['kind'] | null; body: string[] } | null = null;
  lines.forEach((text, index) => {
    const fence = /^```(.*)$/.exec(text.trimEnd());
    if (open !== null) {
      if (fence !== null && fence[1] === '') {
        if (open.kind !== null) snippets.push({ file, line: open.line, kind: open.kind, code: open.body.join('\n') });
        open = null;
      } else {
        open.body.push(text);
      }
      return;
    }
    if (fence === null) return;
    const info = fence[1]!.trim();
    if (info === 'ts') open = { line: index + 1, kind: 'runnable', body: [] };
    else if (info === 'ts fragment') open = { line: index + 1, kind: 'fragment', body: [] };
    else if (/^(ts|typescript|tsx)\b/.test(info)) throw new Error(`${file}:${index + 1}: unknown code block '${info}': write 'ts' (a program that runs) or 'ts fragment'`);
    else open = { line: index + 1, kind: null, body: [] };
  });
  if (open !== null) throw new Error(`${file}:${(open as { line: number }).line}: code block is never closed`);
  return snippets;
}
