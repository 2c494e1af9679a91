/**
 * No package's main entry reaches a Node module, so each loads in a browser as it is built (through
 * an import map, or a bundler for the browser). The scan reads the built output: from every
 * package's dist/index.js it follows each import, relative ones to their files and @nn/* ones to
 * that package's dist, and fails on an import of a `node:` module or of a bare Node builtin (fs,
 * path, worker_threads, ...). The Node-only entries (`@nn/autograd/node`, `@nn/data/node`, ...) are
 * reached only by name, so they are not followed unless a main entry imports one.
 *
 * What it does not see, by design: an import whose specifier is computed at run time
 * (`import(IO_NODE)` in @nn/train's saving.js), which is how a main entry calls Node on first use
 * without a bundler pulling Node in.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join, resolve, dirname, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = join(root, 'packages');

/** Every package of the monorepo, as its directory name (autograd, layers, ...). */
const packages = readdirSync(packagesDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

/** The package names, '@nn/autograd' to its directory 'autograd'. */
const byName = new Map(packages.map((dir) => [(JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as { name: string }).name, dir]));

const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, name.split('/')[0]!]));

/**
 * The module specifiers a built file imports: static imports and re-exports (`import x from`,
 * `export * from`, `import 'side-effect'`) and dynamic imports of a literal string.
 */
function importedSpecifiers(source: string): string[] {
  // Comments are left out: a TSDoc example (`import { setNumThreads } from '@nn/autograd/node'`) is no import.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** Why `specifier` is not browser-safe, or null when it is. */
function nodeImport(specifier: string): string | null {
  if (specifier.startsWith('node:')) return 'a node: module';
  if (nodeBuiltins.has(specifier) || nodeBuiltins.has(specifier.split('/')[0]!)) return 'a Node builtin';
  return null;
}

/** The file an @nn/* specifier resolves to in the built output (its export map's import condition). */
function resolvePackage(specifier: string, from: string): string {
  const [scope, name, ...rest] = specifier.split('/');
  const dir = byName.get(`${scope}/${name}`);
  if (dir === undefined) throw new Error(`browser-safe scan: ${from} imports ${specifier}, which is no package of this repository`);
  const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as { exports: Record<string, { import: string }> };
  const subpath = rest.length === 0 ? '.' : `./${rest.join('/')}`;
  const target = manifest.exports[subpath]?.import;
  if (target === undefined) throw new Error(`browser-safe scan: ${from} imports ${specifier}, which ${scope}/${name} does not export`);
  return join(packagesDir, dir, target);
}

interface Scan {
  /** Every file reached, relative to packages/. */
  files: string[];
  /** Each Node import found: the importing file (relative to packages/) and its specifier. */
  offences: string[];
}

/** Follows every import from `entry` (an absolute path), transitively. */
function scan(entry: string): Scan {
  const seen = new Set<string>();
  const offences: string[] = [];
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const name = relative(packagesDir, file);
    for (const specifier of importedSpecifiers(source)) {
      const reason = nodeImport(specifier);
      if (reason !== null) offences.push(`${name} imports ${specifier} (${reason})`);
      else if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else if (specifier.startsWith('@nn/')) visit(resolvePackage(specifier, name));
      else offences.push(`${name} imports ${specifier}, a package outside the repository (the packages have no runtime dependencies)`);
    }
  };
  visit(entry);
  return { files: [...seen].map((f) => relative(packagesDir, f)), offences };
}

describe('the scan itself', () => {
  test('finds static, re-exported, side-effect and literal dynamic imports', () => {
    const source = [
      "import { a } from './a.js';",
      "export * from \"./b.js\";",
      "import './c.js';",
      "const d = await import('node:fs');",
      'import {\n  e,\n  f,\n} from "@nn/autograd";',
      "const computed = await import(NAME);",
      "/** import { g } from 'node:os'; */",
      "// import 'node:path';",
    ].join('\n');
    expect(importedSpecifiers(source)).toEqual(expect.arrayContaining(['./a.js', './b.js', './c.js', 'node:fs', '@nn/autograd']));
    expect(importedSpecifiers(source)).toHaveLength(5);
  });

  test('tells Node modules from the others', () => {
    for (const specifier of ['node:fs', 'fs', 'fs/promises', 'path', 'worker_threads', 'zlib', 'node:worker_threads']) {
      expect(nodeImport(specifier), specifier).not.toBeNull();
    }
    for (const specifier of ['./fs.js', '@nn/io', '../path.js']) expect(nodeImport(specifier), specifier).toBeNull();
  });

  test('a Node-only entry fails it', () => {
    const { offences } = scan(resolvePackage('@nn/data/node', 'the test'));
    expect(offences).toEqual(expect.arrayContaining(['data/dist/node.js imports node:fs (a node: module)']));
  });
});

describe('no main entry reaches a Node module', () => {
  test('every package is scanned', () => {
    expect(packages).toEqual(expect.arrayContaining(['autograd', 'data', 'io', 'layers', 'linalg', 'optim', 'train']));
  });

  test.each(packages)('@nn/%s: dist/index.js and everything it imports', (dir) => {
    const { files, offences } = scan(join(packagesDir, dir, 'dist', 'index.js'));
    expect(offences).toEqual([]);
    // The scan did follow the imports (an index that re-exports nothing would be suspicious).
    expect(files.filter((f) => f.startsWith(`${dir}/`)).length, files.join(', ')).toBeGreaterThan(1);
  });
});
