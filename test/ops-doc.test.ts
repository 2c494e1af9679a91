/**
 * docs/ops.md is generated from the op table, and the table covers every op the package exports:
 * a new op without a doc entry, or an edit of a note without `npm run docs:ops`, fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { opTable } from '../packages/autograd/src/ops/registry.js';
import { isInternal, renderOpsPage } from './ops-doc/render.js';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('docs/ops.md', () => {
  test('is what `npm run docs:ops` writes from the op table', () => {
    expect(read('docs/ops.md')).toBe(renderOpsPage());
  });

  test('the op table has a public entry for every function the package exports from its op families', () => {
    // The names of `export { a, b as c } from './ops/...'` lines of the package's entry.
    const exported = [...read('packages/autograd/src/index.ts').matchAll(/^export \{([^}]*)\} from '\.\/ops\/[^']+';$/gm)]
      .flatMap((match) => match[1]!.split(','))
      .map((name) => name.trim().split(/\s+as\s+/).at(-1)!);
    const documented = Object.entries(opTable).filter(([, entry]) => !isInternal(entry)).map(([name]) => name);
    expect(exported.length).toBeGreaterThan(50);
    expect([...documented].sort()).toEqual([...exported].sort());
  });
});
