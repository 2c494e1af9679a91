/**
 * One way to bundle for the browser pages, the demo's and the tests' and benchmarks' alike: esbuild,
 * ES modules for the browser (ES2022), with source maps, entries named by the file they become
 * (`{ out: 'worker', in: 'examples/browser/src/worker.ts' }` writes `worker.js`), paths from the
 * repository root, written under build/browser/ where examples/browser/server.ts serves them.
 */
import { build, type Metafile } from 'esbuild';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs compiled, from build/examples/browser/, or as source (the tests). */
const root = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../' : '../../../', import.meta.url));

/** An entry: the module (a path from the root, or a package name) and the name of the file it becomes. */
export interface BundleEntry {
  readonly in: string;
  readonly out: string;
}

/** Bundles `entries` into `outdir` (a path from the root, under build/browser/); resolves to esbuild's metafile. */
export async function bundleForBrowser(entries: readonly BundleEntry[], outdir: string): Promise<Metafile> {
  if (!outdir.startsWith('build/browser/')) throw new Error(`bundleForBrowser: outdir must be under build/browser/ (served to the pages), got ${outdir}`);
  const result = await build({
    absWorkingDir: root,
    entryPoints: entries.map((entry) => ({ in: entry.in, out: entry.out })),
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}
