/**
 * The browser benchmark page (bench/browser/compare.html) runs: at tiny sizes and short timings, in a
 * page that is not cross-origin isolated (every library on one thread), it reports a finite positive
 * figure for every library on every workload it runs, jax-js's digits fit excepted (jax-js has no
 * Keras-style fit) and @nn on two threads (which needs isolation: it reports that it got one), and
 * no console error. So the bench cannot rot between full runs. An isolated page runs @nn's worker
 * on two threads.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { startServer } from '../../examples/browser/server.js';
import { bundleComparePage } from '../../bench/browser/bundle.js';
import { LIBRARIES, type ComparisonResult, type Measured, type Outcome } from '../../bench/browser/compare.js';
import { openPage, waitForResult } from '../../examples/browser/chromium.js';
import { useBrowser } from './harness.js';

const harness = useBrowser({ plain: true }, bundleComparePage);
let result: ComparisonResult & { isolated: boolean };
let errors: string[];

beforeAll(async () => {
  const opened = await openPage(harness.browser, `${harness.plain.url}bench/browser/compare.html?sizes=32,64&runs=2&ms=10&warm=10&epochs=1&fits=1&rounds=2&threads=1`);
  errors = opened.errors;
  const raw = (await waitForResult(opened.page, 60_000)) as (ComparisonResult & { isolated: boolean }) | { error: string };
  if ('error' in raw) throw new Error(`the bench page threw: ${raw.error}`);
  result = raw;
}, 90_000);

const measured = (outcome: Outcome): outcome is Measured => 'value' in outcome;

describe('the browser benchmark page', () => {
  test('no console error', () => {
    expect(errors).toEqual([]);
  });

  test('every library started, on one thread in a page that is not isolated', () => {
    expect(result.isolated).toBe(false);
    expect(result.tfjs).toEqual({ threads: 1, threadedBuild: false });
    expect(result.jax).toEqual({ threads: 1, workers: false });
  });

  test('each workload ran, with a finite positive figure from every library', () => {
    expect(result.rows.map((row) => row.label)).toEqual([
      'matmul float32 32 x 32 x 32',
      'matmul float32 64 x 64 x 64',
      'MLP step 784-256-10, batch 128, SGD',
      'digits fit 64-128-10, Adam, batch 32, 1 epochs',
    ]);
    for (const row of result.rows) {
      expect(Object.keys(row.figures).sort()).toEqual([...LIBRARIES].sort());
      for (const [library, outcome] of Object.entries(row.figures)) {
        if (library === 'nnRelaxed' && !result.relaxedAvailable) continue;
        if (library === 'jax' && row.workload === 'digits-fit') {
          expect(outcome).toEqual({ notRun: expect.stringContaining('no Keras-style') });
          continue;
        }
        if (library === 'nnWorker2') {
          expect(outcome).toEqual({ notRun: 'failed: Error: asked for 2 threads, running on 1 (page is not cross-origin isolated)' });
          continue;
        }
        expect(measured(outcome) ? outcome.value : outcome, `${row.label}, ${library}`).toBeGreaterThan(0);
        if (measured(outcome)) {
          expect(Number.isFinite(outcome.value), `${row.label}, ${library}`).toBe(true);
          // Two rounds for the timed workloads: each library was timed in both.
          expect(outcome.runs).toBeGreaterThanOrEqual(row.unit === 's' ? 1 : 2);
        }
      }
    }
  });

  test('in an isolated page, @nn runs in its worker on two threads', async () => {
    const isolated = await startServer();
    try {
      const opened = await openPage(harness.browser, `${isolated.url}bench/browser/compare.html?sizes=64&runs=2&ms=10&warm=10&epochs=0&rounds=1&threads=1&libs=nnWorker2`);
      const raw = (await waitForResult(opened.page, 60_000)) as (ComparisonResult & { isolated: boolean }) | { error: string };
      if ('error' in raw) throw new Error(`the bench page threw: ${raw.error}`);
      expect(raw.isolated).toBe(true);
      expect(raw.rows.map((row) => row.workload)).toEqual(['matmul', 'mlp-step']);
      for (const row of raw.rows) {
        const outcome = row.figures.nnWorker2;
        expect(measured(outcome) && Number.isFinite(outcome.value) && outcome.value > 0, `${row.label}: ${JSON.stringify(outcome)}`).toBe(true);
      }
      expect(opened.errors).toEqual([]);
    } finally {
      await isolated.close();
    }
  });

  test("the fits learned something (a figure from a fit that trained nothing would mean nothing)", () => {
    const fit = result.rows.find((row) => row.workload === 'digits-fit')!;
    for (const library of ['nnPlain', 'nnWorker', 'tfjs'] as const) {
      const outcome = fit.figures[library];
      expect(measured(outcome) && outcome.accuracy !== undefined && outcome.accuracy > 0.3, `${library}: ${JSON.stringify(outcome)}`).toBe(true);
    }
  });
});
