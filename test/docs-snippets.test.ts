/**
 * Every TypeScript block in the guides (docs/*.md) and the READMEs type-checks and runs: each block
 * is written to a file of its own, the TypeScript compiler checks and compiles them all at once
 * (strict, as a user's project would), and one Node process imports the compiled blocks in turn
 * against the built packages. A failure names the markdown file and line. A block that is
 * deliberately partial is marked ```ts fragment and only counted. `npm test` builds the packages first.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { extractSnippets, type Snippet } from './docs-snippets/extract.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const guides = [
  'README.md',
  ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ...readdirSync(join(root, 'packages')).map((p) => `packages/${p}/README.md`),
].sort();
const markdown = new Map(guides.map((file) => [file, readFileSync(join(root, file), 'utf8')]));
const snippets = guides.flatMap((file) => extractSnippets(file, markdown.get(file)!));
const runnable = snippets.filter((s) => s.kind === 'runnable');
const fragments = snippets.filter((s) => s.kind === 'fragment');
const where = (s: Snippet): string => `${s.file}:${s.line}`;
const moduleName = (s: Snippet): string => `${s.file.replace(/[^A-Za-z0-9]+/g, '_')}_L${s.line}`;

// Inside build/ so that the snippets resolve '@nn/*' and '@types/node' as a project in this
// repository does (through node_modules); each run gets a directory of its own.
mkdirSync(join(root, 'build'), { recursive: true });
const scratch = mkdtempSync(join(root, 'build', 'docs-snippets-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Type errors by snippet, with the markdown line of each. */
const typeErrors = new Map<Snippet, string[]>();
/** What running each snippet gave: null when it ran, else the error. */
let outcomes: Record<string, string | null> = {};

beforeAll(() => {
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'],
        strict: true, skipLibCheck: true, isolatedModules: true, verbatimModuleSyntax: true, noEmitOnError: false,
        // Each block is a module of its own, also one without imports: no block sees another's names.
        moduleDetection: 'force',
        rootDir: '.', outDir: 'out',
      },
      include: ['*.ts'],
    }),
  );
  for (const s of runnable) writeFileSync(join(scratch, `${moduleName(s)}.ts`), s.code);
  copyFileSync(join(root, 'test/docs-snippets/run-all.ts'), join(scratch, 'run-all.ts'));
  let report = '';
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', scratch, '--pretty', 'false'], { cwd: scratch, encoding: 'utf8' });
  } catch (error) {
    report = String((error as { stdout?: string }).stdout ?? error);
  }
  const byModule = new Map(runnable.map((s) => [moduleName(s), s]));
  for (const [, name, line, message] of report.matchAll(/^(?:.*[\\/])?([^\\/(]+)\.ts\((\d+),\d+\): (.*)$/gm)) {
    const s = byModule.get(name!);
    if (s === undefined) throw new Error(`the docs snippet runner itself does not compile: ${name}.ts(${line}): ${message}`);
    typeErrors.set(s, [...(typeErrors.get(s) ?? []), `${s.file}:${s.line + Number(line)}: ${message}`]);
  }
  // The compiler checks types only when no file has a syntax error (TS1xxx): then no other block was type-checked.
  const syntaxError = [...typeErrors].find(([, messages]) => messages.some((m) => / error TS1\d{3}:/.test(m)));
  if (syntaxError !== undefined) {
    for (const s of runnable) if (!typeErrors.has(s)) typeErrors.set(s, [`not type-checked: the block at ${where(syntaxError[0])} has a syntax error`]);
  }
  const results = join(scratch, 'results.json');
  execFileSync(process.execPath, [join(scratch, 'out/run-all.js'), results, ...runnable.map((s) => join(scratch, 'out', `${moduleName(s)}.js`))], {
    cwd: scratch, encoding: 'utf8', timeout: 60_000, stdio: 'pipe',
  });
  outcomes = JSON.parse(readFileSync(results, 'utf8')) as Record<string, string | null>;
}, 90_000);

describe('docs snippets', () => {
  test('every ts fence is read as a block, and most blocks run', () => {
    const fences = guides.flatMap((file) => markdown.get(file)!.split('\n').filter((l) => /^```ts( fragment)?\s*$/.test(l)));
    expect(snippets).toHaveLength(fences.length);
    // Marking a block as a fragment exempts it; the count keeps that the exception.
    expect(runnable.length).toBeGreaterThanOrEqual(20);
    expect(fragments.length, `fragments: ${fragments.map(where).join(', ')}`).toBeLessThanOrEqual(runnable.length / 3);
  });

  test.each(runnable.map((s) => [where(s), s] as const))('%s type-checks and runs', (_, s) => {
    expect(typeErrors.get(s) ?? [], `type errors in the block at ${where(s)}`).toEqual([]);
    const outcome = outcomes[join(scratch, 'out', `${moduleName(s)}.js`)];
    expect(outcome, `the block at ${where(s)} did not finish`).not.toBeUndefined();
    expect(outcome, `the block at ${where(s)} threw`).toBeNull();
  });
});
