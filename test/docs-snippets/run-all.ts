/**
 * Runs compiled docs snippets one after another in one Node process, as a user runs a compiled
 * script, and writes to a JSON file what each did: null when it ran, else the error. Copied beside
 * the snippets and compiled with them by test/docs-snippets.test.ts.
 * Usage: node run-all.js <results.json> <snippet.js>...
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [resultsFile, ...modules] = process.argv.slice(2);
const results: Record<string, string | null> = {};
let current = '';
const describe = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));
// A promise a snippet forgot to await fails that snippet, not the whole run.
process.on('unhandledRejection', (error) => {
  results[current] = `unhandled rejection: ${describe(error)}`;
});
for (const module of modules) {
  current = module;
  try {
    await import(pathToFileURL(module).href);
    results[module] ??= null;
  } catch (error) {
    results[module] = describe(error);
  }
}
writeFileSync(resultsFile!, JSON.stringify(results));
// Snippets may start worker threads (setNumThreads) that would keep the process alive.
process.exit(0);
