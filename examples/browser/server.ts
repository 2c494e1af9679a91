/**
 * The static server of the browser page (`npm run demo:browser`), and of the browser tests and
 * benchmarks: files of this repository over HTTP on 127.0.0.1, nothing else.
 *
 * With `isolated` (the default) every response carries the headers that make a page cross-origin
 * isolated (COOP same-origin, COEP require-corp), which browsers require before they give a page
 * SharedArrayBuffer, and so threads over a shared WebAssembly memory. Without them the page runs on
 * one thread; the tests start both kinds.
 *
 * Only the parts a page needs are served: the pages and their compiled scripts, the packages' built
 * ESM (dist/), bundles written under build/browser/, and the bench peers under node_modules. `/` is
 * the demo page.
 *
 *   node build/examples/browser/server.js [port]     # prints the URL; Ctrl-C stops it
 */
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs compiled, from build/examples/browser/, or as source (the tests). */
const root = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../' : '../../../', import.meta.url));

/** Path prefixes (from the root) that may be served. */
const SERVED = ['examples/browser/', 'build/examples/browser/', 'packages/', 'node_modules/', 'test/browser/pages/', 'build/test/test/browser/', 'bench/browser/', 'build/bench/browser/', 'build/browser/'];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface ServerOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Send the cross-origin isolation headers (default true). */
  isolated?: boolean;
}

export interface RunningServer {
  /** The base URL, ending in '/'. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const isolated = options.isolated ?? true;
  const server = createServer((request, response) => {
    void respond(request.url ?? '/').then(({ status, type, body }) => {
      const headers: Record<string, string> = { 'Content-Type': type, 'Cache-Control': 'no-store' };
      if (isolated) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      response.writeHead(status, headers).end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server: no TCP address');
  return { url: `http://127.0.0.1:${address.port}/`, close: () => closeServer(server) };
}

interface Reply {
  status: number;
  type: string;
  body: Buffer | string;
}

async function respond(url: string): Promise<Reply> {
  const pathname = decodeURIComponent(new URL(url, 'http://localhost').pathname);
  const relative = pathname === '/' ? 'examples/browser/index.html' : normalize(pathname.slice(1));
  if (relative.startsWith('..') || relative.includes(`${sep}..`) || !SERVED.some((prefix) => relative.startsWith(prefix))) {
    return { status: 404, type: 'text/plain', body: `not served: ${pathname}` };
  }
  const file = join(root, relative);
  try {
    if (!(await stat(file)).isFile()) return { status: 404, type: 'text/plain', body: `not a file: ${pathname}` };
    return { status: 200, type: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', body: await readFile(file) };
  } catch {
    return { status: 404, type: 'text/plain', body: `not found: ${pathname}` };
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error === undefined ? resolve() : reject(error)));
  });
}

// Run as a script: serve until stopped.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const port = process.argv[2] === undefined ? 8080 : Number(process.argv[2]);
  const running = await startServer({ port });
  console.log(`The @nn browser page: ${running.url}  (cross-origin isolated; Ctrl-C stops the server)`);
}
