/**
 * Threads in Chromium (@nn/autograd/web): in a dedicated worker of an isolated page, setNumThreads(2)
 * starts a Web Worker, and float32 and float64 products and a conv2d run on the pool with the bits
 * of one thread; a failure in a worker is thrown, a wrong worker URL rejects, and a worker that stops
 * answering turns the threads off. Without isolation the worker stays at one thread, and the
 * products are still right. On a page's main thread, setNumThreads(2) rejects either way. And a
 * bundled app (esbuild) starts the pool from its own bundle of @nn/autograd/web-worker.
 *
 * NN_THREAD_TIMINGS=1 also prints times (best and median), 1 thread against 2, for the record.
 */
import { describe, expect, test } from 'vitest';
import type { RunningServer } from '../../examples/browser/server.js';
import { bundleForBrowser } from '../../examples/browser/bundle.js';
import { openPage, waitForResult } from '../../examples/browser/chromium.js';
import { useBrowser } from './harness.js';

interface Stats { best: number; median: number }
interface ProductReport { runsOnPool: number; sameBits: boolean; spotError?: number }
interface WorkerReport {
  error?: string;
  isolated: boolean;
  threads: number;
  threadsAfterOff: number;
  results: Record<'float32' | 'float64' | 'conv', ProductReport>;
  timings?: { what: string; dtype: string; 1: Stats; 2: Stats }[];
  workerFailure?: string;
  afterFailure?: { threads: number; runsOnPool: number; spotError: number };
  badUrl?: string;
  threadsAfterBadUrl?: number;
  threadsWithUrl?: number;
  deadWorker?: string;
  deadWorkerMs?: number;
  afterDeath?: { threads: number; runsOnPool: number; spotError: number };
}
interface PageReport { main: { isolated: boolean; outcome: string; threads: number }; worker: WorkerReport }

const timings = process.env.NN_THREAD_TIMINGS === '1';
/** A product's entries against float64 dot products, relative to the sum of |terms|: float32 rounding over k = 257 terms. */
const F32_SPOT = 1e-5;
const F64_SPOT = 1e-13;
const MAIN_THREAD = /setNumThreads\(2\): called on a page's main thread, where Atomics.wait is not allowed; call it \(and train\) in a dedicated worker/;

const harness = useBrowser({ isolated: true, plain: true });

async function load(server: RunningServer): Promise<{ report: PageReport; errors: string[] }> {
  const { page, errors } = await openPage(harness.browser, `${server.url}test/browser/pages/threads.html${timings ? '?timings' : ''}`);
  const report = (await waitForResult(page, 170_000)) as PageReport;
  await page.close();
  expect(report.worker.error).toBeUndefined();
  return { report, errors };
}

describe('threads in Chromium', () => {
  test('isolated: a worker runs products on 2 threads with the bits of one, and failures turn up as errors', async () => {
    const { report, errors } = await load(harness.isolated);
    const { main, worker } = report;
    if (worker.timings !== undefined) {
      console.log('ms, best and median, 1 thread -> 2 threads (Chromium, dedicated worker, alternating runs):');
      for (const row of worker.timings) {
        const f = (s: Stats): string => `${s.best.toFixed(2)} / ${s.median.toFixed(2)}`;
        console.log(`  ${row.what.padEnd(34)} ${row.dtype.padEnd(8)} ${f(row[1])} -> ${f(row[2])} (best x${(row[1].best / row[2].best).toFixed(2)})`);
      }
    }
    expect(main.isolated).toBe(true);
    expect(main.outcome).toMatch(new RegExp(`^rejected: ${MAIN_THREAD.source}`));
    expect(main.threads).toBe(1);

    expect(worker.isolated).toBe(true);
    expect(worker.threads).toBe(2);
    expect(worker.threadsAfterOff).toBe(1);
    // Every product went to the pool (the conv2d once per image), and gave the single-thread bits.
    expect(worker.results.float32.runsOnPool).toBe(1);
    expect(worker.results.float64.runsOnPool).toBe(1);
    expect(worker.results.conv.runsOnPool).toBe(2);
    for (const result of Object.values(worker.results)) expect(result.sameBits).toBe(true);
    expect(worker.results.float32.spotError).toBeLessThan(F32_SPOT);
    expect(worker.results.float64.spotError).toBeLessThan(F64_SPOT);

    expect(worker.workerFailure).toMatch(/^matmulKernelWasm: web worker 1 failed: RuntimeError: .*out of bounds/);
    expect(worker.afterFailure).toEqual({ threads: 2, runsOnPool: 1, spotError: expect.any(Number) });
    expect(worker.afterFailure!.spotError).toBeLessThan(F32_SPOT);

    expect(worker.badUrl).toMatch(/^setNumThreads: could not start 1 web worker\(s\) from .*no-such-worker\.js: web worker 1 failed: its script did not load/);
    expect(worker.threadsAfterBadUrl).toBe(1);
    expect(worker.threadsWithUrl).toBe(2);

    expect(worker.deadWorker).toMatch(/^matmulKernelWasm: web worker 1 did not finish its part within \d+ ms; threads are off from now on$/);
    expect(worker.deadWorkerMs).toBeGreaterThanOrEqual(9_000);
    expect(worker.afterDeath).toEqual({ threads: 1, runsOnPool: 0, spotError: expect.any(Number) });
    expect(worker.afterDeath!.spotError).toBeLessThan(F32_SPOT);
    expect(errors).toEqual([]);
  });

  test('not isolated: the worker stays at one thread, silently, and the products are right', async () => {
    const { report, errors } = await load(harness.plain);
    const { main, worker } = report;
    expect(main.isolated).toBe(false);
    expect(main.outcome).toMatch(new RegExp(`^rejected: ${MAIN_THREAD.source}`));
    expect(worker.isolated).toBe(false);
    expect(worker.threads).toBe(1);
    for (const result of Object.values(worker.results)) {
      expect(result.runsOnPool).toBe(0);
      expect(result.sameBits).toBe(true);
    }
    expect(worker.results.float32.spotError).toBeLessThan(F32_SPOT);
    expect(worker.results.float64.spotError).toBeLessThan(F64_SPOT);
    expect(errors).toEqual([]);
  });

  test('bundled: an app passes its bundle of @nn/autograd/web-worker as workerUrl', async () => {
    await bundleForBrowser([
      { in: 'test/browser/pages/threads-bundled-worker.js', out: 'app-worker' },
      { in: '@nn/autograd/web-worker', out: 'matmul-worker' },
    ], 'build/browser/webthreads');
    const { page, errors } = await openPage(harness.browser, `${harness.isolated.url}test/browser/pages/threads-bundled.html`);
    const result = await waitForResult(page);
    await page.close();
    expect(result).toEqual({ threads: 2, sameBits: true, after: 1 });
    expect(errors).toEqual([]);
  });
});
