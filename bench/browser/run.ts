/**
 * npm run bench:browser: the browser benchmark pages, in headless Chromium (Debian's, through
 * playwright-core; `CHROMIUM_PATH` or /usr/bin/chromium), served by examples/browser/server.ts.
 * Prints a markdown table per page.
 *
 *   node build/bench/browser/run.js [--quick] [--sizes 256,512,1024] [--runs 9]
 *
 * matmul.html: float32 and float64 GFLOPS of the plain SIMD128 kernels and the relaxed-SIMD ones
 * (fused multiply-add), one thread, square products, medians of `runs` timed products per variant.
 * --quick runs 128 and 256 with 3 runs (to check that the bench works, not for figures).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startServer } from '../../examples/browser/server.js';

interface MatmulRow {
  readonly dtype: string;
  readonly n: number;
  readonly plain: number;
  readonly relaxed: number | null;
  readonly plainMs: number;
  readonly relaxedMs: number | null;
  readonly runs: number;
}
interface MatmulResult {
  readonly relaxedAvailable: boolean;
  readonly userAgent: string;
  readonly rows: readonly MatmulRow[];
  readonly error?: string;
}

/** `--sizes`, `--runs` and `--quick`; anything else is an error naming it. */
function parseArguments(args: readonly string[]): { sizes: string; runs: number } {
  let sizes = '256,512,1024';
  let runs = 9;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--quick') {
      sizes = '128,256';
      runs = 3;
    } else if (arg === '--sizes' && args[i + 1] !== undefined && /^\d+(,\d+)*$/.test(args[i + 1]!)) {
      sizes = args[++i]!;
    } else if (arg === '--runs' && args[i + 1] !== undefined && /^[1-9]\d*$/.test(args[i + 1]!)) {
      runs = Number(args[++i]);
    } else {
      throw new Error(`bench:browser: unknown or incomplete argument '${String(arg)}' (known: --quick, --sizes 256,512,1024, --runs 9)`);
    }
  }
  return { sizes, runs };
}

async function launch(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`bench:browser: Chromium not found at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, args: ['--no-sandbox'] });
}

/** Runs bench/browser/matmul.html and returns what it measured. */
async function benchMatmul(browser: Browser, base: string, sizes: string, runs: number): Promise<MatmulResult> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`));
  await page.goto(`${base}bench/browser/matmul.html?sizes=${sizes}&runs=${runs}`);
  const handle = await page.waitForFunction('window.result', undefined, { timeout: 900_000 });
  const result = (await handle.jsonValue()) as MatmulResult;
  await page.close();
  if (result.error !== undefined || errors.length > 0) throw new Error(`bench:browser: matmul.html failed: ${[result.error, ...errors].filter(Boolean).join('; ')}`);
  return result;
}

function matmulTable(result: MatmulResult): string {
  const lines = [
    '| matmul, one thread | plain SIMD128 (GFLOPS) | relaxed SIMD (GFLOPS) | relaxed / plain |',
    '|---|---:|---:|---:|',
  ];
  for (const row of result.rows) {
    const relaxed = row.relaxed === null ? 'n/a' : row.relaxed.toFixed(1);
    const ratio = row.relaxed === null ? 'n/a' : `${(row.relaxed / row.plain).toFixed(2)}x`;
    lines.push(`| ${row.dtype} ${row.n} x ${row.n} x ${row.n} | ${row.plain.toFixed(1)} | ${relaxed} | ${ratio} |`);
  }
  return lines.join('\n');
}

const { sizes, runs } = parseArguments(process.argv.slice(2));
const [server, browser] = await Promise.all([startServer(), launch()]);
try {
  const result = await benchMatmul(browser, server.url, sizes, runs);
  console.log(`${browser.version() === '' ? 'Chromium' : `Chromium ${browser.version()}`}, headless; relaxed SIMD ${result.relaxedAvailable ? 'available' : 'NOT available'}; medians of ${result.rows[0]?.runs ?? 0} products per variant`);
  console.log('');
  console.log(matmulTable(result));
} finally {
  await Promise.all([browser.close(), server.close()]);
}
